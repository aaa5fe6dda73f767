import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/**
 * Twilio calls: the SDK times out after TWILIO_HTTP_TIMEOUT_MS (10 s by default), so 15 s bounds one attempt.
 * Attempts are unlimited: every Twilio activity reconciles before repeating a side effect, and
 * definitive Twilio answers come back as results, not failures.
 */
export const twilio = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** PostgreSQL-only bookkeeping. */
export const db = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
});
