import type { TabRoute } from '../components/tab-route';
import { TollfreeDetails } from './TollfreeDetails';
import { TollfreeForm } from './TollfreeForm';
import { TollfreeList } from './TollfreeList';
import { VoiceTrustDetails } from './VoiceTrustDetails';
import { VoiceTrustForm } from './VoiceTrustForm';
import { VoiceTrustList } from './VoiceTrustList';
import './trust.css';

/**
 * Trust: voice trust registrations (SHAKEN/STIR, CNAM, Voice Integrity) and toll-free verifications.
 * Routes: #trust, #trust/vt/new, #trust/vt/<id>, #trust/tf/new, #trust/tf/<id>.
 */
export function TrustTab({ path, go }: TabRoute) {
  const [section, id] = path;
  return (
    <div className="stack">
      <h2>Trust</h2>
      <TrustView section={section} id={id} go={go} />
    </div>
  );
}

function TrustView({ section, id, go }: { section: string | undefined; id: string | undefined; go: TabRoute['go'] }) {
  const back = () => go();
  if (section === 'vt' && id === 'new') return <VoiceTrustForm onStarted={(r) => go(`vt/${r}`)} onBack={back} />;
  if (section === 'vt' && id) return <VoiceTrustDetails id={id} onBack={back} />;
  if (section === 'tf' && id === 'new') return <TollfreeForm onStarted={(v) => go(`tf/${v}`)} onBack={back} />;
  if (section === 'tf' && id) return <TollfreeDetails id={id} onBack={back} />;
  return (
    <>
      <VoiceTrustList onOpen={(p) => go(`vt/${p}`)} />
      <TollfreeList onOpen={(p) => go(`tf/${p}`)} />
    </>
  );
}
