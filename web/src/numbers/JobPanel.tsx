import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { queryKeys, useJob, useJobItems } from '@twilio-pro/react';
import { ErrorNote, Loading, ProgressBar, Status, when, THead, LoadMore } from '../components/ui';
import { Scoped } from '../components/Scoped';

/** A bulk job, live: the progress bar, counts, why it stopped, failures with Twilio's codes, and cancel. */
export function JobPanel({ jobId, onClose }: { jobId: string; onClose?: () => void }) {
  const { job, progress, isFinished, error, cancel, isCancelling, cancelError } = useJob(jobId, { intervalMs: 700 });
  const failures = useJobItems(jobId, { status: 'failed', limit: 50 }, { intervalMs: isFinished ? false : 2000 });
  const failed = failures.data?.pages.flatMap((p) => p.data) ?? [];
  const qc = useQueryClient();
  // The numbers the job bought or released show in the lists as soon as it ends.
  useEffect(() => {
    if (isFinished) void qc.invalidateQueries({ queryKey: queryKeys.numbers().slice(0, 2) });
  }, [isFinished, qc]);
  if (error) return <ErrorNote error={error} title="Could not read the job" />;
  if (!job || !progress) return <Loading label="Loading the job…" />;
  const what = { bulk_buy: 'Bulk buy', bulk_release: 'Bulk release', bulk_lookup: 'Bulk lookup', health_pass: 'Health pass', rotation_pass: 'Rotation pass' }[job.kind];
  return (
    <section className="card" aria-labelledby={`job-${job.id}`}>
      <h3 id={`job-${job.id}`}>
        {what} <Status value={job.status} />
      </h3>
      <ProgressBar label="Job progress" percent={progress.percent} text={`${progress.done} of ${progress.total} (${progress.percent} %)`} />
      <dl className="facts">
        <dt>Succeeded</dt>
        <dd>{job.counts.succeeded}</dd>
        <dt>Failed</dt>
        <dd>{job.counts.failed}</dd>
        <dt>Skipped</dt>
        <dd>{job.counts.skipped}</dd>
        <dt>Pending</dt>
        <dd>{job.counts.pending}</dd>
        <dt>Started</dt>
        <dd>{when(job.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{when(job.finishedAt)}</dd>
      </dl>
      {job.outcome ? <p className="muted">{job.outcome.message}</p> : null}
      {failed.length ? (
        <table>
          <caption>Failures</caption>
          <THead cols={['Number', 'Twilio code', 'Message']} />
          <tbody>
            {failed.map((i) => (
              <tr key={i.itemKey}>
                <td>{i.phoneNumber ?? i.itemKey}</td>
                <td>{i.error?.code ?? '—'}</td>
                <td>{i.error?.message ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <AllResults jobId={job.id} total={progress.total} live={!isFinished} />
      <div className="actions">
        {!isFinished ? (
          <Scoped scope="write" what="Cancelling a job" quiet>
            <button type="button" onClick={() => void cancel().catch(() => {})} disabled={isCancelling || job.status === 'cancelling'}>
              Cancel job
            </button>
          </Scoped>
        ) : null}
        {onClose ? (
          <button type="button" onClick={onClose}>
            Close
          </button>
        ) : null}
      </div>
      <ErrorNote error={cancelError} title="Could not cancel" />
    </section>
  );
}

/** Every item's result, fetched only when opened, page by page. */
function AllResults({ jobId, total, live }: { jobId: string; total: number; live: boolean }) {
  const [open, setOpen] = useState(false);
  const items = useJobItems(open ? jobId : null, { limit: 100 }, { intervalMs: open && live ? 2000 : false });
  const rows = items.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>All results ({total})</summary>
      {items.isLoading ? (
        <Loading label="Loading the results…" />
      ) : items.error ? (
        <ErrorNote error={items.error} title="Could not read the results" />
      ) : (
        <table>
          <caption className="visually-hidden">Every item of the job</caption>
          <THead cols={['Number', 'Result', 'Twilio SID or error']} />
          <tbody>
            {rows.map((i) => (
              <tr key={i.itemKey}>
                <td>{i.phoneNumber ?? i.itemKey}</td>
                <td>
                  <Status value={i.status} />
                </td>
                <td className="wrap">{i.error ? `${i.error.code ?? ''} ${i.error.message}` : (i.twilioSid ?? '—')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore pages={items} label="More results" />
    </details>
  );
}
