import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ReviewClock } from '../review-clock';
import type { OriginationUrl, RecordingMode, RecordingTrim, SipStore, TransferCallerId, TransferMode, Trunk, TrunkAssociation } from '../sip-store';
import type { OwnedNumber, SandboxState } from '../state';
import { formString, iso, newSid, originOf, pageV1, TwilioError } from '../wire';

type Form = Record<string, unknown>;
type Query = Record<string, string | undefined>;

/** Twilio's documented account limit (error 21244). */
export const MAX_TRUNKS_PER_ACCOUNT = 100;
/** Twilio documents error 21249 but not the number; 10 is the sandbox's choice. */
export const MAX_ORIGINATION_URLS_PER_TRUNK = 10;

const notFound = (path: string) => new TwilioError(404, 20404, `The requested resource ${path} was not found`);
/** A parameter outside its documented range or enum: Twilio's generic invalid-parameter error. */
const invalid = (message: string) => new TwilioError(400, 20001, message);

/** One label of letters, digits and `-`, then `.pstn.twilio.com` (the spec's rule). */
const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?\.pstn\.twilio\.com$/i;
const transferModes: readonly TransferMode[] = ['disable-all', 'enable-all', 'sip-only'];
const transferCallerIds: readonly TransferCallerId[] = ['from-transferee', 'from-transferor'];
const recordingModes: readonly RecordingMode[] = ['do-not-record', 'record-from-ringing', 'record-from-answer', 'record-from-ringing-dual', 'record-from-answer-dual'];
const recordingTrims: readonly RecordingTrim[] = ['trim-silence', 'do-not-trim'];

function oneOf<T extends string>(field: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) throw invalid(`${field} must be one of: ${allowed.join(', ')}`);
  return raw as T;
}

function intIn(field: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) throw invalid(`${field} must be an integer from ${min} to ${max}`);
  return n;
}

/** Strict, unlike formBool: a typo in a boolean should not silently mean false. */
function bool(field: string, raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  const v = raw.toLowerCase();
  if (v !== 'true' && v !== 'false') throw invalid(`${field} must be true or false`);
  return v === 'true';
}

function friendlyName(raw: string | undefined): string | undefined {
  if (raw !== undefined && raw.length > 64) throw invalid('FriendlyName must be at most 64 characters');
  return raw;
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);

/**
 * Elastic SIP Trunking v1: trunks, their origination URLs, phone numbers, credential-list and IP-ACL
 * associations, and recording settings. Numbers belong to SandboxState; a trunk "has" a number when
 * the number's `trunk_sid` names it, as the 2010 API shows it too.
 */
