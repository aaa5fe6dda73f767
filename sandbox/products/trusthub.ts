import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Deliverer } from '../deliveries';
import type { ReviewClock } from '../review-clock';
import type { SandboxState } from '../state';
import { evaluate, policies, policyRequirements } from '../trusthub-policies';
import { PRIMARY_PROFILE_POLICY, type Bundle, type BundleKind, type EndUser, type SupportingDocument, type TrustHubStore } from '../trusthub-store';
import { formJson, formString, iso, newSid, originOf, pageV1, TwilioError } from '../wire';

type Form = Record<string, unknown>;
type Query = Record<string, string | undefined>;
const accountOf = (req: FastifyRequest) => req.accountSid;
/** Display names the sandbox's CNAM review refuses as generic (Twilio: "cannot be a generic value such as a City/State"). */
const GENERIC_CNAM = new Set(['CALLER', 'UNKNOWN', 'WIRELESS CALLER', 'PRIVATE', 'BUSINESS', 'COMPANY', 'INFO', 'SALES', 'SUPPORT', 'NEW YORK NY', 'LOS ANGELES CA', 'CHICAGO IL', 'TOLL FREE']);
const notFound = (path: string) => new TwilioError(404, 20404, `The requested resource ${path} was not found`);

interface BundleRoutes {
  kind: BundleKind;
  path: '/v1/CustomerProfiles' | '/v1/TrustProducts';
  parentField: 'customer_profile_sid' | 'trust_product_sid';
  links: (base: string) => Record<string, string>;
}

const bundleKinds: BundleRoutes[] = [
  {
    kind: 'customer_profile',
    path: '/v1/CustomerProfiles',
    parentField: 'customer_profile_sid',
    links: (b) => ({ customer_profiles_entity_assignments: `${b}/EntityAssignments`, customer_profiles_evaluations: `${b}/Evaluations`, customer_profiles_channel_endpoint_assignment: `${b}/ChannelEndpointAssignments` }),
  },
  {
    kind: 'trust_product',
    path: '/v1/TrustProducts',
    parentField: 'trust_product_sid',
    links: (b) => ({ trust_products_entity_assignments: `${b}/EntityAssignments`, trust_products_evaluations: `${b}/Evaluations`, trust_products_channel_endpoint_assignment: `${b}/ChannelEndpointAssignments` }),
  },
];

/**
 * Trust Hub v1: customer profiles and trust products (bundles) with their end users, supporting
 * documents, entity assignments and evaluations, and policies. Submitting a bundle starts a review
 * on the virtual clock; its outcome follows the documented rules or a forced outcome, and each
 * status change is POSTed, signed, to the bundle's StatusCallback.
 */
