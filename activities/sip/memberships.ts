import { forgetMembership, recordMembership } from '../../db/kit/memberships';
import type { Db } from '../../db/kit/pool';
import { asMemberships, type MembershipProvider } from '../kit/memberships';
import type { TwilioClient } from '../kit/twilio-client';
import { failOnDefinitive, goneIsDone } from '../kit/twilio-errors';

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
