import { forgetContainer } from '../../../db/kit/memberships';
import { goneIsDone } from '../../kit/twilio-errors';
import { describeAs, type SipChangeModule } from './change';

/** A delete goes forward only: irreversible, retried until done, or reported. */
export const deleteTrunk: SipChangeModule<'delete_trunk', never> = {
  kind: 'delete_trunk',
  async apply(ctx, trunkId) {
    const trunkSid = await ctx.trunkSidOf(trunkId);
    await ctx.trunking.trunks(trunkSid).remove().catch(goneIsDone);
    await forgetContainer(ctx.db, 'sip_trunk', trunkSid);
    return { detail: `deleted ${trunkSid}`, undo: null };
  },
  undo: null,
  describe: describeAs<'delete_trunk'>(),
};