export const trustHubProduct: FastifyPluginAsync<{ state: SandboxState; store: TrustHubStore; clock: ReviewClock; deliverer: Deliverer }> = async (
  app,
  { state, store, clock, deliverer },
) => {
  const serializeBundle = (b: Bundle, origin: string, r: BundleRoutes) => {
    const url = `${origin}${r.path}/${b.sid}`;
    return {
      sid: b.sid, account_sid: b.accountSid, policy_sid: b.policySid, friendly_name: b.friendlyName, status: b.status,
      valid_until: b.validUntil ? iso(b.validUntil) : null, email: b.email, status_callback: b.statusCallback,
      date_created: iso(b.dateCreated), date_updated: iso(b.dateUpdated), url, links: r.links(url), errors: b.errors,
    };
  };
  const serializeEntity = (e: EndUser, origin: string, path: string) => ({
    sid: e.sid, account_sid: e.accountSid, friendly_name: e.friendlyName, type: e.type, attributes: e.attributes,
    date_created: iso(e.dateCreated), date_updated: iso(e.dateUpdated), url: `${origin}${path}/${e.sid}`,
  });
  const serializeDocument = (d: SupportingDocument, origin: string) => ({
    sid: d.sid, account_sid: d.accountSid, friendly_name: d.friendlyName, mime_type: null, status: d.status, type: d.type,
    attributes: d.attributes, date_created: iso(d.dateCreated), date_updated: iso(d.dateUpdated), url: `${origin}/v1/SupportingDocuments/${d.sid}`,
  });

  /** A bundle's status change, delivered to its StatusCallback like Twilio does. */
  function setStatus(b: Bundle, status: Bundle['status'], failureReason?: string) {
    b.status = status;
    b.dateUpdated = clock.now();
    if (!b.statusCallback) return;
    const params: Record<string, string> = { AccountSid: b.accountSid, BundleSid: b.sid, Status: status };
    if (failureReason) params.FailureReason = failureReason;
    const token = state.accounts.get(b.accountSid)?.authToken;
    if (token) deliverer.form(b.statusCallback, params, token);
  }

  /** Review outcome: forced through the control API, else rejected when a name in it contains "REJECT". */
  function decide(b: Bundle): { approve: boolean; reason?: string } {
    const forced = store.forcedOutcomes.get(b.sid);
    if (forced) {
      store.forcedOutcomes.delete(b.sid);
      return { approve: forced.outcome === 'approve', reason: forced.reason };
    }
    const users = store.assignedTo(b.sid).flatMap((a) => store.endUsers.get(a.objectSid) ?? []);
    const names = users.flatMap((u) => [String(u.attributes.business_name ?? ''), String(u.attributes.cnam_display_name ?? ''), String(u.attributes.notes ?? ''), u.friendlyName]);
    const rejected = [b.friendlyName, ...names].some((n) => /REJECT/i.test(n));
    if (rejected) return { approve: false, reason: 'Business information could not be verified' };
    // A CNAM display name that says nothing about the business (a place, a generic word) is refused.
    const display = users.find((u) => u.type === 'cnam_information')?.attributes.cnam_display_name;
    if (typeof display === 'string' && GENERIC_CNAM.has(display.trim().toUpperCase())) return { approve: false, reason: `CNAM display name "${display}" is generic` };
    return { approve: true };
  }

  function submit(b: Bundle) {
    if (b.status !== 'draft' && b.status !== 'twilio-rejected') {
      throw new TwilioError(400, 22215, `Bundle ${b.sid} can only be submitted from draft or twilio-rejected, not ${b.status}`);
    }
    if (!evaluate(store, b.sid, b.policySid).compliant) {
      throw new TwilioError(400, 22215, `Bundle ${b.sid} is not compliant with policy ${b.policySid}; evaluate it to see what is missing`);
    }
    b.errors = null;
    setStatus(b, 'pending-review');
    const duration = b.kind === 'customer_profile' ? clock.durations.customerProfile : clock.durations.trustProduct;
    clock.schedule(duration * 0.1, () => b.status === 'pending-review' && setStatus(b, 'in-review'));
    clock.schedule(duration, () => {
      if (b.status !== 'in-review' && b.status !== 'pending-review') return;
      const { approve, reason } = decide(b);
      if (approve) {
        b.validUntil = new Date(clock.now().getTime() + 365 * 86_400_000);
        setStatus(b, 'twilio-approved');
      } else {
        b.errors = [{ code: 22216, message: reason ?? 'rejected' }];
        setStatus(b, 'twilio-rejected', reason);
      }
    });
  }

  /** The ISV model: a subaccount's secondary profile is connected to its parent's approved primary profile. */
  const isParentsPrimaryProfile = (object: { accountSid: string }, accountSid: string) =>
    'policySid' in object &&
    (object as Bundle).policySid === PRIMARY_PROFILE_POLICY &&
    (object as Bundle).status === 'twilio-approved' &&
    state.accounts.get(accountSid)?.ownerAccountSid === object.accountSid;

  for (const r of bundleKinds) {
    const param = r.kind === 'customer_profile' ? 'CustomerProfileSid' : 'TrustProductSid';
    const owned = (req: FastifyRequest, sid: string) => {
      store.ensurePrimaryProfile(accountOf(req), state.accounts.get(accountOf(req))?.ownerAccountSid);
      const b = store.bundles.get(sid);
      if (!b || b.kind !== r.kind || b.accountSid !== accountOf(req)) throw notFound(`${r.path}/${sid}`);
      return b;
    };

    app.post(r.path, async (req, reply) => {
      const form = (req.body ?? {}) as Form;
      const friendlyName = formString(form.FriendlyName);
      const email = formString(form.Email);
      const policySid = formString(form.PolicySid);
      if (!friendlyName || !email || !policySid) throw new TwilioError(400, 20001, 'FriendlyName, Email and PolicySid are required');
      if (!policies[policySid]) throw new TwilioError(400, 22201, `Policy ${policySid} is not a valid policy`);
      const now = clock.now();
      const b: Bundle = {
        sid: newSid('BU'), kind: r.kind, accountSid: accountOf(req), policySid, friendlyName, email,
        statusCallback: formString(form.StatusCallback) ?? null, status: 'draft', errors: null, validUntil: null, dateCreated: now, dateUpdated: now,
      };
      store.bundles.set(b.sid, b);
      return reply.code(201).send(serializeBundle(b, originOf(req), r));
    });

    app.get(r.path, async (req) => {
      store.ensurePrimaryProfile(accountOf(req), state.accounts.get(accountOf(req))?.ownerAccountSid);
      const q = req.query as Query;
      const list = [...store.bundles.values()]
        .filter((b) => b.kind === r.kind && b.accountSid === accountOf(req))
        .filter((b) => (!q.Status || b.status === q.Status) && (!q.FriendlyName || b.friendlyName === q.FriendlyName) && (!q.PolicySid || b.policySid === q.PolicySid))
        .map((b) => serializeBundle(b, originOf(req), r));
      return pageV1('results', list, originOf(req), r.path, q);
    });

    app.get(`${r.path}/:Sid`, async (req) => serializeBundle(owned(req, (req.params as { Sid: string }).Sid), originOf(req), r));

    app.post(`${r.path}/:Sid`, async (req) => {
      const b = owned(req, (req.params as { Sid: string }).Sid);
      const form = (req.body ?? {}) as Form;
      const status = formString(form.Status);
      if (b.status === 'pending-review' || b.status === 'in-review') {
        if (status === undefined || status !== b.status) throw new TwilioError(400, 22215, `Bundle ${b.sid} is under review and can't be changed`);
      }
      for (const [field, key] of [['FriendlyName', 'friendlyName'], ['Email', 'email'], ['StatusCallback', 'statusCallback']] as const) {
        const v = formString(form[field]);
        if (v !== undefined) (b as unknown as Record<string, unknown>)[key] = v;
      }
      b.dateUpdated = clock.now();
      if (status === 'pending-review' && b.status !== 'pending-review') submit(b);
      else if (status !== undefined && status !== 'pending-review' && status !== b.status) throw new TwilioError(400, 20001, `Status can only be set to pending-review`);
      return serializeBundle(b, originOf(req), r);
    });

    app.delete(`${r.path}/:Sid`, async (req, reply) => {
      const b = owned(req, (req.params as { Sid: string }).Sid);
      if (store.channelsOf(b.sid).length) throw new TwilioError(400, 21648, `Bundle ${b.sid} can't be deleted while phone numbers are assigned to it`);
      store.bundles.delete(b.sid);
      for (const a of store.assignedTo(b.sid)) store.assignments.delete(a.sid);
      return reply.code(204).send();
    });

    const serializeAssignment = (a: { sid: string; bundleSid: string; accountSid: string; objectSid: string; dateCreated: Date }, origin: string) => ({
      sid: a.sid, [r.parentField]: a.bundleSid, account_sid: a.accountSid, object_sid: a.objectSid,
      date_created: iso(a.dateCreated), url: `${origin}${r.path}/${a.bundleSid}/EntityAssignments/${a.sid}`,
    });

    app.post(`${r.path}/:${param}/EntityAssignments`, async (req, reply) => {
      const b = owned(req, (req.params as Record<string, string>)[param]!);
      const objectSid = formString(((req.body ?? {}) as Form).ObjectSid);
      if (!objectSid) throw new TwilioError(400, 20001, 'ObjectSid is required');
      const exists = store.endUsers.get(objectSid) ?? store.documents.get(objectSid) ?? store.bundles.get(objectSid);
      if (!exists || (exists.accountSid !== b.accountSid && !isParentsPrimaryProfile(exists, b.accountSid))) {
        throw new TwilioError(400, 22213, `Object ${objectSid} was not found`);
      }
      if (store.assignedTo(b.sid).some((a) => a.objectSid === objectSid)) throw new TwilioError(400, 22219, `Object ${objectSid} is already assigned`);
      if (b.status !== 'draft' && b.status !== 'twilio-rejected') throw new TwilioError(400, 22215, `Bundle ${b.sid} can't be changed while ${b.status}`);
      const a = { sid: newSid('BV'), bundleSid: b.sid, accountSid: b.accountSid, objectSid, dateCreated: clock.now() };
      store.assignments.set(a.sid, a);
      return reply.code(201).send(serializeAssignment(a, originOf(req)));
    });
    app.get(`${r.path}/:${param}/EntityAssignments`, async (req) => {
      const b = owned(req, (req.params as Record<string, string>)[param]!);
      const list = store.assignedTo(b.sid).map((a) => serializeAssignment(a, originOf(req)));
      return pageV1('results', list, originOf(req), `${r.path}/${b.sid}/EntityAssignments`, req.query as Query);
    });
    app.get(`${r.path}/:${param}/EntityAssignments/:Sid`, async (req) => {
      const p = req.params as Record<string, string>;
      const b = owned(req, p[param]!);
      const a = store.assignments.get(p.Sid!);
      if (!a || a.bundleSid !== b.sid) throw notFound(`${r.path}/${b.sid}/EntityAssignments/${p.Sid}`);
      return serializeAssignment(a, originOf(req));
    });
    app.delete(`${r.path}/:${param}/EntityAssignments/:Sid`, async (req, reply) => {
      const p = req.params as Record<string, string>;
      const b = owned(req, p[param]!);
      const a = store.assignments.get(p.Sid!);
      if (!a || a.bundleSid !== b.sid) throw notFound(`${r.path}/${b.sid}/EntityAssignments/${p.Sid}`);
      store.assignments.delete(a.sid);
      return reply.code(204).send();
    });

    const serializeEvaluation = (e: { sid: string; bundleSid: string; accountSid: string; policySid: string; status: string; results: unknown[]; dateCreated: Date }, origin: string) => ({
      sid: e.sid, account_sid: e.accountSid, policy_sid: e.policySid, [r.parentField]: e.bundleSid, status: e.status, results: e.results,
      date_created: iso(e.dateCreated), url: `${origin}${r.path}/${e.bundleSid}/Evaluations/${e.sid}`,
    });
    app.post(`${r.path}/:${param}/Evaluations`, async (req, reply) => {
      const b = owned(req, (req.params as Record<string, string>)[param]!);
      const policySid = formString(((req.body ?? {}) as Form).PolicySid) ?? b.policySid;
      if (!policies[policySid]) throw new TwilioError(400, 22201, `Policy ${policySid} is not a valid policy`);
      const { compliant, results } = evaluate(store, b.sid, policySid);
      const e = { sid: newSid('EL'), bundleSid: b.sid, accountSid: b.accountSid, policySid, status: compliant ? ('compliant' as const) : ('noncompliant' as const), results, dateCreated: clock.now() };
      store.evaluations.set(e.sid, e);
      return reply.code(201).send(serializeEvaluation(e, originOf(req)));
    });
    app.get(`${r.path}/:${param}/Evaluations`, async (req) => {
      const b = owned(req, (req.params as Record<string, string>)[param]!);
      const list = [...store.evaluations.values()].filter((e) => e.bundleSid === b.sid).map((e) => serializeEvaluation(e, originOf(req)));
      return pageV1('results', list, originOf(req), `${r.path}/${b.sid}/Evaluations`, req.query as Query);
    });
    app.get(`${r.path}/:${param}/Evaluations/:Sid`, async (req) => {
      const p = req.params as Record<string, string>;
      const b = owned(req, p[param]!);
      const e = store.evaluations.get(p.Sid!);
      if (!e || e.bundleSid !== b.sid) throw notFound(`${r.path}/${b.sid}/Evaluations/${p.Sid}`);
      return serializeEvaluation(e, originOf(req));
    });
  }

  // End users and supporting documents: typed entities with JSON `Attributes`.
  for (const kind of ['EndUsers', 'SupportingDocuments'] as const) {
    const path = `/v1/${kind}`;
    const map = kind === 'EndUsers' ? store.endUsers : store.documents;
    const prefix = kind === 'EndUsers' ? 'IT' : 'RD';
    const serialize = (e: EndUser, origin: string) =>
      kind === 'EndUsers' ? serializeEntity(e, origin, path) : serializeDocument(e as SupportingDocument, origin);
    const owned = (req: FastifyRequest) => {
      const sid = (req.params as { Sid: string }).Sid;
      const e = map.get(sid);
      if (!e || e.accountSid !== accountOf(req)) throw notFound(`${path}/${sid}`);
      return e;
    };
    app.post(path, async (req, reply) => {
      const form = (req.body ?? {}) as Form;
      const friendlyName = formString(form.FriendlyName);
      const type = formString(form.Type);
      if (!friendlyName || !type) throw new TwilioError(400, 20001, 'FriendlyName and Type are required');
      const now = clock.now();
      const e: SupportingDocument = { sid: newSid(prefix), accountSid: accountOf(req), friendlyName, type, attributes: formJson(form.Attributes), dateCreated: now, dateUpdated: now, status: 'DRAFT' };
      if (kind === 'SupportingDocuments') {
        const addressSids = [e.attributes.address_sids].flat().filter(Boolean) as string[];
        for (const sid of addressSids) if (!store.addresses.get(String(sid))) throw new TwilioError(400, 22213, `Address ${sid} was not found`);
      }
      map.set(e.sid, e);
      return reply.code(201).send(serialize(e, originOf(req)));
    });
    app.get(path, async (req) => {
      const list = [...map.values()].filter((e) => e.accountSid === accountOf(req)).map((e) => serialize(e, originOf(req)));
      return pageV1('results', list, originOf(req), path, req.query as Query);
    });
    app.get(`${path}/:Sid`, async (req) => serialize(owned(req), originOf(req)));
    app.post(`${path}/:Sid`, async (req) => {
      const e = owned(req);
      const form = (req.body ?? {}) as Form;
      const fn = formString(form.FriendlyName);
      if (fn) e.friendlyName = fn;
      if (form.Attributes !== undefined) e.attributes = formJson(form.Attributes);
      e.dateUpdated = clock.now();
      return serialize(e, originOf(req));
    });
    app.delete(`${path}/:Sid`, async (req, reply) => {
      const e = owned(req);
      if ([...store.assignments.values()].some((a) => a.objectSid === e.sid)) throw new TwilioError(400, 22219, `${e.sid} is assigned to a bundle`);
      map.delete(e.sid);
      return reply.code(204).send();
    });
  }

  const serializePolicy = (sid: string, origin: string) => ({
    sid, friendly_name: policies[sid]!.friendlyName, requirements: policyRequirements(sid), url: `${origin}/v1/Policies/${sid}`,
  });
  app.get('/v1/Policies', async (req) =>
    pageV1('results', Object.keys(policies).map((sid) => serializePolicy(sid, originOf(req))), originOf(req), '/v1/Policies', req.query as Query),
  );
  app.get('/v1/Policies/:Sid', async (req) => {
    const sid = (req.params as { Sid: string }).Sid;
    if (!policies[sid]) throw notFound(`/v1/Policies/${sid}`);
    return serializePolicy(sid, originOf(req));
  });
};
