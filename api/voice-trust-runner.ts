import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Config } from '../config/env';
import type { VoiceTrustInput, VoiceTrustProduct } from '../schemas/voice-trust';
import { voiceTrustRegistration } from '../workflows';
import { voiceTrustCancelSignal } from '../workflows/voice-trust';

export interface VoiceTrustToStart {
  id: string;
  tenantId: string;
  product: VoiceTrustProduct;
  workflowId: string;
}

/** The workflow's input: review polling as A2P's, its own deadline, and the status callback when the API is reachable. */
export function voiceTrustInput(c: Config, r: VoiceTrustToStart): VoiceTrustInput {
  const base = c.PUBLIC_BASE_URL?.replace(/\/$/, '');
  return {
    registrationId: r.id,
    tenantId: r.tenantId,
    product: r.product,
    timings: { firstPollMs: c.A2P_POLL_FIRST_MS, maxPollMs: c.A2P_POLL_MAX_MS, deadlineMs: c.VOICE_TRUST_DEADLINE_HOURS * 3_600_000 },
    statusCallback: base ? `${base}/webhooks/twilio/status-callback` : null,
  };
}

/**
 * Starts a registration's workflow at most once (its id is the registration's); false when it was started
 * already. With `cancel`, it is started (if need be) with the cancel signal, so a registration cancelled before
 * its workflow ran still ends through it.
 */
export async function startVoiceTrustWorkflow(client: Client, config: Config, r: VoiceTrustToStart, opts: { cancel?: boolean } = {}): Promise<boolean> {
  const common = { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: r.workflowId, args: [voiceTrustInput(config, r)] as [VoiceTrustInput], workflowIdReusePolicy: 'REJECT_DUPLICATE' as const };
  if (opts.cancel) {
    await client.workflow.signalWithStart(voiceTrustRegistration, { ...common, signal: voiceTrustCancelSignal, signalArgs: [] });
    return true;
  }
  try {
    await client.workflow.start(voiceTrustRegistration, common);
    return true;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return false;
  }
}
