import { useEffect, useRef, useState } from 'react';
import { useJobItems, type Job } from '@twilio-pro/react';
import { ErrorNote, ListStates, Status, THead, when, LoadMore } from '../components/ui';
import { Scoped } from '../components/Scoped';
import { usePassRuns, usePolicyActions, useRefreshHealth, type HygienePolicy, type ScheduleName } from './queries';

const title: Record<ScheduleName, string> = { health_pass: 'Health pass', rotation_pass: 'Rotation pass' };
type ScheduleState = Pick<HygienePolicy, 'scheduleId' | 'paused' | 'nextRunAt' | 'recentRuns'>;

/** One of the policy's Temporal Schedules: paused or active, its next run, its recent runs and their items. */
export function ScheduleCard({ which, schedule, cron }: { which: ScheduleName; schedule: ScheduleState; cron: string }) {
  const { act } = usePolicyActions();
  // After "Run now" the run's job appears within seconds: the runs are polled until it does.
  const [runRequestedAt, setRunRequestedAt] = useState<number | null>(null);
  const runs = usePassRuns(which, runRequestedAt !== null);
  const newest = runs.data?.data[0];
  useEffect(() => {
    // A few seconds of slack: the job's time is the server's clock, the request's the browser's.
    if (runRequestedAt !== null && newest && Date.parse(newest.createdAt) >= runRequestedAt - 5000) setRunRequestedAt(null);
  }, [runRequestedAt, newest]);
  useEffect(() => {
    if (runRequestedAt === null) return;
    const giveUp = setTimeout(() => setRunRequestedAt(null), 30_000); // a pass that never recorded its job: stop polling
    return () => clearTimeout(giveUp);
  }, [runRequestedAt]);
  // A run that ended since the last look may have quarantined or restored numbers: scores and distribution are read again.
  const refresh = useRefreshHealth();
  const lastSeen = useRef<string | null>(null);
  const newestEnded = newest && !['queued', 'running', 'cancelling'].includes(newest.status) ? newest.id : null;
  useEffect(() => {
    if (newestEnded && lastSeen.current !== null && lastSeen.current !== newestEnded) void refresh();
    if (runs.data) lastSeen.current = newestEnded ?? '';
  }, [newestEnded, runs.data]); // not on refresh, a new function each render
  const headingId = `schedule-${which}`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {title[which]} schedule <Status value={schedule.paused ? 'paused' : 'active'} />
      </h3>
      <dl className="facts">
        <dt>Cron (UTC)</dt>
        <dd>
          <code>{cron}</code>
        </dd>
        <dt>Next run</dt>
        <dd>{schedule.paused ? 'paused' : when(schedule.nextRunAt)}</dd>
        <dt>Last scheduled run</dt>
        <dd>{when(schedule.recentRuns[0]?.at)}</dd>
        <dt>Temporal Schedule</dt>
        <dd>
          <code>{schedule.scheduleId}</code>
        </dd>
      </dl>
      <Scoped scope="admin" what={`Pausing or running the ${title[which].toLowerCase()}`} quiet>
        <div className="actions">
          <button type="button" onClick={() => act.mutate({ action: schedule.paused ? 'resume' : 'pause', schedule: which })} disabled={act.isPending}>
            {schedule.paused ? 'Resume' : 'Pause'} <span className="visually-hidden">{title[which].toLowerCase()}</span>
          </button>
          <button
            type="button"
            onClick={() => act.mutate({ action: 'run', schedule: which }, { onSuccess: () => setRunRequestedAt(Date.now()) })}
            disabled={act.isPending || runRequestedAt !== null}
          >
            Run now <span className="visually-hidden">{title[which].toLowerCase()}</span>
          </button>
        </div>
      </Scoped>
      <ErrorNote error={act.error} title={`Could not change the ${title[which].toLowerCase()}`} />
      <RecentRuns which={which} runs={runs.data?.data ?? []} loading={runs.isLoading} error={runs.error} />
    </section>
  );
}

function RecentRuns({ which, runs, loading, error }: { which: ScheduleName; runs: Job[]; loading: boolean; error: unknown }) {
  const [open, setOpen] = useState<string | null>(null);
  const name = title[which].toLowerCase();
  return (
    <>
      <h4>Recent runs</h4>
      <ListStates loading={loading} loadingLabel="Loading the runs…" error={error} errorTitle="Could not list the runs" empty={runs.length === 0} emptyText={`No ${name} has run yet. “Run now” starts one.`}>
        <table>
          <caption className="visually-hidden">Recent {name} runs, newest first</caption>
          <THead cols={['Started', 'Status', 'Numbers', { hidden: 'Items' }]} />
          <tbody>
            {runs.map((j) => (
              <tr key={j.id}>
                <td>{when(j.startedAt ?? j.createdAt)}</td>
                <td>
                  <Status value={j.status} />
                </td>
                <td>{j.counts.requested}</td>
                <td>
                  <button type="button" aria-expanded={open === j.id} onClick={() => setOpen(open === j.id ? null : j.id)} aria-label={`Items of the ${name} run at ${when(j.startedAt ?? j.createdAt)}`}>
                    Items
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ListStates>
      {open ? <RunItems jobId={open} name={name} live={runs.some((j) => j.id === open && ['queued', 'running', 'cancelling'].includes(j.status))} /> : null}
    </>
  );
}

/** What a run found and did for each number: its score and the action (quarantined, restored, resting, rotated…). */
function RunItems({ jobId, name, live }: { jobId: string; name: string; live: boolean }) {
  const items = useJobItems(jobId, { limit: 100 }, { intervalMs: live ? 1500 : false });
  const rows = items.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <ListStates loading={items.isLoading} loadingLabel="Loading the run’s items…" error={items.error} errorTitle="Could not read the run’s items" empty={rows.length === 0} emptyText="This run has no items (yet).">
      <table>
        <caption>Items of the {name} run</caption>
        <THead cols={['Number', 'Score', 'Action', 'Result']} />
        <tbody>
          {rows.map((i) => (
            <tr key={i.itemKey}>
              <td>{i.phoneNumber ?? i.itemKey}</td>
              <td>{typeof i.detail?.score === 'number' ? i.detail.score : '—'}</td>
              <td>{typeof i.detail?.action === 'string' ? i.detail.action.replace(/_/g, ' ') : '—'}</td>
              <td>{i.error ? `${i.error.code ?? ''} ${i.error.message}` : <Status value={i.status} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <LoadMore pages={items} label="More items" />
    </ListStates>
  );
}
