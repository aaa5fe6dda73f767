import type { OriginationUri } from '../../../schemas/sip/trunks';
import { failOnDefinitive } from '../../kit/twilio-errors';
import { describeAs, describeUndoAs, type SipChangeModule, type SipReversal } from './change';
import { uriParams } from './context';

/** A URI as Twilio holds it: what an update or a removal is undone back to. */
export const uriAsItWas = (u: OriginationUri): OriginationUri => ({ sipUrl: u.sipUrl, priority: u.priority, weight: u.weight, enabled: u.enabled, friendlyName: u.friendlyName });

/** Puts a URI back as it was: updated in place if it is still there (by SID, else by URL), created again if not. */
export const restoreUri: SipReversal<'restore_origination_uri'> = {
  kind: 'restore_origination_uri',
  async run({ trunking, findUri }, u) {
    const urls = trunking.trunks(u.trunkSid).originationUrls;
    const existing = u.sid ? u.sid : (await findUri(u.trunkSid, u.uri.sipUrl))?.sid;
    if (existing) await urls(existing).update(uriParams(u.uri)).catch(failOnDefinitive);
    else await urls.create(uriParams(u.uri)).catch(failOnDefinitive);
  },
  describe: describeUndoAs<'restore_origination_uri'>(),
};

export const updateOriginationUri: SipChangeModule<'update_origination_uri', 'restore_origination_uri'> = {
  kind: 'update_origination_uri',
  async apply(ctx, trunkId, { sid, uri }) {
    const trunkSid = await ctx.trunkSidOf(trunkId);
    const urls = ctx.trunking.trunks(trunkSid).originationUrls;
    const before = await urls(sid).fetch().catch(failOnDefinitive);
    await urls(sid).update(uriParams(uri)).catch(failOnDefinitive);
    return { detail: `origination URI ${sid} updated`, undo: { kind: 'restore_origination_uri', trunkSid, sid, uri: uriAsItWas(before) } };
  },
  undo: restoreUri,
  describe: describeAs<'update_origination_uri'>(),
};
