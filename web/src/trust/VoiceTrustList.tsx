import { Scoped } from '../components/Scoped';
import { ListStates, Status, THead, when } from '../components/ui';
import { productLabel } from './labels';
import { useVoiceTrustList } from './queries';

export function VoiceTrustList({ onOpen }: { onOpen: (path: string) => void }) {
  const list = useVoiceTrustList();
  const rows = list.data?.data ?? [];
  return (
    <section className="card" aria-labelledby="vt-heading">
      <div className="header-row">
        <h3 id="vt-heading">Voice trust</h3>
        <Scoped scope="spend" what="Starting a registration (it is billed)">
          <button type="button" className="primary" onClick={() => onOpen('new')}>
            Start a registration
          </button>
        </Scoped>
      </div>
      <ListStates
        loading={list.isLoading}
        loadingLabel="Loading voice trust registrations…"
        error={list.error}
        errorTitle="Could not list voice trust registrations"
        empty={rows.length === 0}
        emptyText="No voice trust registrations yet. “Start a registration” gets your numbers SHAKEN/STIR A attestation, a CNAM caller name or Voice Integrity."
      >
        <table>
          <caption className="visually-hidden">Voice trust registrations</caption>
          <THead cols={['Product', 'Status', 'Numbers', 'Created', { hidden: 'Actions' }]} />
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td>{productLabel[r.product] ?? r.product}</td>
                <td>
                  <Status value={r.status} />
                </td>
                <td>{r.numbers.length}</td>
                <td>{when(r.createdAt)}</td>
                <td>
                  <button type="button" aria-label={`Open the ${productLabel[r.product] ?? r.product} registration started ${when(r.createdAt)}`} onClick={() => onOpen(r.id)}>
                    Open
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ListStates>
    </section>
  );
}