export const trunkingProduct: FastifyPluginAsync<{ state: SandboxState; store: SipStore; clock: ReviewClock }> = async (app, { state, store, clock }) => {
  const ownedTrunk = (req: FastifyRequest, sid: string) => {
    const t = store.trunks.get(sid);
    if (!t || t.accountSid !== req.accountSid) throw notFound(`/v1/Trunks/${sid}`);
    return t;
  };
  const trunkOf = (req: FastifyRequest) => ownedTrunk(req, (req.params as { TrunkSid: string }).TrunkSid);
  const sidParam = (req: FastifyRequest) => (req.params as { Sid: string }).Sid;

  // --- trunks ---
  const trunkJson = (t: Trunk, origin: string) => {
    const url = `${origin}/v1/Trunks/${t.sid}`;
    const auth = store.authTypes(t.sid);
    return {
      account_sid: t.accountSid, domain_name: t.domainName, disaster_recovery_method: t.disasterRecoveryMethod, disaster_recovery_url: t.disasterRecoveryUrl,
      friendly_name: t.friendlyName, secure: t.secure, recording: { ...t.recording }, transfer_mode: t.transferMode, transfer_caller_id: t.transferCallerId,
      cnam_lookup_enabled: t.cnamLookupEnabled, auth_type: auth.join(','), symmetric_rtp_enabled: false, auth_type_set: auth,
      date_created: iso(t.dateCreated), date_updated: iso(t.dateUpdated), sid: t.sid, url,
      links: {
        origination_urls: `${url}/OriginationUrls`, credential_lists: `${url}/CredentialLists`,
        ip_access_control_lists: `${url}/IpAccessControlLists`, phone_numbers: `${url}/PhoneNumbers`,
      },
    };
  };

  /** Validates the whole form before changing anything, so a refused update leaves the trunk as it was. */
  function trunkSettings(t: Trunk, form: Form): Trunk {
    const next = { ...t };
    const fn = friendlyName(formString(form.FriendlyName));
    if (fn !== undefined) next.friendlyName = fn === '' ? null : fn;
    const domain = formString(form.DomainName);
    if (domain === '') next.domainName = null;
    else if (domain !== undefined) {
      if (!DOMAIN.test(domain)) {
        throw new TwilioError(400, 21245, `DomainName ${domain} is invalid: use letters, digits and '-', ending in .pstn.twilio.com`);
      }
      if (store.domainTaken(domain, clock.now(), t.sid)) throw new TwilioError(400, 21248, 'Trunk Domain already taken');
      next.domainName = domain.toLowerCase();
    }
    const drUrl = formString(form.DisasterRecoveryUrl);
    if (drUrl !== undefined && drUrl !== '' && !/^https?:\/\/\S+$/i.test(drUrl)) throw new TwilioError(400, 21502, `DisasterRecoveryUrl is not a valid URL: ${drUrl}`);
    if (drUrl !== undefined) next.disasterRecoveryUrl = drUrl === '' ? null : drUrl;
    const drMethod = formString(form.DisasterRecoveryMethod)?.toUpperCase();
    if (drMethod !== undefined && drMethod !== 'GET' && drMethod !== 'POST') throw new TwilioError(400, 21403, 'DisasterRecoveryMethod must be GET or POST');
    if (drMethod !== undefined) next.disasterRecoveryMethod = drMethod;
    next.transferMode = oneOf('TransferMode', formString(form.TransferMode), transferModes) ?? next.transferMode;
    next.transferCallerId = oneOf('TransferCallerId', formString(form.TransferCallerId), transferCallerIds) ?? next.transferCallerId;
    next.secure = bool('Secure', formString(form.Secure)) ?? next.secure;
    next.cnamLookupEnabled = bool('CnamLookupEnabled', formString(form.CnamLookupEnabled)) ?? next.cnamLookupEnabled;
    return next;
  }

  app.post('/v1/Trunks', async (req, reply) => {
    if (store.trunksOf(req.accountSid).length >= MAX_TRUNKS_PER_ACCOUNT) throw new TwilioError(400, 21244, 'Maximum Number of Trunks reached');
    const now = clock.now();
    const blank: Trunk = {
      sid: newSid('TK'), accountSid: req.accountSid, friendlyName: null, domainName: null, disasterRecoveryUrl: null, disasterRecoveryMethod: 'POST',
      transferMode: 'disable-all', transferCallerId: 'from-transferee', secure: false, cnamLookupEnabled: false,
      recording: { mode: 'do-not-record', trim: 'do-not-trim' }, dateCreated: now, dateUpdated: now,
    };
    const t = trunkSettings(blank, (req.body ?? {}) as Form);
    store.trunks.set(t.sid, t);
    return reply.code(201).send(trunkJson(t, originOf(req)));
  });
  app.get('/v1/Trunks', async (req) =>
    pageV1('trunks', store.trunksOf(req.accountSid).map((t) => trunkJson(t, originOf(req))), originOf(req), '/v1/Trunks', req.query as Query),
  );
  app.get('/v1/Trunks/:Sid', async (req) => trunkJson(ownedTrunk(req, sidParam(req)), originOf(req)));
  app.post('/v1/Trunks/:Sid', async (req) => {
    const t = trunkSettings(ownedTrunk(req, sidParam(req)), (req.body ?? {}) as Form);
    t.dateUpdated = clock.now();
    store.trunks.set(t.sid, t);
    return trunkJson(t, originOf(req));
  });
  /** Numbers stay owned, off the trunk; the domain stays reserved for 30 days of virtual time. */
  app.delete('/v1/Trunks/:Sid', async (req, reply) => {
    const t = ownedTrunk(req, sidParam(req));
    for (const n of numbersOn(t)) n.config = { ...n.config, trunk_sid: null };
    store.removeTrunk(t.sid, clock.now());
    return reply.code(204).send();
  });

  // --- origination URLs ---
  const originationJson = (o: OriginationUrl, origin: string) => ({
    account_sid: o.accountSid, sid: o.sid, trunk_sid: o.trunkSid, weight: o.weight, enabled: o.enabled, sip_url: o.sipUrl,
    friendly_name: o.friendlyName, priority: o.priority, date_created: iso(o.dateCreated), date_updated: iso(o.dateUpdated),
    url: `${origin}/v1/Trunks/${o.trunkSid}/OriginationUrls/${o.sid}`,
  });

  function originationSettings(o: OriginationUrl, form: Form): OriginationUrl {
    const sipUrl = formString(form.SipUrl);
    // The spec: "This must be a `sip:` schema" and "`sips` is NOT supported". Twilio's code for it is undocumented.
    if (sipUrl !== undefined && !/^sip:\S+$/i.test(sipUrl)) throw new TwilioError(400, 21245, `SipUrl must be a sip: URI (sips: is not supported): ${sipUrl}`);
    return {
      ...o,
      sipUrl: sipUrl ?? o.sipUrl,
      friendlyName: friendlyName(formString(form.FriendlyName)) ?? o.friendlyName,
      weight: intIn('Weight', formString(form.Weight), 1, 65535) ?? o.weight,
      priority: intIn('Priority', formString(form.Priority), 0, 65535) ?? o.priority,
      enabled: bool('Enabled', formString(form.Enabled)) ?? o.enabled,
    };
  }

  const ownedOrigination = (req: FastifyRequest) => {
    const t = trunkOf(req);
    const o = store.originationUrls.get(sidParam(req));
    if (!o || o.trunkSid !== t.sid) throw notFound(`/v1/Trunks/${t.sid}/OriginationUrls/${sidParam(req)}`);
    return o;
  };

  app.post('/v1/Trunks/:TrunkSid/OriginationUrls', async (req, reply) => {
    const t = trunkOf(req);
    const form = (req.body ?? {}) as Form;
    // The spec lists all five as required, although its descriptions give defaults; the SDK requires them too.
    const missing = ['Weight', 'Priority', 'Enabled', 'FriendlyName', 'SipUrl'].filter((f) => formString(form[f]) === undefined);
    if (missing.length) throw invalid(`Missing required parameter(s): ${missing.join(', ')}`);
    if (store.originationUrlsOf(t.sid).length >= MAX_ORIGINATION_URLS_PER_TRUNK) throw new TwilioError(400, 21249, 'Maximum Origination URIs reached');
    const now = clock.now();
    const blank: OriginationUrl = {
      sid: newSid('OU'), accountSid: t.accountSid, trunkSid: t.sid, sipUrl: '', friendlyName: '', weight: 10, priority: 10, enabled: true,
      dateCreated: now, dateUpdated: now,
    };
    const o = originationSettings(blank, form);
    store.originationUrls.set(o.sid, o);
    return reply.code(201).send(originationJson(o, originOf(req)));
  });
  app.get('/v1/Trunks/:TrunkSid/OriginationUrls', async (req) => {
    const t = trunkOf(req);
    const all = store.originationUrlsOf(t.sid).map((o) => originationJson(o, originOf(req)));
    return pageV1('origination_urls', all, originOf(req), `/v1/Trunks/${t.sid}/OriginationUrls`, req.query as Query);
  });
  app.get('/v1/Trunks/:TrunkSid/OriginationUrls/:Sid', async (req) => originationJson(ownedOrigination(req), originOf(req)));
  app.post('/v1/Trunks/:TrunkSid/OriginationUrls/:Sid', async (req) => {
    const o = { ...originationSettings(ownedOrigination(req), (req.body ?? {}) as Form), dateUpdated: clock.now() };
    store.originationUrls.set(o.sid, o);
    return originationJson(o, originOf(req));
  });
  app.delete('/v1/Trunks/:TrunkSid/OriginationUrls/:Sid', async (req, reply) => {
    store.originationUrls.delete(ownedOrigination(req).sid);
    return reply.code(204).send();
  });

  // --- phone numbers (the account's IncomingPhoneNumbers whose trunk_sid is this trunk) ---
  function numbersOn(t: Trunk): OwnedNumber[] {
    return [...state.numbers.values()].filter((n) => n.accountSid === t.accountSid && n.config.trunk_sid === t.sid);
  }

  const numberJson = (n: OwnedNumber, origin: string) => {
    const c = n.config;
    return {
      account_sid: n.accountSid, address_requirements: 'none', api_version: '2010-04-01', beta: false, capabilities: { ...n.inventory.capabilities },
      date_created: iso(n.dateCreated), date_updated: iso(n.dateUpdated), friendly_name: n.friendlyName,
      links: { phone_number: `${origin}/2010-04-01/Accounts/${n.accountSid}/IncomingPhoneNumbers/${n.sid}.json` },
      phone_number: n.inventory.phoneNumber, sid: n.sid, sms_application_sid: str(c.sms_application_sid), sms_fallback_method: str(c.sms_fallback_method),
      sms_fallback_url: str(c.sms_fallback_url), sms_method: str(c.sms_method), sms_url: str(c.sms_url), status_callback: str(c.status_callback),
      status_callback_method: str(c.status_callback_method), trunk_sid: str(c.trunk_sid), url: `${origin}/v1/Trunks/${str(c.trunk_sid)}/PhoneNumbers/${n.sid}`,
      voice_application_sid: str(c.voice_application_sid), voice_caller_id_lookup: c.voice_caller_id_lookup === true,
      voice_fallback_method: str(c.voice_fallback_method), voice_fallback_url: str(c.voice_fallback_url), voice_method: str(c.voice_method), voice_url: str(c.voice_url),
    };
  };

  const numberOnTrunk = (req: FastifyRequest) => {
    const t = trunkOf(req);
    const n = state.numbers.get(sidParam(req));
    if (!n || n.accountSid !== t.accountSid || n.config.trunk_sid !== t.sid) throw notFound(`/v1/Trunks/${t.sid}/PhoneNumbers/${sidParam(req)}`);
    return n;
  };

  /** Attaching sets the number's trunk_sid and, as on Twilio, clears its voice application; a number on another trunk moves. */
  app.post('/v1/Trunks/:TrunkSid/PhoneNumbers', async (req, reply) => {
    const t = trunkOf(req);
    const pnSid = formString(((req.body ?? {}) as Form).PhoneNumberSid);
    if (!pnSid) throw invalid('Missing required parameter PhoneNumberSid');
    const n = state.numbers.get(pnSid);
    if (!n || n.accountSid !== t.accountSid) throw notFound(`/2010-04-01/Accounts/${t.accountSid}/IncomingPhoneNumbers/${pnSid}.json`);
    n.config = { ...n.config, trunk_sid: t.sid, voice_application_sid: null };
    n.dateUpdated = clock.now();
    return reply.code(201).send(numberJson(n, originOf(req)));
  });
  app.get('/v1/Trunks/:TrunkSid/PhoneNumbers', async (req) => {
    const t = trunkOf(req);
    const all = numbersOn(t).map((n) => numberJson(n, originOf(req)));
    return pageV1('phone_numbers', all, originOf(req), `/v1/Trunks/${t.sid}/PhoneNumbers`, req.query as Query);
  });
  app.get('/v1/Trunks/:TrunkSid/PhoneNumbers/:Sid', async (req) => numberJson(numberOnTrunk(req), originOf(req)));
  app.delete('/v1/Trunks/:TrunkSid/PhoneNumbers/:Sid', async (req, reply) => {
    const n = numberOnTrunk(req);
    n.config = { ...n.config, trunk_sid: null };
    n.dateUpdated = clock.now();
    return reply.code(204).send();
  });

  // --- credential list and IP ACL associations (the lists themselves live in the 2010 SIP API) ---
  const kinds = [
    { kind: 'credential', path: 'CredentialLists', param: 'CredentialListSid', lists: store.credentialLists },
    { kind: 'ip', path: 'IpAccessControlLists', param: 'IpAccessControlListSid', lists: store.ipAccessControlLists },
  ] as const;
  for (const { kind, path, param, lists } of kinds) {
    const listsById: ReadonlyMap<string, { accountSid: string; friendlyName: string }> = lists;
    const json = (a: TrunkAssociation, origin: string) => ({
      account_sid: a.accountSid, sid: a.listSid, trunk_sid: a.trunkSid, friendly_name: listsById.get(a.listSid)?.friendlyName ?? null,
      date_created: iso(a.dateCreated), date_updated: iso(a.dateCreated), url: `${origin}/v1/Trunks/${a.trunkSid}/${path}/${a.listSid}`,
    });
    const owned = (req: FastifyRequest) => {
      const t = trunkOf(req);
      const a = store.association(kind, t.sid, sidParam(req));
      if (!a) throw notFound(`/v1/Trunks/${t.sid}/${path}/${sidParam(req)}`);
      return a;
    };
    app.post(`/v1/Trunks/:TrunkSid/${path}`, async (req, reply) => {
      const t = trunkOf(req);
      const listSid = formString(((req.body ?? {}) as Form)[param]);
      if (!listSid) throw invalid(`Missing required parameter ${param}`);
      const list = listsById.get(listSid);
      if (!list || list.accountSid !== t.accountSid) throw notFound(`/2010-04-01/Accounts/${t.accountSid}/SIP/${path}/${listSid}.json`);
      if (store.association(kind, t.sid, listSid)) throw new TwilioError(400, 21245, 'Credential List or IP-ACL already associated with Trunk');
      const a: TrunkAssociation = { trunkSid: t.sid, listSid, accountSid: t.accountSid, dateCreated: clock.now() };
      store.associate(kind, a);
      return reply.code(201).send(json(a, originOf(req)));
    });
    app.get(`/v1/Trunks/:TrunkSid/${path}`, async (req) => {
      const t = trunkOf(req);
      const all = store.associations(kind, t.sid).map((a) => json(a, originOf(req)));
      return pageV1(kind === 'credential' ? 'credential_lists' : 'ip_access_control_lists', all, originOf(req), `/v1/Trunks/${t.sid}/${path}`, req.query as Query);
    });
    app.get(`/v1/Trunks/:TrunkSid/${path}/:Sid`, async (req) => json(owned(req), originOf(req)));
    app.delete(`/v1/Trunks/:TrunkSid/${path}/:Sid`, async (req, reply) => {
      const a = owned(req);
      store.dissociate(kind, a.trunkSid, a.listSid);
      return reply.code(204).send();
    });
  }

  // --- recording: only settable here, after the trunk exists ---
  app.get('/v1/Trunks/:TrunkSid/Recording', async (req) => ({ ...trunkOf(req).recording }));
  app.post('/v1/Trunks/:TrunkSid/Recording', async (req) => {
    const t = trunkOf(req);
    const form = (req.body ?? {}) as Form;
    const mode = oneOf('Mode', formString(form.Mode), recordingModes) ?? t.recording.mode;
    const trim = oneOf('Trim', formString(form.Trim), recordingTrims) ?? t.recording.trim;
    t.recording = { mode, trim };
    t.dateUpdated = clock.now();
    return { ...t.recording };
  });
};
