import { forgetMembership, recordedMemberships, recordMembership, type Membership, type NumberRef } from '../../db/kit/memberships';
import type { Db } from '../../db/kit/pool';
import { createMembershipRegistry, type LeaveCause, type MembershipProvider, type MembershipRegistry } from './memberships';
import type { TwilioClient } from './twilio-client';
import { failOnDefinitive, goneIsDone, isTwilioNotFound } from './twilio-errors';
import { markDetached, removeFromTrustProduct } from '../voice-trust/registration';

/**
 * The products that hold numbers, as membership providers. Each reads the number's memberships from
 * number_memberships (written by the product's own activity when it joins a number, backfilled by migration
 * 037). A worker of the previous version, still running during a rolling deploy, records joins only the old
 * way — phone_numbers.sip_trunk_id, voice_trust_numbers, a registration's state and the audit trail — so
 * each provider also reads that, for this one number only.
 */
export function createNumberMemberships(db: Db, twilio: TwilioClient): MembershipRegistry {
  return createMembershipRegistry([sipTrunkMemberships(db, twilio), messagingServiceMemberships(db, twilio), trustProductMemberships(db, twilio)]);
}

const asMemberships = (n: NumberRef, kind: Membership['kind'], rows: { container_sid: string; membership_sid: string | null }[]): Membership[] =>
  rows.map((r) => ({ ...n, kind, containerSid: r.container_sid, membershipSid: r.membership_sid }));

/** Elastic SIP trunks: a number is on one trunk at most; Twilio names the membership by the number's PN SID. */
export function sipTrunkMemberships(db: Db, twilio: TwilioClient): MembershipProvider {
  const account = () => twilio.api.v2010.accounts(twilio.accountSid);
  return {
    kind: 'sip_trunk',
    async membershipsOf(n) {
      const { rows } = await db.query<{ container_sid: string; membership_sid: string | null }>(
        `SELECT container_sid, membership_sid FROM number_memberships WHERE tenant_id = $1 AND twilio_sid = $2 AND kind = 'sip_trunk'
         UNION
         SELECT t.trunk_sid, n.twilio_sid FROM phone_numbers n JOIN sip_trunks t ON t.id = n.sip_trunk_id
          WHERE n.tenant_id = $1 AND n.twilio_sid = $2 AND n.status IN ('active', 'releasing') AND t.trunk_sid IS NOT NULL`,
        [n.tenantId, n.twilioSid],
      );
      return asMemberships(n, 'sip_trunk', rows);
    },

    async join(n, trunkSid) {
      const current = await account().incomingPhoneNumbers(n.twilioSid).fetch().catch(failOnDefinitive);
      if (current.trunkSid !== trunkSid) {
        // What the number routed to before, restored if it is detached from the trunk later.
        const prior = { priorTrunkSid: current.trunkSid ?? null, priorVoiceApplicationSid: current.voiceApplicationSid || null };
        await db.query(`UPDATE phone_numbers SET sip_prior_voice = $2 WHERE twilio_sid = $1 AND status = 'active'`, [n.twilioSid, JSON.stringify(prior)]);
        await twilio.trunking.v1.trunks(trunkSid).phoneNumbers.create({ phoneNumberSid: n.twilioSid }).catch(failOnDefinitive);
      }
      await db.query(
        `UPDATE phone_numbers SET sip_trunk_id = (SELECT id FROM sip_trunks WHERE trunk_sid = $2), updated_at = now() WHERE twilio_sid = $1 AND status = 'active'`,
        [n.twilioSid, trunkSid],
      );
      await recordMembership(db, { twilioSid: n.twilioSid, kind: 'sip_trunk', containerSid: trunkSid, membershipSid: n.twilioSid });
      return { ...n, kind: 'sip_trunk', containerSid: trunkSid, membershipSid: n.twilioSid };
    },

    async leave(m) {
      await twilio.trunking.v1.trunks(m.containerSid).phoneNumbers(m.twilioSid).remove().catch(goneIsDone);
      await db.query(
        `UPDATE phone_numbers SET sip_trunk_id = NULL, sip_prior_voice = NULL, updated_at = now()
          WHERE tenant_id = $1 AND twilio_sid = $2 AND sip_trunk_id IN (SELECT id FROM sip_trunks WHERE trunk_sid = $3)`,
        [m.tenantId, m.twilioSid, m.containerSid],
      );
      await forgetMembership(db, m);
    },
  };
}

/**
 * Messaging Services (A2P campaigns' sender pools). Joins made before this table, or by a previous version's
 * worker, are known only from a registration's state (the numbers it attached) and the audit trail (every
 * number our activities added to or removed from a service). For those, and only for this number's
 * candidate services, Twilio is asked whether the number is still there — never every service of the tenant.
 */
