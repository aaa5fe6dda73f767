import { forgetMembership, recordMembership } from '../../db/kit/memberships';
import type { Db } from '../../db/kit/pool';
import { asMemberships, type MembershipProvider } from '../kit/memberships';
import type { TwilioClient } from '../kit/twilio-client';
import { failOnDefinitive, goneIsDone } from '../kit/twilio-errors';
import { markDetached, removeFromTrustProduct } from './registration';

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
            : cause.kind === 'transfer'
              ? [`${m.phoneNumber} taken off trust product ${m.containerSid}: it moves to another tenant (transfer ${cause.transferId})`, { phoneNumber: m.phoneNumber, transferred: m.twilioSid, transferId: cause.transferId }]
              : [`${m.phoneNumber} rotated out: ${cause.replacement} took its place on trust product ${m.containerSid}`, {}];
        await markDetached(db, registration.id, m.phoneNumber, message, data);
      }
      await forgetMembership(db, m);
    },
  };
}
