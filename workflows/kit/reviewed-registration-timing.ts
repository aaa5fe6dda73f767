/**
 * The clock of a reviewed registration (A2P, voice trust, toll-free): how often Twilio's review is polled, when a
 * review is overdue, how long corrections are waited for. Pure, so it is unit-tested without Temporal.
 */

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** How long a registration parked in action_required waits for corrections when its input names no deadline. */
export const DEFAULT_CORRECTIONS_DEADLINE_MS = 30 * DAY_MS;

/** How long to wait for Twilio's review, as the status polls go on: first `firstPollMs`, then doubling up to `maxPollMs`. */
export interface PollTimings {
  firstPollMs: number;
  maxPollMs: number;
}

/** The wait before the look after this one: twice as long, capped, so a review of weeks costs a few dozen looks. */
export function nextPollInterval(intervalMs: number, maxPollMs: number): number {
  return Math.min(intervalMs * 2, maxPollMs);
}

/** A review still pending more than `deadlineMs` after its wait began is overdue (flagged, still polled). */
export function isOverdue(startedAt: number, now: number, deadlineMs: number): boolean {
  return now - startedAt > deadlineMs;
}

/** A deadline in words: "30 days", or hours when it is no whole number of days. */
export function spelledDuration(ms: number): string {
  return ms % DAY_MS === 0 ? `${ms / DAY_MS} days` : `${Math.round(ms / HOUR_MS)} hours`;
}
