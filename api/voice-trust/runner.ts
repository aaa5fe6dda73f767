import type { Client } from '@temporalio/client';
import { startOnce } from '../kit/start-once';
import type { Config } from '../../config/env';
import type { VoiceTrustInput, VoiceTrustProduct } from '../../schemas/voice-trust/registration';
import { voiceTrustRegistration } from '../../workflows/index';
import { voiceTrustCancelSignal } from '../../workflows/voice-trust/registration';

export interface VoiceTrustToStart {
  id: string;
  tenantId: string;
  product: VoiceTrustProduct;
  workflowId: string;
}

/** The workflow's input: review polling as A2P's, its own deadlines, and the status callback when the API is reachable. */
export function voiceTrustInput(c: Config, r: VoiceTrustToStart): VoiceTrustInput {
  const base = c.PUBLIC_BASE_URL?.replace(/\/$/, '');
  return {
    registrationId: r.id,
    tenantId: r.tenantId,
    product: r.product,
    timings: {
      firstPollMs: c.A2P_POLL_FIRST_MS,
      maxPollMs: c.A2P_POLL_MAX_MS,
      deadlineMs: c.VOICE_TRUST_DEADLINE_HOURS * 3_600_000,
      correctionsDeadlineMs: c.VOICE_TRUST_CORRECTIONS_DEADLINE_HOURS * 3_600_000,
    },
    statusCallback: base ? `${base}/webhooks/twilio/status-callback` : null,
  };
}

/** Starts a registration's workflow at most once; with `cancel`, started (if need be) with the cancel signal. */
export const startVoiceTrustWorkflow = (client: Client, config: Config, r: VoiceTrustToStart, opts: { cancel?: boolean } = {}) =>
  startOnce(client, voiceTrustRegistration, { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: r.workflowId, args: [voiceTrustInput(config, r)] }, opts.cancel ? voiceTrustCancelSignal : undefined);
