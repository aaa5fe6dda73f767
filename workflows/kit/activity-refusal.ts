import { ActivityFailure, ApplicationFailure, isCancellation, TimeoutFailure } from '@temporalio/workflow';

/** Why an activity gave up, as a registration's row records it: Twilio's code and message where Twilio answered. */
export interface Refusal {
  activity: string;
  /** Twilio's error code (e.g. 21649), when the failure is a definitive Twilio answer. */
  code: number | null;
  message: string;
}

/**
 * The refusal carried by an activity that gave up (a definitive Twilio 4xx, retries exhausted, a timeout), or
 * null for anything else: a cancel is not a refusal, and an error of the workflow's own code is a bug to fix and
 * replay, not an outcome to record.
 */
export function refusalOf(err: unknown): Refusal | null {
  if (!(err instanceof ActivityFailure) || isCancellation(err)) return null;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const info = cause.type === 'TwilioError' ? (cause.details?.[0] as { code?: unknown } | undefined) : undefined;
    return { activity: err.activityType, code: typeof info?.code === 'number' ? info.code : null, message: cause.message };
  }
  if (cause instanceof TimeoutFailure) return { activity: err.activityType, code: null, message: 'timed out' };
  return { activity: err.activityType, code: null, message: cause?.message ?? err.message };
}
