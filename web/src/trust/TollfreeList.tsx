import { Scoped } from '../components/Scoped';
import { ListStates, Status, THead, when } from '../components/ui';
import { useTollfreeList } from './queries';

export function TollfreeList({ onOpen }: { onOpen: (path: string) => void }) {
  const list = useTollfreeList();
  const rows = list.data?.data ?? [];
  return (
    <section className="card" aria-labelledby="tf-heading">
      <div className="header-row">
        <h3 id="tf-heading">Toll-free verifications</h3>
        <Scoped scope="spend" what="Verifying a toll-free number">
          <button type="button" className="primary" onClick={() => onOpen('new')}>
            Verify a toll-free number
          </button>
        </Scoped>
      </div>
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
                <td>
                  <button type="button" aria-label={`Open the verification of ${v.tollfreePhoneNumber} started ${when(v.createdAt)}`} onClick={() => onOpen(v.id)}>
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
