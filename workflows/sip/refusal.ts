import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { TwilioErrorInfo } from '../../schemas/kit/common';
import type { Refusal } from '../../schemas/sip/workflow';

/** A definitive refusal (Twilio 4xx, or ours): retrying can't change it, so the saga rolls back. */
export function refusalOf(err: unknown): Refusal | null {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure) || !err.cause.nonRetryable) return null;
  const twilio = err.cause.type === 'TwilioError' ? ((err.cause.details?.[0] as TwilioErrorInfo | undefined) ?? null) : null;
  return { message: err.cause.message, twilio };
}

/** How a refused step reads in the step list. */
export const refusedDetail = (r: Refusal) => (r.twilio?.code ? `Twilio ${r.twilio.code}: ${r.message}` : r.message);
