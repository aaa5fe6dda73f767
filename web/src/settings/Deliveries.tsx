import { useId, useState } from 'react';
import { ErrorNote, ListStates, Status, THead, when, LoadMore } from '../components/ui';
import { Scoped } from '../components/Scoped';
import { useDeliveries, useResendDelivery, useWebhookEndpoints, type Delivery, type DeliveryStatus } from './queries';

const STATUSES: DeliveryStatus[] = ['pending', 'delivered', 'failed'];

/** A delivery worth sending again: given up on, or tried and refused (still waiting out its back-off). */
const resendable = (d: Delivery) => d.status === 'failed' || (d.status === 'pending' && d.attempts > 0);

/** #settings/webhooks/<id>: what was sent to one endpoint, how it went, and Resend. */
export function Deliveries({ endpointId, onBack }: { endpointId: string; onBack: () => void }) {
  const endpoint = useWebhookEndpoints().data?.data.find((e) => e.id === endpointId);
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const list = useDeliveries(endpointId, status);
  const resend = useResendDelivery(endpointId);
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section className="card stack" aria-labelledby="deliveries-heading">
      <button type="button" className="link" onClick={onBack}>
        ← Back to settings
      </button>
      <h3 id="deliveries-heading">Deliveries</h3>
      {endpoint ? (
        <p>
          To <code>{endpoint.url}</code> · {endpoint.eventTypes.length ? endpoint.eventTypes.join(', ') : 'every event type'}
        </p>
      ) : null}
      <div className="row">
        <StatusFilter value={status} onChange={setStatus} />
        <button type="button" onClick={() => void list.refetch()} disabled={list.isFetching}>
          Refresh
        </button>
      </div>
      <ErrorNote error={resend.error} title="Could not resend the delivery" />
      <ListStates
        loading={list.isLoading}
        loadingLabel="Loading deliveries…"
        error={list.error}
        errorTitle="Could not list the deliveries"
        empty={rows.length === 0}
        emptyText={status ? `No ${status} deliveries.` : 'No deliveries yet: events are sent here as they happen (a job finishing, a registration changing status, a trunk change ending).'}
      >
        <table aria-label="Deliveries">
          <THead cols={['Event', 'Status', 'Attempts', 'Last status', 'Last error', 'Next attempt', 'Created', 'Delivered', { hidden: 'Actions' }]} />
          <tbody>
            {rows.map((d) => (
              <DeliveryRow key={d.id} delivery={d} onResend={() => resend.mutate(d.id)} resending={resend.isPending && resend.variables === d.id} />
            ))}
          </tbody>
        </table>
        <LoadMore pages={list} />
      </ListStates>
    </section>
  );
}

function StatusFilter({ value, onChange }: { value: DeliveryStatus | ''; onChange: (v: DeliveryStatus | '') => void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Status</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as DeliveryStatus | '')}>
        <option value="">All</option>
        {STATUSES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </div>
  );
}

function DeliveryRow({ delivery: d, onResend, resending }: { delivery: Delivery; onResend: () => void; resending: boolean }) {
  return (
    <tr>
      <td>
        {d.eventType}
        <details>
          <summary>Payload</summary>
          <pre className="payload">{JSON.stringify(d.payload, null, 2)}</pre>
        </details>
      </td>
      <td>
        <Status value={d.status} />
      </td>
      <td>{d.attempts}</td>
      <td>{d.lastStatus ?? '—'}</td>
      <td className="wrap">{d.lastError ?? '—'}</td>
      <td>{when(d.nextAttemptAt)}</td>
      <td>{when(d.createdAt)}</td>
      <td>{when(d.deliveredAt)}</td>
      <td>
        {resendable(d) ? (
          <Scoped scope="admin" what="Resending" quiet>
            <button type="button" aria-label={`Resend ${d.eventType} ${d.id}`} disabled={resending} onClick={onResend}>
              Resend
            </button>
          </Scoped>
        ) : null}
      </td>
    </tr>
  );
}
