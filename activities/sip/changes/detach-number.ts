import { recordMembership } from '../../../db/kit/memberships';
import { failOnDefinitive } from '../../kit/twilio-errors';
import { describeAs, describeUndoAs, type SipChangeModule, type SipReversal } from './change';

export const reattachNumber: SipReversal<'reattach_number'> = {
  kind: 'reattach_number',
  async run({ db, trunking }, u) {
    await trunking.trunks(u.trunkSid).phoneNumbers.create({ phoneNumberSid: u.number.twilioSid }).catch(failOnDefinitive);
    await db.query(`UPDATE phone_numbers SET sip_trunk_id = (SELECT id FROM sip_trunks WHERE trunk_sid = $2) WHERE twilio_sid = $1`, [u.number.twilioSid, u.trunkSid]);
    await recordMembership(db, { twilioSid: u.number.twilioSid, kind: 'sip_trunk', containerSid: u.trunkSid, membershipSid: u.number.twilioSid });
  },
  describe: describeUndoAs<'reattach_number'>(),
};

/** Takes a number off the trunk, giving back the routing it had before it was attached. */
export const detachNumber: SipChangeModule<'detach_number', 'reattach_number'> = {
  kind: 'detach_number',
  async apply(ctx, trunkId, { number }) {
    const trunkSid = await ctx.trunkSidOf(trunkId);
    await ctx.detachNumber(trunkSid, number, null);
    return { detail: 'detached', undo: { kind: 'reattach_number', trunkSid, number } };
  },
  undo: reattachNumber,
  describe: describeAs<'detach_number'>(),
};
