import type { Refusal } from './activity-refusal';

/**
 * How a reviewed registration's row words a refusal: Twilio's code where Twilio answered, and what to do next.
 * Pure, so it is unit-tested without Temporal.
 */

/** A step's name in words: "trust_product" → "trust product". */
export const stepInWords = (step: string): string => step.replaceAll('_', ' ');

/** "<what> was refused (Twilio 21649): <why>; start a new <noun> once the cause is fixed" (no code: no parenthesis). */
export function refusedMessage(what: string, refusal: Pick<Refusal, 'code' | 'message'>, noun: string): string {
  const code = refusal.code ? ` (Twilio ${refusal.code})` : '';
  return `${what} was refused${code}: ${refusal.message}; start a new ${noun} once the cause is fixed`;
}

/** What is left to undo by hand when the end's clean-up was refused: "the clean-up at Twilio was refused: <why>". */
export function cleanUpRefusedMessage(cleanUp: string, refusal: Pick<Refusal, 'message'>): string {
  return `the ${cleanUp} at Twilio was refused: ${refusal.message}`;
}

/** The message of a row cancelled through Temporal (the UI, the CLI) rather than by the product's cancel. */
export const CANCELLED_THROUGH_TEMPORAL = 'cancelled through Temporal';

/** The message of a review still pending past its deadline. */
export const REVIEW_OVERDUE = 'the review is past its deadline; still waiting for Twilio';
