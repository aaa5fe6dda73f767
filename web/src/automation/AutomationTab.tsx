import { useJobs, useRegistrations } from '@twilio-pro/react';
import { Status, when, THead, ListStates } from '../components/ui';
import { temporalLink, useConsoleConfig } from '../console-config';
import { JobPanel } from '../numbers/JobPanel';
import { useState } from 'react';

/** Every durable workflow the tenant has running or ran lately, with a link to each in the Temporal UI. */
export function AutomationTab() {
  const config = useConsoleConfig();
  const jobs = useJobs({ limit: 50 }, { intervalMs: 2000 });
  const registrations = useRegistrations({ limit: 50 }, { intervalMs: 5000 });
  const [open, setOpen] = useState<string | null>(null);
  const rows = [
    ...(jobs.data?.data ?? []).map((j) => ({
      id: j.id,
      kind: j.kind.replace('_', ' '),
      status: j.status,
      detail: `${j.counts.succeeded} of ${j.counts.requested} done${j.counts.failed ? `, ${j.counts.failed} failed` : ''}`,
      createdAt: j.createdAt,
      workflowId: j.workflowId,
      isJob: true,
    })),
    ...(registrations.data?.data ?? []).map((r) => ({
      id: r.id,
      kind: 'A2P registration',
      status: r.status,
      detail: `step ${r.step}`,
      createdAt: r.createdAt,
      workflowId: r.workflowId,
      isJob: false,
    })),
  ].sort((a, b) => b.createdAt.localeCompare(a.createdAt));

  return (
    <div className="stack">
      {open ? <JobPanel key={open} jobId={open} onClose={() => setOpen(null)} /> : null}
      <section className="card" aria-labelledby="automation-heading">
        <h2 id="automation-heading">Running and recent work</h2>
        <ListStates
          loading={jobs.isLoading || registrations.isLoading}
          loadingLabel="Loading jobs…"
          error={jobs.error ?? registrations.error}
          errorTitle="Could not list the work"
          empty={rows.length === 0}
          emptyText="Nothing has run yet. Bulk buys, bulk releases and registrations show up here."
        >
          <table>
            <caption className="visually-hidden">Jobs and registrations, newest first</caption>
            <THead cols={['Kind', 'Status', 'Progress', 'Started', 'Temporal']} />
            <tbody>
              {rows.map((r) => {
                const link = temporalLink(config.data, r.workflowId);
                return (
                  <tr key={r.id}>
                    <td>
                      {r.isJob ? (
                        <button type="button" className="link" onClick={() => setOpen(r.id)} aria-label={`Show ${r.kind} started ${when(r.createdAt)}`}>
                          {r.kind}
                        </button>
                      ) : (
                        r.kind
                      )}
                    </td>
                    <td>
                      <Status value={r.status} />
                    </td>
                    <td>{r.detail}</td>
                    <td>{when(r.createdAt)}</td>
                    <td>
                      {link ? (
                        <a href={link} target="_blank" rel="noreferrer">
                          Open <span className="visually-hidden">{r.kind} {r.id} </span>in Temporal
                        </a>
                      ) : (
                        <span className="muted" title={r.workflowId}>
                          {r.workflowId.split('/').pop()}
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </ListStates>
      </section>
    </div>
  );
}
