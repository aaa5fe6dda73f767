import {
  ActivityFailure,
  CancellationScope,
  ChildWorkflowFailure,
  ContinueAsNew,
  TerminatedFailure,
  TimeoutFailure,
  isCancellation,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import type { JobOutcome, JobStatus } from '../../schemas/kit/jobs';
import { db } from './activities';
import { BULK_JOBS_FINISH_ON_FAILURE } from './patches';

export interface JobCounts {
  succeeded: number;
  failed: number;
  skipped: number;
}

/** What a failed or cancelled job reports, from what its items say it did. */
export type DescribeEnd = (counts: JobCounts, ended: { cancelled: boolean; reason: string }) => { status: JobStatus; outcome: JobOutcome };

/**
 * Runs a bulk job's workflow body so that whatever ends it early — a batch that failed or was terminated,
 * an activity that gave up, a cancel sent through Temporal — still leaves its row final, with the reason and
 * what its items say it did. The error is rethrown, so Temporal shows the workflow as it ended.
 *
 * The bookkeeping is behind a patch so that a history in which an older worker let the error out replays as
 * it ran; the marker is asked for only here, so jobs already running when this shipped get it too.
 */
export async function finishingOnFailure<T>(jobId: string, body: () => Promise<T>, describe: DescribeEnd): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ContinueAsNew || !patched(BULK_JOBS_FINISH_ON_FAILURE)) throw err;
    const cancelled = isCancellation(err);
    // A cancelled workflow's scope cancels every activity started in it: the last bookkeeping must not be.
    await CancellationScope.nonCancellable(async () => {
      const counts = await db.countJobItems({ jobId });
      const { status, outcome } = describe(counts, { cancelled, reason: cancelled ? 'cancelled through Temporal' : failureReason(err) });
      await db.finishJob({ jobId, status, outcome: { ...outcome, historyEvents: workflowInfo().historyLength } });
    });
    throw err;
  }
}

/** Longest reason kept in a job's outcome (a failure's message may quote a whole Twilio answer). */
const MAX_REASON_LENGTH = 500;

/** A failure's cause chain in words, e.g. "batch workflow …/batch-2 failed: terminated (stuck)". */
export function failureReason(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 6; e = e.cause) parts.push(describeFailure(e));
  return parts.join(': ').slice(0, MAX_REASON_LENGTH) || 'unknown failure';
}

function describeFailure(e: Error): string {
  if (e instanceof ChildWorkflowFailure) return `batch workflow ${e.execution.workflowId} failed`;
  if (e instanceof ActivityFailure) return `activity ${e.activityType} failed`;
  if (e instanceof TerminatedFailure) return e.message && e.message !== 'Terminated' ? `terminated (${e.message})` : 'terminated';
  if (e instanceof TimeoutFailure) return 'timed out';
  return e.message;
}
