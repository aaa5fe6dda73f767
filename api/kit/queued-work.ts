import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config/env';
import { cancelUnstartedJob, finishStrandedJob, takeJobsToSweep, type JobToSweep, type SweepBackoff } from '../../db/kit/jobs';
import type { Db } from '../../db/kit/pool';
import { cancelJobSignal } from '../../workflows/kit/job-signals';
import { startJobWorkflow, type JobKindTable } from './jobs/kinds';
import { workflowEnding } from './workflow-runner';

/** What the sweep uses to start a workflow: PostgreSQL, Temporal, the settings. */
export type QueuedWorkDeps = { db: Db; temporal: Client; config: Config; log: FastifyBaseLogger };

/**
 * One product's rows that are written before their workflows start (registrations, verifications, trunk
 * operations): how the sweep finds those still queued and starts their workflows. Each product declares its own.
 */
export interface QueuedWork<Row = unknown> {
  /** What one row is, for the log ("a voice trust registration"), and the log field naming it ("registrationId"). */
  what: string;
  idField: string;
  /** Up to 100 rows, oldest first, still queued this many seconds after they were written. */
  findQueued(db: Db, olderThanSeconds: number): Promise<Row[]>;
  idOf(row: Row): string;
  /** Starts the row's workflow at most once (its id is the row's); false when it had been started already. */
  start(deps: QueuedWorkDeps, row: Row): Promise<boolean>;
}

/** What the sweep runs: every job kind and every product's queued work, in the order they are swept (api/app.ts composes them). */
export interface SweepRegistry {
  jobKinds: JobKindTable;
  queued: readonly QueuedWork[];
}

type SweepDeps = QueuedWorkDeps & SweepRegistry;

/** Jobs looked at per sweep, and how long a job that can't move yet waits for its next turn. */
const JOBS_PER_SWEEP = 100;
const JOB_TURNS: SweepBackoff = { firstSeconds: 15, maxSeconds: 600 };

/**
 * Job, registration and trunk-operation rows are written before their workflows start; if the API died in between,
 * they would sit queued forever. This sweep starts such workflows (a start is idempotent: the
 * workflow id is the row's), so an API crash delays work and never drops it.
 */
export function startQueuedWorkSweep(deps: SweepDeps, everyMs = 15_000) {
  const sweep = async () => {
    try {
      await sweepJobs(deps);
      for (const work of deps.queued) await startQueuedRows(deps, work);
    } catch (err) {
      deps.log.warn({ err }, 'queued-work sweep failed; will retry');
    }
  };
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  void sweep();
  return () => clearInterval(timer);
}

/** Starts the workflows of one product's rows the API wrote but (it seems) did not start. */
async function startQueuedRows(deps: SweepDeps, work: QueuedWork) {
  for (const row of await work.findQueued(deps.db, 10)) {
    const started = await work.start(deps, row);
    if (started) deps.log.info({ [work.idField]: work.idOf(row) }, `started the workflow of ${work.what} the API had not started`);
  }
}

/**
 * Jobs whose workflow may never have heard of them: a queued job's workflow is started (or, if it closed
 * before the job left `queued`, the job ends with Temporal's reason); a cancelling job's cancel is sent again
 * while its workflow runs (the API's signal may have failed), and the job ends if its workflow is gone; a
 * running job whose workflow was terminated ends with Temporal's reason.
 * One job's trouble (Temporal away) doesn't stop the others: it is simply taken again on its next turn.
 */
async function sweepJobs(deps: SweepDeps) {
  for (const job of await takeJobsToSweep(deps.db, 10, JOBS_PER_SWEEP, JOB_TURNS)) {
    try {
      await sweepers[job.status](deps, job);
    } catch (err) {
      deps.log.warn({ err, jobId: job.id }, 'queued-work sweep could not handle a job; it is taken again on its next turn');
    }
  }
}

async function sweepQueuedJob(deps: SweepDeps, job: JobToSweep) {
  const toStart = { id: job.id, tenantId: job.tenant_id, kind: job.kind, params: job.params, workflowId: job.workflow_id };
  if (await startJobWorkflow(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, deps.jobKinds, toStart)) {
    deps.log.info({ jobId: job.id }, 'started the workflow of a job the API had not started');
    return;
  }
  // Started already: it leaves `queued` on its own while it runs; if it closed first, nothing else will end the job.
  await endIfWorkflowClosed(deps, job, 'before the job started');
}

/** Ends the job with Temporal's reason when its workflow closed without ending it; nothing while it runs. */
async function endIfWorkflowClosed(deps: SweepDeps, job: JobToSweep, when: string) {
  const ended = await workflowEnding(deps.temporal, job.workflow_id).catch(nullWhenNotFound);
  if (!ended) return;
  await finishStrandedJob(deps.db, job.id, ended.cancelled ? 'cancelled' : 'failed', {
    stopReason: ended.cancelled ? 'cancelled' : 'failed',
    message: `${ended.reason} ${when}`,
  });
  deps.log.warn({ jobId: job.id, status: job.status, reason: ended.reason }, `ended a ${job.status} job whose workflow had closed`);
}

async function sweepCancellingJob(deps: SweepDeps, job: JobToSweep) {
  let ended;
  try {
    ended = await workflowEnding(deps.temporal, job.workflow_id);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // Cancelled while queued and never started: nothing ran, so the job ends here (as the cancel route does).
    await cancelUnstartedJob(deps.db, job.tenant_id, job.id);
    return;
  }
  if (!ended) {
    // The workflow's cancel handler is idempotent: sending again is harmless if the API's signal did land.
    await deps.temporal.workflow.getHandle(job.workflow_id).signal(cancelJobSignal);
    deps.log.info({ jobId: job.id }, 'sent the cancel of a job to its workflow');
    return;
  }
  await finishStrandedJob(deps.db, job.id, 'cancelled', { stopReason: 'cancelled', message: `cancelled; ${ended.reason} before recording an outcome` });
  deps.log.warn({ jobId: job.id, reason: ended.reason }, 'ended a cancelling job whose workflow had closed');
}

/**
 * A running job's workflow ends the job itself, whatever fails inside it; only a terminate (or a run timeout)
 * stops it with no code of its own left to run, so the job is ended here, with Temporal's reason.
 */
async function sweepRunningJob(deps: SweepDeps, job: JobToSweep) {
  await endIfWorkflowClosed(deps, job, 'while the job ran');
}

const sweepers: Record<JobToSweep['status'], (deps: SweepDeps, job: JobToSweep) => Promise<void>> = {
  queued: sweepQueuedJob,
  cancelling: sweepCancellingJob,
  running: sweepRunningJob,
};

const nullWhenNotFound = (err: unknown) => {
  if (err instanceof WorkflowNotFoundError) return null;
  throw err;
};
