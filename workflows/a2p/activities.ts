import { proxyActivities } from '@temporalio/workflow';
import type { A2pActivities } from '../../schemas/a2p/workflow';
import { NEVER_RETRIED } from '../kit/activities';

/**
 * A2P calls: an activity may make a dozen reconciled Twilio calls, and a failed attempt keeps the
 * progress it made, so retries come soon and often rather than backing off to minutes.
 */
export const a2p = proxyActivities<A2pActivities>({
  startToCloseTimeout: '30s',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '1s', backoffCoefficient: 1.5, maximumInterval: '30s', nonRetryableErrorTypes: NEVER_RETRIED },
});
