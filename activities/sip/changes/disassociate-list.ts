import { describeAs, describeUndoAs, type SipChangeModule, type SipReversal } from './change';

export const reassociateList: SipReversal<'associate_list'> = {
  kind: 'associate_list',
  async run({ associate }, u) {
    await associate(u.trunkSid, u.listKind, u.sid);
  },
  describe: describeUndoAs<'associate_list'>(),
};

export const disassociateList: SipChangeModule<'disassociate_list', 'associate_list'> = {
  kind: 'disassociate_list',
  async apply(ctx, trunkId, { listKind, sid }) {
    const trunkSid = await ctx.trunkSidOf(trunkId);
    await ctx.disassociate(trunkSid, listKind, sid);
    return { detail: `disassociated ${sid}`, undo: { kind: 'associate_list', listKind, trunkSid, sid } };
  },
  undo: reassociateList,
  describe: describeAs<'disassociate_list'>(),
};
