import { activityAttempt } from '../../kit/attempt';
import { failOnDefinitive, goneIsDone, isTwilioNotFound as notFound } from '../../kit/twilio-errors';
import { describeAs, describeUndoAs, type SipChangeModule, type SipReversal } from './change';
import { uriParams } from './context';

export const removeAddedUri: SipReversal<'remove_origination_uri'> = {
  kind: 'remove_origination_uri',
  async run({ trunking, findUri }, u) {
    // By URL as well as SID: a lost create response may have left one we never learnt the SID of.
    await trunking.trunks(u.trunkSid).originationUrls(u.sid).remove().catch(goneIsDone);
    const stray = await findUri(u.trunkSid, u.sipUrl).catch((err) => (notFound(err) ? null : Promise.reject(err)));
    if (stray) await trunking.trunks(u.trunkSid).originationUrls(stray.sid).remove().catch(goneIsDone);
  },
  describe: describeUndoAs<'remove_origination_uri'>(),
};

export const addOriginationUri: SipChangeModule<'add_origination_uri', 'remove_origination_uri'> = {
  kind: 'add_origination_uri',
  async apply(ctx, trunkId, { uri }) {
    const trunkSid = await ctx.trunkSidOf(trunkId);
    const urls = ctx.trunking.trunks(trunkSid).originationUrls;
    // Twilio has no key for URIs: the SIP URL is the identity, so a retried add finds the first one.
    // (The plan saw no such URI, and this operation is the trunk's only writer: a first attempt need not look.)
    const existing = activityAttempt() > 1 ? await ctx.findUri(trunkSid, uri.sipUrl) : null;
    const made = existing
      ? await urls(existing.sid).update(uriParams(uri)).catch(failOnDefinitive)
      : await urls.create(uriParams(uri)).catch(failOnDefinitive);
    return { detail: `origination URI ${made.sid}`, undo: { kind: 'remove_origination_uri', trunkSid, sid: made.sid, sipUrl: uri.sipUrl } };
  },
  undo: removeAddedUri,
  describe: describeAs<'add_origination_uri'>(),
};
