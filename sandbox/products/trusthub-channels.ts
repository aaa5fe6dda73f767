import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ReviewClock } from '../review-clock';
import type { SandboxState } from '../state';
import type { ChannelAssignment, TrustHubStore } from '../trusthub-store';
import { formString, iso, newSid, originOf, pageV1, TwilioError } from '../wire';

type Query = Record<string, string | undefined>;
const SID = /^[a-zA-Z]{2}[0-9a-fA-F]{32}$/;

/**
 * Trust Hub channel endpoint assignments: phone numbers on a customer profile or a trust product (SHAKEN/STIR,
 * CNAM, Voice Integrity). As on Twilio, a number joins a trust product only once it is on a customer profile
 * assigned to that trust product; a bundle with numbers on it can't be deleted (21648); and a number on a trust
 * product can't be released until it is unassigned (60736, enforced by the numbers product). Assigning the same
 * number twice makes two assignments, so a client that does not look before it assigns is caught by counting.
 */
export const trustHubChannelsProduct: FastifyPluginAsync<{ state: SandboxState; store: TrustHubStore; clock: ReviewClock }> = async (app, { state, store, clock }) => {
  for (const [path, param, kind, parentField] of [
    ['/v1/CustomerProfiles', 'CustomerProfileSid', 'customer_profile', 'customer_profile_sid'],
    ['/v1/TrustProducts', 'TrustProductSid', 'trust_product', 'trust_product_sid'],
  ] as const) {
    const bundleOf = (req: FastifyRequest) => {
      const sid = (req.params as Record<string, string>)[param]!;
      store.ensurePrimaryProfile(req.accountSid, state.accounts.get(req.accountSid)?.ownerAccountSid);
      const b = store.bundles.get(sid);
      if (!b || b.kind !== kind || b.accountSid !== req.accountSid) throw new TwilioError(404, 20404, `The requested resource ${path}/${sid} was not found`);
      return b;
    };
    const serialize = (a: ChannelAssignment, origin: string) => ({
      sid: a.sid, [parentField]: a.bundleSid, account_sid: a.accountSid, channel_endpoint_type: a.endpointType, channel_endpoint_sid: a.endpointSid,
      date_created: iso(a.dateCreated), url: `${origin}${path}/${a.bundleSid}/ChannelEndpointAssignments/${a.sid}`,
    });
    const one = (req: FastifyRequest) => {
      const b = bundleOf(req);
      const sid = (req.params as { Sid: string }).Sid;
      const a = store.channelAssignments.get(sid);
      if (!a || a.bundleSid !== b.sid) throw new TwilioError(404, 20404, `The requested resource ${path}/${b.sid}/ChannelEndpointAssignments/${sid} was not found`);
      return a;
    };

    app.post(`${path}/:${param}/ChannelEndpointAssignments`, async (req, reply) => {
      const b = bundleOf(req);
      const form = (req.body ?? {}) as Record<string, unknown>;
      const endpointType = formString(form.ChannelEndpointType);
      const endpointSid = formString(form.ChannelEndpointSid);
      if (!endpointType || !endpointSid) throw new TwilioError(400, 20001, 'ChannelEndpointType and ChannelEndpointSid are required');
      if (!SID.test(endpointSid)) throw new TwilioError(400, 20001, `ChannelEndpointSid ${endpointSid} is not a valid SID`);
      if (endpointType !== 'phone-number') throw new TwilioError(400, 20001, `ChannelEndpointType must be phone-number, not ${endpointType}`);
      const number = state.numbers.get(endpointSid);
      if (!number || number.accountSid !== b.accountSid) throw new TwilioError(400, 22213, `Phone number ${endpointSid} was not found on this account`);
      if (kind === 'trust_product') {
        // The number must be on a customer profile that is assigned to this trust product.
        const profiles = store.assignedTo(b.sid).map((x) => store.bundles.get(x.objectSid)).filter((p) => p?.kind === 'customer_profile');
        const onProfile = profiles.some((p) => store.channelsOf(p!.sid).some((c) => c.endpointSid === endpointSid));
        if (!onProfile) throw new TwilioError(400, 20001, `Phone number ${endpointSid} must be assigned to the trust product's customer profile first`);
      }
      const a: ChannelAssignment = { sid: newSid('RA'), bundleSid: b.sid, accountSid: b.accountSid, endpointType, endpointSid, dateCreated: clock.now() };
      store.channelAssignments.set(a.sid, a);
      return reply.code(201).send(serialize(a, originOf(req)));
    });

    app.get(`${path}/:${param}/ChannelEndpointAssignments`, async (req) => {
      const b = bundleOf(req);
      const q = req.query as Query;
      const wanted = new Set([q.ChannelEndpointSid, ...(q.ChannelEndpointSids ?? '').split(',')].filter((s): s is string => Boolean(s)));
      const list = store.channelsOf(b.sid).filter((a) => wanted.size === 0 || wanted.has(a.endpointSid)).map((a) => serialize(a, originOf(req)));
      return pageV1('results', list, originOf(req), `${path}/${b.sid}/ChannelEndpointAssignments`, q);
    });

    app.get(`${path}/:${param}/ChannelEndpointAssignments/:Sid`, async (req) => serialize(one(req), originOf(req)));

    app.delete(`${path}/:${param}/ChannelEndpointAssignments/:Sid`, async (req, reply) => {
      const a = one(req);
      store.channelAssignments.delete(a.sid);
      if (kind === 'customer_profile') {
        // Off the profile means off the trust products that rely on it.
        for (const c of [...store.channelAssignments.values()]) {
          if (c.endpointSid !== a.endpointSid) continue;
          const tp = store.bundles.get(c.bundleSid);
          if (tp?.kind === 'trust_product' && store.assignedTo(tp.sid).some((x) => x.objectSid === a.bundleSid)) store.channelAssignments.delete(c.sid);
        }
      }
      return reply.code(204).send();
    });
  }
};