export function messagingServiceMemberships(db: Db, twilio: TwilioClient): MembershipProvider {
  const services = () => twilio.messaging.v1.services;
  const isMember = (serviceSid: string, twilioSid: string) =>
    services()(serviceSid).phoneNumbers(twilioSid).fetch().then(
      () => true,
      (err) => (isTwilioNotFound(err) ? false : failOnDefinitive(err)),
    );

  /** Services the number may be in that number_memberships doesn't name (see above): the last add or remove we made wins. */
  async function unrecordedCandidates(n: NumberRef): Promise<string[]> {
    const { rows } = await db.query<{ service_sid: string }>(
      `WITH writes AS (
         SELECT substring(summary->>'path' from 'Services/(MG[0-9a-fA-F]{32})') AS service_sid, split_part(action, ' ', 1) AS method, created_at
           FROM audit_events
          WHERE tenant_id = $1 AND resource_sid = $2 AND action IN ('POST Services/PhoneNumbers', 'DELETE Services/PhoneNumbers')
       ), latest AS (
         SELECT DISTINCT ON (service_sid) service_sid, method FROM writes ORDER BY service_sid, created_at DESC
       )
       SELECT service_sid FROM latest WHERE method = 'POST' AND service_sid IS NOT NULL
       UNION
       SELECT r.state->'sids'->>'messagingService' FROM a2p_registrations r
        WHERE r.tenant_id = $1 AND r.status <> 'cancelled' AND r.state->'sids'->>'messagingService' IS NOT NULL
          AND r.state->'numbers'->'attached' ? $3
          AND NOT EXISTS (SELECT 1 FROM writes w WHERE w.service_sid = r.state->'sids'->>'messagingService' AND w.method = 'DELETE')
       EXCEPT
       SELECT container_sid FROM number_memberships WHERE twilio_sid = $2 AND kind = 'messaging_service'`,
      [n.tenantId, n.twilioSid, n.phoneNumber],
    );
    return rows.map((r) => r.service_sid);
  }

  /** The registrations sending from the service see on their timeline that the number left it (once, however often this runs). */
  async function noteOnTimeline(m: Membership, cause: LeaveCause) {
    const [message, data] =
      cause.kind === 'release'
        ? [`${m.phoneNumber} removed from Messaging Service ${m.containerSid} before its release`, { phoneNumber: m.phoneNumber, serviceSid: m.containerSid, released: m.twilioSid }]
        : [`${m.phoneNumber} rotated out: ${cause.replacement} took its place in Messaging Service ${m.containerSid}`, { phoneNumber: m.phoneNumber, serviceSid: m.containerSid, rotated: m.twilioSid, replacement: cause.replacement }];
    await db.query(
      `INSERT INTO a2p_events (tenant_id, registration_id, type, message, data)
       SELECT $1, r.id, 'number', $3, $4::jsonb FROM (
         SELECT registration_id AS id FROM a2p_campaigns WHERE tenant_id = $1 AND messaging_service_sid = $2 AND registration_id IS NOT NULL
         UNION SELECT id FROM a2p_registrations WHERE tenant_id = $1 AND state->'sids'->>'messagingService' = $2
       ) r
       WHERE NOT EXISTS (SELECT 1 FROM a2p_events e WHERE e.registration_id = r.id AND e.type = 'number' AND e.data = $4::jsonb)`,
      [m.tenantId, m.containerSid, message, JSON.stringify(data)],
    );
  }

  return {
    kind: 'messaging_service',
    async membershipsOf(n) {
      const found = await recordedMemberships(db, n, 'messaging_service');
      for (const serviceSid of await unrecordedCandidates(n)) {
        if (!(await isMember(serviceSid, n.twilioSid))) continue;
        // Twilio confirms it: recorded now, so the next look needs no Twilio read.
        await recordMembership(db, { twilioSid: n.twilioSid, kind: 'messaging_service', containerSid: serviceSid, membershipSid: n.twilioSid });
        found.push({ ...n, kind: 'messaging_service', containerSid: serviceSid, membershipSid: n.twilioSid });
      }
      return found;
    },

    async join(n, serviceSid) {
      const recorded = (await recordedMemberships(db, n, 'messaging_service')).some((m) => m.containerSid === serviceSid);
      if (!recorded && !(await isMember(serviceSid, n.twilioSid))) {
        await services()(serviceSid).phoneNumbers.create({ phoneNumberSid: n.twilioSid }).catch(failOnDefinitive);
      }
      await recordMembership(db, { twilioSid: n.twilioSid, kind: 'messaging_service', containerSid: serviceSid, membershipSid: n.twilioSid });
      return { ...n, kind: 'messaging_service', containerSid: serviceSid, membershipSid: n.twilioSid };
    },

    async leave(m, cause) {
      await services()(m.containerSid).phoneNumbers(m.twilioSid).remove().catch(goneIsDone);
      await forgetMembership(db, m);
      await noteOnTimeline(m, cause);
    },
  };
}

