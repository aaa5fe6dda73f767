import { proxyActivities } from '@temporalio/workflow';
import type { SipActivities } from '../../schemas/sip/workflow';
import { NEVER_RETRIED } from '../kit/activities';

/**
 * SIP trunk changes: each reconciles before it repeats a side effect, so attempts are unlimited;
 * a definitive Twilio refusal fails at once (non-retryable) and the saga rolls back.
 */
export const sip = proxyActivities<SipActivities>({
  startToCloseTimeout: '30s',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '1s', backoffCoefficient: 1.5, maximumInterval: '20s', nonRetryableErrorTypes: NEVER_RETRIED },
});

/** Compensations are retried a bounded number of times, then reported by name in the rollback list. */
export const sipCompensation = proxyActivities<SipActivities>({
  startToCloseTimeout: '30s',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 6, nonRetryableErrorTypes: NEVER_RETRIED },
});

/**
 * A trunk's number changes and their undos, up to 50 per activity (workflows/sip/trunk.ts): each number is a
 * few reconciled Twilio calls, so a group gets minutes; it heartbeats as it progresses.
 */
export const sipNumbers = proxyActivities<SipActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '1s', backoffCoefficient: 1.5, maximumInterval: '20s', nonRetryableErrorTypes: NEVER_RETRIED },
});
