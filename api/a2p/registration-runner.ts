import type { Client } from '@temporalio/client';
import { startOnce } from '../kit/start-once';
import type { Config } from '../../config/env';
import type { RegistrationDraft } from '../../schemas/a2p/registration';
import type { A2pRegistrationInput } from '../../schemas/a2p/workflow';
import { a2pRegistration } from '../../workflows/index';
import { a2pCancelSignal } from '../../workflows/a2p/registration';

export interface RegistrationToStart {
  id: string;
  tenantId: string;
  draft: RegistrationDraft;
  workflowId: string;
}

/** The registration workflow's timings and webhook URL, from configuration. */
export function registrationSettings(c: Config): { timings: A2pRegistrationInput['timings']; webhookBaseUrl: string | null } {
  const hours = (h: number) => h * 3_600_000;
  return {
    timings: {
      firstPollMs: c.A2P_POLL_FIRST_MS,
      maxPollMs: c.A2P_POLL_MAX_MS,
      deadlines: {
        customer_profile: hours(c.A2P_DEADLINE_PROFILE_HOURS),
        trust_product: hours(c.A2P_DEADLINE_PROFILE_HOURS),
        brand: hours(c.A2P_DEADLINE_BRAND_HOURS),
        campaign: hours(c.A2P_DEADLINE_CAMPAIGN_HOURS),
        customer_verification: hours(c.A2P_DEADLINE_CUSTOMER_HOURS),
        corrections: hours(c.A2P_DEADLINE_CORRECTIONS_HOURS),
      },
    },
    webhookBaseUrl: c.PUBLIC_BASE_URL ?? null,
  };
}

/**
 * Starts a registration's workflow at most once (its id is the registration's); false when it was
 * started already. With `cancel`, the workflow is started (if need be) with the cancel signal, so a
 * registration cancelled before its workflow ever ran still ends through the workflow, consistently.
 */
export const startRegistrationWorkflow = (client: Client, config: Config, r: RegistrationToStart, opts: { cancel?: boolean } = {}): Promise<boolean> =>
  startOnce(
    client,
    a2pRegistration,
    { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: r.workflowId, args: [{ tenantId: r.tenantId, registrationId: r.id, draft: r.draft, ...registrationSettings(config) }] },
    opts.cancel ? a2pCancelSignal : undefined,
  );
