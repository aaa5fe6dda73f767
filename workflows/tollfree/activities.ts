import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index';
import { NEVER_RETRIED } from '../kit/activities';

/** Toll-free verification steps: a few reconciled Twilio calls each, keeping their progress in PostgreSQL (the same settings as voice trust's). */
export const tollfree = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '1s', backoffCoefficient: 1.5, maximumInterval: '30s', nonRetryableErrorTypes: NEVER_RETRIED },
});
