import { forgetMembership, recordedMemberships, recordMembership, type Membership, type NumberRef } from '../../db/kit/memberships';
import type { Db } from '../../db/kit/pool';
import { insertRegistrationEvents } from '../../db/kit/registration-events';
import type { LeaveCause, MembershipProvider } from '../kit/memberships';
import type { TwilioClient } from '../kit/twilio-client';
import { failOnDefinitive, goneIsDone, isTwilioNotFound } from '../kit/twilio-errors';

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
        : cause.kind === 'transfer'
          ? [`${m.phoneNumber} removed from Messaging Service ${m.containerSid}: it moves to another tenant (transfer ${cause.transferId})`, { phoneNumber: m.phoneNumber, serviceSid: m.containerSid, transferred: m.twilioSid, transferId: cause.transferId }]
          : [`${m.phoneNumber} rotated out: ${cause.replacement} took its place in Messaging Service ${m.containerSid}`, { phoneNumber: m.phoneNumber, serviceSid: m.containerSid, rotated: m.twilioSid, replacement: cause.replacement }];
    await db.query(
      insertRegistrationEvents('a2p', `SELECT $1, r.id, 'number', $3, $4::jsonb FROM (
         SELECT registration_id AS id FROM a2p_campaigns WHERE tenant_id = $1 AND messaging_service_sid = $2 AND registration_id IS NOT NULL
         UNION SELECT id FROM a2p_registrations WHERE tenant_id = $1 AND state->'sids'->>'messagingService' = $2
       ) r
       WHERE NOT EXISTS (SELECT 1 FROM registration_events e
                          WHERE e.product = 'a2p' AND e.tenant_id = $1 AND e.registration_id = r.id AND e.type = 'number' AND e.data = $4::jsonb)`),
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