/**
 * Voice trust products (SHAKEN/STIR, CNAM, Voice Integrity). Twilio refuses to release a number still
 * assigned to one (60736). A number joins the business profile first, then the product (Twilio's order).
 */
export function trustProductMemberships(db: Db, twilio: TwilioClient): MembershipProvider {
  const th = twilio.trusthub.v1;

  async function registrationOf(tenantId: string, trustProductSid: string) {
    const { rows } = await db.query<{ id: string; business_profile_sid: string }>(
      'SELECT id, business_profile_sid FROM voice_trust_registrations WHERE tenant_id = $1 AND trust_product_sid = $2',
      [tenantId, trustProductSid],
    );
    return rows[0] ?? null;
  }

  return {
    kind: 'trust_product',
    async membershipsOf(n) {
      // voice_trust_numbers too: a number is on the product from its assignment until it is detached.
      const { rows } = await db.query<{ container_sid: string; membership_sid: string | null }>(
        `SELECT DISTINCT ON (container_sid) container_sid, membership_sid FROM (
           SELECT container_sid, membership_sid FROM number_memberships WHERE tenant_id = $1 AND twilio_sid = $2 AND kind = 'trust_product'
           UNION ALL
           SELECT r.trust_product_sid, NULL FROM voice_trust_numbers v JOIN voice_trust_registrations r ON r.id = v.registration_id
            WHERE v.tenant_id = $1 AND v.twilio_sid = $2 AND v.detached_at IS NULL AND r.trust_product_sid IS NOT NULL
         ) held ORDER BY container_sid, membership_sid NULLS LAST`,
        [n.tenantId, n.twilioSid],
      );
      return asMemberships(n, 'trust_product', rows);
    },

    async join(n, trustProductSid) {
      const registration = await registrationOf(n.tenantId, trustProductSid);
      if (!registration) throw new Error(`trust product ${trustProductSid} is not a voice trust registration of the tenant`);
      const profile = th.customerProfiles(registration.business_profile_sid).customerProfilesChannelEndpointAssignment;
      const product = th.trustProducts(trustProductSid).trustProductsChannelEndpointAssignment;
      const assign = { channelEndpointType: 'phone-number', channelEndpointSid: n.twilioSid };
      if ((await profile.list({ channelEndpointSid: n.twilioSid, limit: 1 })).length === 0) await profile.create(assign).catch(failOnDefinitive);
      const assignment = (await product.list({ channelEndpointSid: n.twilioSid, limit: 1 }))[0] ?? (await product.create(assign).catch(failOnDefinitive));
      await db.query(
        `INSERT INTO voice_trust_numbers (registration_id, tenant_id, phone_number, twilio_sid, on_business_profile, on_trust_product) VALUES ($1, $2, $3, $4, true, true)
         ON CONFLICT (registration_id, phone_number) DO UPDATE SET twilio_sid = EXCLUDED.twilio_sid, on_business_profile = true, on_trust_product = true, detached_at = NULL`,
        [registration.id, n.tenantId, n.phoneNumber, n.twilioSid],
      );
      await recordMembership(db, { twilioSid: n.twilioSid, kind: 'trust_product', containerSid: trustProductSid, membershipSid: assignment.sid });
      return { ...n, kind: 'trust_product', containerSid: trustProductSid, membershipSid: assignment.sid };
    },

    async leave(m, cause) {
      if (m.membershipSid) {
        await th.trustProducts(m.containerSid).trustProductsChannelEndpointAssignment(m.membershipSid).remove().catch(goneIsDone);
      } else {
        await removeFromTrustProduct(twilio, m.containerSid, m.twilioSid); // the assignment's SID was never learnt: found by number
      }
      const registration = await registrationOf(m.tenantId, m.containerSid);
      if (registration) {
        const [message, data] =
          cause.kind === 'release'
            ? [`${m.phoneNumber} taken off trust product ${m.containerSid} before its release`, { phoneNumber: m.phoneNumber, released: m.twilioSid }]
            : [`${m.phoneNumber} rotated out: ${cause.replacement} took its place on trust product ${m.containerSid}`, {}];
        await markDetached(db, registration.id, m.phoneNumber, message, data);
      }
      await forgetMembership(db, m);
    },
  };
}
