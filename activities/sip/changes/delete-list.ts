import { describeAs, type SipChangeModule } from './change';

/** Clean-up after the trunk no longer uses a list only it used: irreversible, so planned after every reversible change. */
export const deleteList: SipChangeModule<'delete_list', never> = {
  kind: 'delete_list',
  async apply(ctx, _trunkId, { listKind, sid }) {
    return { detail: await ctx.deleteList(listKind, sid), undo: null };
  },
  undo: null,
  describe: describeAs<'delete_list'>(),
};
