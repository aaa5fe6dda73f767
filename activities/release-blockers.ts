import type { Db } from '../db/pool';
import type { ReleaseBlocker } from './numbers';
import { goneIsDone } from './twilio-errors';
import { markDetached, removeFromTrustProduct } from './voice-trust';

/** A trunked number is taken off its trunk before it is released (the trunk keeps working for its other numbers). */
export function sipTrunkBlocker(db: Db): ReleaseBlocker {
  return {
    name: 'sip_trunk',
    async detach({ tenantId, twilioSid, twilio }) {
      const { rows } = await db.query<{ trunk_sid: string | null }>(
        `SELECT t.trunk_sid FROM phone_numbers n JOIN sip_trunks t ON t.id = n.sip_trunk_id
          WHERE n.tenant_id = $1 AND n.twilio_sid = $2 AND n.status IN ('active','releasing')`,
        [tenantId, twilioSid],
      );
      const trunkSid = rows[0]?.trunk_sid;
      if (trunkSid) await twilio.trunking.v1.trunks(trunkSid).phoneNumbers(twilioSid).remove().catch(goneIsDone);
      await db.query('UPDATE phone_numbers SET sip_trunk_id = NULL, sip_prior_voice = NULL WHERE tenant_id = $1 AND twilio_sid = $2', [tenantId, twilioSid]);
    },
  };
}

/** The tenant's Messaging Services (its A2P campaigns' sender pools), each with the registrations using it. */
export async function tenantMessagingServices(db: Db, tenantId: string): Promise<Map<string, Set<string>>> {
  const { rows } = await db.query<{ service_sid: string; registration_id: string | null }>(
    `SELECT messaging_service_sid AS service_sid, registration_id FROM a2p_campaigns
      WHERE tenant_id = $1 AND messaging_service_sid IS NOT NULL
     UNION
     SELECT state->'sids'->>'messagingService', id FROM a2p_registrations
      WHERE tenant_id = $1 AND state->'sids'->>'messagingService' IS NOT NULL`,
    [tenantId],
  );
  const services = new Map<string, Set<string>>();
  for (const r of rows) {
    const regs = services.get(r.service_sid) ?? new Set<string>();
    if (r.registration_id) regs.add(r.registration_id);
    services.set(r.service_sid, regs);
  }
  return services;
}

/**
 * A number in one of the tenant's Messaging Services (an A2P campaign's sender pool) is removed from it
 * first, and the registration's timeline says so: Twilio's advice for a release that fails on assignments.
 */
export function messagingServiceBlocker(db: Db): ReleaseBlocker {
  return {
    name: 'messaging_service',
    async detach({ tenantId, phoneNumber, twilioSid, twilio }) {
      for (const [serviceSid, registrations] of await tenantMessagingServices(db, tenantId)) {
        const member = await twilio.messaging.v1.services(serviceSid).phoneNumbers(twilioSid).fetch().then(() => true, (err) => (goneIsDone(err), false));
        if (!member) continue;
        await twilio.messaging.v1.services(serviceSid).phoneNumbers(twilioSid).remove().catch(goneIsDone);
        for (const registrationId of registrations) {
          await db.query(
            `INSERT INTO a2p_events (tenant_id, registration_id, type, message, data)
             SELECT $1, $2, 'number', $3, $4 WHERE NOT EXISTS (
               SELECT 1 FROM a2p_events WHERE registration_id = $2 AND type = 'number' AND data->>'released' = $5)`,
            [tenantId, registrationId, `${phoneNumber} removed from Messaging Service ${serviceSid} before its release`, JSON.stringify({ phoneNumber, serviceSid, released: twilioSid }), twilioSid],
          );
        }
      }
    },
  };
}

/**
 * A number on a voice trust product (SHAKEN/STIR, CNAM, Voice Integrity) is taken off it first: Twilio refuses
 * to release it while assigned (60736). The registration's timeline says so, and the number shows as detached.
 */
export function voiceTrustBlocker(db: Db): ReleaseBlocker {
  return {
    name: 'voice_trust',
    async detach({ tenantId, phoneNumber, twilioSid, twilio }) {
      const { rows } = await db.query<{ registration_id: string; trust_product_sid: string }>(
        `SELECT n.registration_id, r.trust_product_sid FROM voice_trust_numbers n JOIN voice_trust_registrations r ON r.id = n.registration_id
          WHERE n.tenant_id = $1 AND n.twilio_sid = $2 AND n.detached_at IS NULL AND r.trust_product_sid IS NOT NULL`,
        [tenantId, twilioSid],
      );
      for (const r of rows) {
        await removeFromTrustProduct(twilio, r.trust_product_sid, twilioSid);
        await markDetached(db, r.registration_id, phoneNumber, `${phoneNumber} taken off trust product ${r.trust_product_sid} before its release`, { phoneNumber, released: twilioSid });
      }
    },
  };
}
