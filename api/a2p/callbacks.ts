import { WorkflowNotFoundError } from '@temporalio/client';
import { recordRegistrationEvent } from '../../db/kit/registration-events';
import type { A2pStatusEvent } from '../../schemas/a2p/workflow';
import { a2pStatusSignal } from '../../workflows/a2p/registration';
import type { ApiDeps } from '../kit/deps';
import { boundedTemporalCall, TemporalUnavailableError } from '../kit/temporal-calls';
import type { TwilioCallbackHandler } from '../platform/twilio-callbacks';

interface Target {
  registrationId: string;
  workflowId: string;
}

/** Event Streams' words → the REST status they stand for (the workflow re-reads REST anyway). */
const eventStatus: Record<string, string> = {
  registered: 'APPROVED', registration_failed: 'FAILED', approved: 'VERIFIED', failure: 'FAILED', pending: 'IN_PROGRESS', successful: 'REGISTERED', failed: 'FAILED',
};

async function targetOf(deps: ApiDeps, sql: string, sid: string): Promise<Target | null> {
  const { rows } = await deps.db.query(
    `SELECT r.id AS registration_id, r.workflow_id FROM a2p_registrations r WHERE r.id = (${sql})`,
    [sid],
  );
  return rows[0] ? { registrationId: rows[0].registration_id, workflowId: rows[0].workflow_id } : null;
}

/** The registration's timeline notes the callback and its workflow looks again; false when no workflow was woken. */
async function signal(deps: ApiDeps, target: Target | null, event: A2pStatusEvent, via: string): Promise<boolean> {
  if (!target) return false;
  await recordRegistrationEvent(deps.db, {
    product: 'a2p', registrationId: target.registrationId, type: 'webhook', message: `${via}: ${event.kind.replaceAll('_', ' ')} ${event.sid} ${event.status}`, data: event,
  });
  try {
    await boundedTemporalCall(deps.temporal, deps.config.API_TEMPORAL_TIMEOUT_MS, () => deps.temporal.workflow.getHandle(target.workflowId).signal(a2pStatusSignal, event));
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false; // finished or never started: nothing to wake
    if (err instanceof TemporalUnavailableError) return false; // the workflow's own polling picks the change up
    throw err;
  }
}

/** An Event Streams CloudEvent about a brand, a campaign or a number registration, and the registration it is about. */
async function registrationEventOf(deps: ApiDeps, type: string, data: Record<string, string>): Promise<{ event: A2pStatusEvent; target: Target | null } | null> {
  if (type.includes('brand-registration') && data.brandsid) {
    return {
      event: { kind: 'brand', sid: data.brandsid, status: eventStatus[data.brandstatus ?? ''] ?? data.brandstatus ?? '' },
      target: await targetOf(deps, 'SELECT registration_id FROM a2p_brands WHERE brand_sid = $1', data.brandsid),
    };
  }
  if (type.includes('campaign-registration') && data.campaignsid) {
    return {
      event: { kind: 'campaign', sid: data.campaignsid, status: eventStatus[data.campaignregistrationstatus ?? ''] ?? '' },
      target: await targetOf(deps, 'SELECT registration_id FROM a2p_campaigns WHERE campaign_sid = $1', data.campaignsid),
    };
  }
  if (type.includes('number-registration') && data.messagingservicesid) {
    return {
      event: { kind: 'number', sid: data.phonenumber ?? '', status: eventStatus[data.numberregistrationstatus ?? ''] ?? '' },
      target: await targetOf(deps, 'SELECT registration_id FROM a2p_campaigns WHERE messaging_service_sid = $1 LIMIT 1', data.messagingservicesid),
    };
  }
  return null;
}

/**
 * A2P's callbacks: Trust Hub status callbacks about its customer profiles and trust products, and Event Streams'
 * brand, campaign and number registration events; each wakes the registration's workflow.
 */
export const a2pCallbacks: TwilioCallbackHandler = {
  async statusCallback(deps, sid, status) {
    const target = await targetOf(deps, 'SELECT registration_id FROM a2p_profiles WHERE profile_sid = $1', sid);
    if (!target) return null;
    const { rows } = await deps.db.query('SELECT kind FROM a2p_profiles WHERE profile_sid = $1', [sid]);
    const signalled = await signal(deps, target, { kind: rows[0]?.kind ?? 'customer_profile', sid, status }, 'Trust Hub status callback');
    return { registrationId: target.registrationId, signalled };
  },

  async event(deps, type, data) {
    const found = await registrationEventOf(deps, type, data);
    if (!found) return null;
    return { sid: found.event.sid, status: found.event.status, deliver: (via) => signal(deps, found.target, found.event, via) };
  },
};
