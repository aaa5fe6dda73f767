import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index';
import { NEVER_RETRIED } from '../kit/activities';

/** Voice trust steps: one activity may assign hundreds of numbers (each read, then written), keeping its progress in PostgreSQL. */
export const voiceTrust = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '1s', backoffCoefficient: 1.5, maximumInterval: '30s', nonRetryableErrorTypes: NEVER_RETRIED },
});
