import { describeAs, describeUndoAs, type SipChangeModule, type SipReversal } from './change';

export const disassociateAssociatedList: SipReversal<'disassociate_list'> = {
  kind: 'disassociate_list',
  async run({ disassociate }, u) {
    await disassociate(u.trunkSid, u.listKind, u.sid);
  },
  describe: describeUndoAs<'disassociate_list'>(),
};

/** Associates a list with the trunk: one given by SID, or one the service created for it (by the spec's name). */
export const associateList: SipChangeModule<'associate_list', 'disassociate_list'> = {
  kind: 'associate_list',
  async apply(ctx, trunkId, change) {
    const trunkSid = await ctx.trunkSidOf(trunkId);
    const sid = 'sid' in change.ref ? change.ref.sid : await ctx.ownListSid(trunkId, change.listKind, change.ref.friendlyName);
    const result = await ctx.associate(trunkSid, change.listKind, sid);
    return { detail: result === 'already' ? `${sid} associated` : `associated ${sid}`, undo: { kind: 'disassociate_list', listKind: change.listKind, trunkSid, sid } };
  },
  undo: disassociateAssociatedList,
  describe: describeAs<'associate_list'>(),
};
