import { ApplicationFailure } from '@temporalio/common';
import { recordMembership } from '../../../db/kit/memberships';
import { failOnDefinitive } from '../../kit/twilio-errors';
import { describeAs, describeUndoAs, type SipChangeModule, type SipReversal } from './change';

/** Takes the number off the trunk and gives back the routing it had before (another trunk, or a voice application). */
export const detachAttachedNumber: SipReversal<'detach_number'> = {
  kind: 'detach_number',
  async run({ detachNumber }, u) {
    await detachNumber(u.trunkSid, u.number, { priorTrunkSid: u.priorTrunkSid, priorVoiceApplicationSid: u.priorVoiceApplicationSid });
  },
  describe: describeUndoAs<'detach_number'>(),
};

/** Puts a number on the trunk; one on another trunk only with `move`. */
export const attachNumber: SipChangeModule<'attach_number', 'detach_number'> = {
  kind: 'attach_number',
  async apply(ctx, trunkId, { number: n, move }) {
    const trunkSid = await ctx.trunkSidOf(trunkId);
    const number = await ctx.account().incomingPhoneNumbers(n.twilioSid).fetch().catch(failOnDefinitive);
    let prior = await ctx.priorVoiceOf(n.twilioSid);
    if (number.trunkSid !== trunkSid) {
      if (number.trunkSid && !move) {
        throw ApplicationFailure.nonRetryable(`${n.phoneNumber} is on trunk ${number.trunkSid}; set move: true to take it`, 'NumberOnAnotherTrunk');
      }
      // What the number routed to before: restored when it is detached or the saga rolls back.
      prior = { priorTrunkSid: number.trunkSid ?? null, priorVoiceApplicationSid: number.voiceApplicationSid || null };
      await ctx.db.query(`UPDATE phone_numbers SET sip_prior_voice = $2 WHERE twilio_sid = $1 AND status IN ('active','releasing')`, [n.twilioSid, JSON.stringify(prior)]);
      await ctx.trunking.trunks(trunkSid).phoneNumbers.create({ phoneNumberSid: n.twilioSid }).catch(failOnDefinitive);
    }
    await ctx.db.query(`UPDATE phone_numbers SET sip_trunk_id = $2, updated_at = now() WHERE twilio_sid = $1 AND status IN ('active','releasing')`, [n.twilioSid, trunkId]);
    await recordMembership(ctx.db, { twilioSid: n.twilioSid, kind: 'sip_trunk', containerSid: trunkSid, membershipSid: n.twilioSid });
    return {
      detail: prior?.priorTrunkSid ? `moved from trunk ${prior.priorTrunkSid}` : 'attached',
      undo: { kind: 'detach_number', trunkSid, number: n, priorTrunkSid: prior?.priorTrunkSid ?? null, priorVoiceApplicationSid: prior?.priorVoiceApplicationSid ?? null },
    };
  },
  undo: detachAttachedNumber,
  describe: describeAs<'attach_number'>(),
};
