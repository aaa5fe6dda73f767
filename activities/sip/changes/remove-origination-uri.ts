import { failOnDefinitive, goneIsDone, isTwilioNotFound as notFound } from '../../kit/twilio-errors';
import { describeAs, type SipChangeModule } from './change';
import { restoreUri, uriAsItWas } from './update-origination-uri';

export const removeOriginationUri: SipChangeModule<'remove_origination_uri', 'restore_origination_uri'> = {
  kind: 'remove_origination_uri',
  async apply(ctx, trunkId, { sid }) {
    const trunkSid = await ctx.trunkSidOf(trunkId);
    const urls = ctx.trunking.trunks(trunkSid).originationUrls;
    const before = await urls(sid).fetch().catch((err) => (notFound(err) ? null : failOnDefinitive(err)));
    if (!before) return { detail: `origination URI ${sid} was already gone`, undo: null };
    await urls(sid).remove().catch(goneIsDone);
    // Its SID is gone with it: the undo creates it again (or finds it by URL).
    return { detail: `origination URI ${sid} removed`, undo: { kind: 'restore_origination_uri', trunkSid, sid: null, uri: uriAsItWas(before) } };
  },
  undo: restoreUri,
  describe: describeAs<'remove_origination_uri'>(),
};
