import type { Client } from '@temporalio/client';
import { startOnce } from '../kit/start-once';
import type { Config } from '../../config/env';
import type { TollfreeInput } from '../../schemas/tollfree/verification';
import { tollfreeVerification } from '../../workflows/index';
import { tollfreeCancelSignal } from '../../workflows/tollfree/verification';

export interface TollfreeToStart {
  id: string;
  tenantId: string;
  workflowId: string;
}

/** Review polling as A2P's; a toll-free review is flagged after TOLLFREE_DEADLINE_HOURS (Twilio quotes 2–3 weeks). */
export const tollfreeInput = (c: Config, r: TollfreeToStart): TollfreeInput => ({
  verificationId: r.id,
  tenantId: r.tenantId,
  timings: { firstPollMs: c.A2P_POLL_FIRST_MS, maxPollMs: c.A2P_POLL_MAX_MS, deadlineMs: c.TOLLFREE_DEADLINE_HOURS * 3_600_000 },
});

/** Starts the verification's workflow at most once; with `cancel`, started (if need be) with the cancel signal. */
export const startTollfreeWorkflow = (client: Client, config: Config, r: TollfreeToStart, opts: { cancel?: boolean } = {}) =>
  startOnce(client, tollfreeVerification, { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: r.workflowId, args: [tollfreeInput(config, r)] }, opts.cancel ? tollfreeCancelSignal : undefined);
