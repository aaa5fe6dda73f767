import { ApplicationFailure, CancellationScope, isCancellation, workflowInfo } from '@temporalio/workflow';
import type { TwilioErrorInfo } from '../../schemas/kit/common';
import type { JobOutcome, JobStatus } from '../../schemas/kit/jobs';
import { db } from './activities';

/** Twilio's error somewhere in a failure's causes: activities fail with it as their details (activities/kit/twilio-errors.ts). */
export function twilioErrorIn(err: unknown): TwilioErrorInfo | null {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure && e.type === 'TwilioError' && e.details?.[0]) return e.details[0] as TwilioErrorInfo;
  }
  return null;
}

/** What went wrong, from the innermost cause: "Activity task failed" and "Child Workflow execution failed" say nothing. */
export function failureReason(err: unknown): string {
  const twilio = twilioErrorIn(err);
  if (twilio) return `Twilio ${twilio.code ?? twilio.status}: ${twilio.message}`;
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/** What a stopped job had done: whether any of it (a failure after some work is `partial`), and in words. */
export interface StoppedProgress {
  didSome: boolean;
  summary: string;
}

/**
 * Ends a job's row when its workflow stops early: cancelled through Temporal, or an activity that failed for good.
 * `progress` may be read then (e.g. from the job's items). The writes run outside the workflow's cancellation: a
 * cancel must not also cancel the bookkeeping that records it.
 */
export async function finishStoppedJob(jobId: string, err: unknown, progress: StoppedProgress | (() => Promise<StoppedProgress>)): Promise<void> {
  const cancelled = isCancellation(err);
  const lastError = twilioErrorIn(err);
  await CancellationScope.nonCancellable(async () => {
    const { didSome, summary } = typeof progress === 'function' ? await progress() : progress;
    const status: JobStatus = cancelled ? 'cancelled' : didSome ? 'partial' : 'failed';
    const outcome: JobOutcome = {
      stopReason: cancelled ? 'cancelled' : 'failed',
      message: cancelled ? `cancelled through Temporal; ${summary}` : `stopped: ${failureReason(err)}; ${summary}`,
      historyEvents: workflowInfo().historyLength,
      ...(lastError ? { lastError } : {}),
    };
    await db.finishJob({ jobId, status, outcome });
  });
}
