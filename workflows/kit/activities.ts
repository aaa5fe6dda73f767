import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index';

/**
 * Failures no retry can change, so no proxy retries them: programming errors (a TypeError retried every 30 s
 * for ever is a bug nobody sees) and definitive refusals — a row that is gone (activities/kit/row-missing.ts), an
 * input that fails its schema. Definitive Twilio answers are non-retryable failures already (twilio-errors.ts).
 */
export const NEVER_RETRIED = ['TypeError', 'ReferenceError', 'SyntaxError', 'RangeError', 'ZodError', 'RowMissing'];

// Where attempts stay unlimited, it is because the activity reconciles Twilio's side effects (or records them
// in PostgreSQL) and must outlast an outage; each retry is counted (twilio_pro_activity_retries_total) and, from
// attempt 5, logged by the activity wrapper (activities/kit/activity-wrappers.ts), so a retry loop is never unseen.

/**
 * Twilio calls: the SDK times out after TWILIO_HTTP_TIMEOUT_MS (10 s by default), so 15 s bounds one attempt.
 * Attempts are unlimited: every Twilio activity reconciles before repeating a side effect, and
 * definitive Twilio answers come back as results, not failures.
 */
export const twilio = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  // Activities heartbeat each second they make progress (activities/kit/activity-wrappers.ts): a dead worker or a
  // hung activity is noticed in 5 s.
  heartbeatTimeout: '5s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: NEVER_RETRIED },
});

/**
 * Groups of purchases or releases (one activity, many numbers): long-running, so they heartbeat their
 * progress; a retry resumes from the last heartbeat. A cancel waits for the group to stop, so what it
 * finished is recorded before the workflow counts it.
 */
export const groups = proxyActivities<Activities>({
  // A dead worker is noticed by the heartbeat timeout; this only bounds a whole batch on a slow account
  // (5 000 purchases one at a time at 500 ms each take 42 minutes).
  startToCloseTimeout: '12h',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: NEVER_RETRIED },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * PostgreSQL-only bookkeeping. Attempts are unlimited: it is where a workflow records what it did (and why it
 * stopped), so a database outage is waited out rather than leaving a row no workflow will finish.
 */
export const db = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes: NEVER_RETRIED },
});
