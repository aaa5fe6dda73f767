import { ListCard, OpenCell } from '../components/ListCard';
import { ListStates, Status, THead, when } from '../components/ui';
import { productLabel } from './labels';
import { useVoiceTrustList } from './queries';

export function VoiceTrustList({ onOpen }: { onOpen: (path: string) => void }) {
  const list = useVoiceTrustList();
  const rows = list.data?.data ?? [];
  return (
    <ListCard headingId="vt-heading" heading="Voice trust" add={{ label: 'Start a registration', scope: 'spend', what: 'Starting a registration (it is billed)', onClick: () => onOpen('new') }}>
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
                <OpenCell what={`the ${productLabel[r.product] ?? r.product} registration started ${when(r.createdAt)}`} onOpen={() => onOpen(r.id)} />
              </tr>
            ))}
          </tbody>
        </table>
      </ListStates>
    </ListCard>
  );
}
