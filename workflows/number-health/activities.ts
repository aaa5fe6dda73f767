import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index';
import { NEVER_RETRIED } from '../kit/activities';

/**
 * A tenant's health pass: one activity over all its numbers (heartbeating), so it gets minutes, not seconds.
 * It only reads and scores in PostgreSQL, and the Schedule runs it again, so it gives up after 2 hours of
 * failing rather than retrying for ever.
 */
export const hygiene = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  scheduleToCloseTimeout: '2h',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: NEVER_RETRIED },
});

/** A rotation's service move: a handful of reconciled Twilio calls (trunk, Messaging Services) in one activity. */
export const rotation = proxyActivities<Activities>({
  startToCloseTimeout: '60s',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: NEVER_RETRIED },
});
