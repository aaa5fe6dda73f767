import { ApplicationFailure } from '@temporalio/common';
import type { TwilioErrorInfo } from '../../schemas/kit/common';

interface RestExceptionLike {
  status?: number;
  code?: number;
  message?: string;
  moreInfo?: string;
}

/** A Twilio REST error answer (as opposed to a timeout or a dropped connection). */
export function twilioErrorOf(err: unknown): TwilioErrorInfo | null {
  const e = err as RestExceptionLike;
  if (e && typeof e === 'object' && typeof e.status === 'number' && e.status >= 400) {
    return { code: e.code ?? null, status: e.status, message: e.message ?? 'Twilio error', moreInfo: e.moreInfo ?? null };
  }
  return null;
}

/**
 * True when Twilio gave a definitive answer that retrying can't change (4xx other than 429).
 * 5xx, 429 and network failures are ambiguous or transient: the caller reconciles and retries.
 */
export function isDefinitiveTwilioError(err: unknown): err is RestExceptionLike & { status: number } {
  const info = twilioErrorOf(err);
  return info !== null && info.status !== null && info.status < 500 && info.status !== 429;
}

export const TWILIO_NUMBER_UNAVAILABLE = 21422;
export const TWILIO_NOT_FOUND = 20404;

/** Turns a definitive Twilio answer into a non-retryable failure carrying Twilio's code and message. */
export function failOnDefinitive(err: unknown): never {
  if (isDefinitiveTwilioError(err)) {
    const info = twilioErrorOf(err)!;
    throw ApplicationFailure.create({ message: info.message, type: 'TwilioError', nonRetryable: true, details: [info] });
  }
  throw err;
}

/**
 * Twilio's definitive answer in either form an activity meets it: the SDK's error, or the non-retryable failure
 * failOnDefinitive made of it inside a helper. Null for anything else (transient, or not Twilio's).
 */
export function definitiveTwilioAnswerOf(err: unknown): TwilioErrorInfo | null {
  if (isDefinitiveTwilioError(err)) return twilioErrorOf(err);
  if (err instanceof ApplicationFailure && err.type === 'TwilioError' && err.nonRetryable) return (err.details?.[0] as TwilioErrorInfo | undefined) ?? null;
  return null;
}

/** A 404 from Twilio: the resource is not (or no longer) there. */
export const isTwilioNotFound = (err: unknown) => twilioErrorOf(err)?.status === 404;

/** For deletes and detaches: what is already gone counts as done; any other definitive answer fails. */
export function goneIsDone(err: unknown): null {
  if (isTwilioNotFound(err)) return null;
  return failOnDefinitive(err);
}

/**
 * The tenant's own Twilio account can't be used now (issue #24 §2): its credentials were refused (20003), or it is
 * suspended, closing, closed or still being made. No request was sent. The tenant's work waits — the activity is
 * retried every `retryAfterMs` (activity-wrappers.ts) until the binding is active again — and nothing is failed.
 */
export class TwilioAccountPaused extends Error {
  constructor(
    readonly accountSid: string,
    readonly status: string,
    readonly retryAfterMs: number,
  ) {
    super(`the tenant's Twilio account ${accountSid} is ${status}: its work waits until the account is active again`);
    this.name = 'TwilioAccountPaused';
  }
}

/**
 * For catches that record a failure or take an error as an answer (a bulk job's item, an undo, "not there"):
 * a paused account is neither, so it must pass through them and end the activity, whose retry resumes the work.
 */
export const isAccountPaused = (err: unknown): err is TwilioAccountPaused => err instanceof TwilioAccountPaused;
