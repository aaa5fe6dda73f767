import { ListCard, OpenCell } from '../components/ListCard';
import { ListStates, Status, THead, when } from '../components/ui';
import { useTollfreeList } from './queries';

export function TollfreeList({ onOpen }: { onOpen: (path: string) => void }) {
  const list = useTollfreeList();
  const rows = list.data?.data ?? [];
  return (
    <ListCard headingId="tf-heading" heading="Toll-free verifications" add={{ label: 'Verify a toll-free number', scope: 'spend', what: 'Verifying a toll-free number', onClick: () => onOpen('new') }}>
      <ListStates
        loading={list.isLoading}
        loadingLabel="Loading toll-free verifications…"
        error={list.error}
        errorTitle="Could not list toll-free verifications"
        empty={rows.length === 0}
        emptyText="No toll-free verifications yet. A toll-free number must be verified before it can send messages: “Verify a toll-free number” checks the form as you type."
      >
        <table>
          <caption className="visually-hidden">Toll-free verifications</caption>
          <THead cols={['Number', 'Status', 'Twilio status', 'Created', { hidden: 'Actions' }]} />
          <tbody>
            {rows.map((v) => (
              <tr key={v.id}>
                <td>{v.tollfreePhoneNumber}</td>
                <td>
                  <Status value={v.status} />
                </td>
                <td>{v.twilioStatus?.replace(/_/g, ' ') ?? '—'}</td>
                <td>{when(v.createdAt)}</td>
                <OpenCell what={`the verification of ${v.tollfreePhoneNumber} started ${when(v.createdAt)}`} onOpen={() => onOpen(v.id)} />
              </tr>
            ))}
          </tbody>
        </table>
      </ListStates>
    </ListCard>
  );
}
