import { WorkflowNotFoundError } from '@temporalio/client';
import { recordRegistrationEvent } from '../../db/kit/registration-events';
import { voiceTrustStatusSignal } from '../../workflows/voice-trust/registration';
import { boundedTemporalCall, TemporalUnavailableError } from '../kit/temporal-calls';
import type { TwilioCallbackHandler } from '../platform/twilio-callbacks';

/** Voice trust's callbacks: a registration's trust product's status callback; its timeline notes it and its workflow looks again. */
export const voiceTrustCallbacks: TwilioCallbackHandler = {
  async statusCallback(deps, sid, status) {
    const { rows } = await deps.db.query<{ id: string; workflow_id: string }>('SELECT id, workflow_id FROM voice_trust_registrations WHERE trust_product_sid = $1', [sid]);
    const target = rows[0];
    if (!target) return null;
    await recordRegistrationEvent(deps.db, {
      product: 'voice_trust', registrationId: target.id, type: 'webhook', message: `Trust Hub status callback: trust product ${sid} ${status}`, data: { sid, status },
    });
    try {
      await boundedTemporalCall(deps.temporal, deps.config.API_TEMPORAL_TIMEOUT_MS, () => deps.temporal.workflow.getHandle(target.workflow_id).signal(voiceTrustStatusSignal));
      return { registrationId: target.id, signalled: true };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || err instanceof TemporalUnavailableError) return { registrationId: target.id, signalled: false };
      throw err;
    }
  },
};
