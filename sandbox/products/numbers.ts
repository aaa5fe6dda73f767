import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { InventoryNumber } from '../inventory';
import { containsMatcher, tollFreePrefixes } from '../inventory';
import { inHierarchyOf, statusOf, type OwnedNumber, type SandboxState } from '../state';
import { formBool, formString, newSid, page2010, rfc2822, TwilioError } from '../wire';

type Form = Record<string, unknown>;
type Query = Record<string, string | undefined>;

/** Config fields of an IncomingPhoneNumber: form name → resource property. */
const configFields: Record<string, string> = {
  VoiceUrl: 'voice_url',
  VoiceMethod: 'voice_method',
  VoiceFallbackUrl: 'voice_fallback_url',
  VoiceFallbackMethod: 'voice_fallback_method',
  VoiceApplicationSid: 'voice_application_sid',
  SmsUrl: 'sms_url',
  SmsMethod: 'sms_method',
  SmsFallbackUrl: 'sms_fallback_url',
  SmsFallbackMethod: 'sms_fallback_method',
  SmsApplicationSid: 'sms_application_sid',
  StatusCallback: 'status_callback',
  StatusCallbackMethod: 'status_callback_method',
  TrunkSid: 'trunk_sid',
  IdentitySid: 'identity_sid',
  AddressSid: 'address_sid',
  EmergencyAddressSid: 'emergency_address_sid',
  BundleSid: 'bundle_sid',
  EmergencyStatus: 'emergency_status',
  VoiceReceiveMode: 'voice_receive_mode',
};
const methodFields = new Set(['VoiceMethod', 'VoiceFallbackMethod', 'SmsMethod', 'SmsFallbackMethod', 'StatusCallbackMethod']);
const urlFields = new Set(['VoiceUrl', 'VoiceFallbackUrl', 'SmsUrl', 'SmsFallbackUrl', 'StatusCallback']);

const defaultConfig = (): OwnedNumber['config'] => ({
  voice_url: null, voice_method: 'POST', voice_fallback_url: null, voice_fallback_method: 'POST', voice_application_sid: null,
  sms_url: null, sms_method: 'POST', sms_fallback_url: null, sms_fallback_method: 'POST', sms_application_sid: null,
  status_callback: null, status_callback_method: 'POST', trunk_sid: null, identity_sid: null, address_sid: null,
  emergency_address_sid: null, bundle_sid: null, emergency_status: 'Inactive', voice_receive_mode: 'voice',
  voice_caller_id_lookup: false,
});

/** "(415) 555-0100", as Twilio formats friendly names. */
const formatNational = (n: string) => `(${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}`;

/** Whether a TK… SID names one of the account's Elastic SIP trunks. */
export type TrunkExists = (accountSid: string, trunkSid: string) => boolean;

/** Applies form config to a number; Twilio's validation errors for what it checks. */
function applyConfig(target: OwnedNumber['config'], form: Form, accountSid: string, trunkExists: TrunkExists) {
  for (const [field, prop] of Object.entries(configFields)) {
    const raw = formString(form[field]);
    if (raw === undefined) continue;
    if (methodFields.has(field)) {
      const m = raw.toUpperCase();
      if (m !== 'GET' && m !== 'POST') throw new TwilioError(400, 21403, `${field} must be GET or POST`);
      target[prop] = m;
    } else if (urlFields.has(field) && raw !== '' && !/^https?:\/\/[^\s]+$/i.test(raw)) {
      throw new TwilioError(400, 21502, `${field} is not a valid URL: ${raw}`);
    } else {
      target[prop] = raw === '' ? null : raw;
    }
  }
  // "Setting a trunk_sid will automatically delete your voice_application_sid and vice versa" (the spec).
  const trunkSid = formString(form.TrunkSid);
  if (trunkSid) {
    if (!trunkExists(accountSid, trunkSid)) throw new TwilioError(404, 20404, `The requested resource /v1/Trunks/${trunkSid} was not found`);
    target.voice_application_sid = null;
  } else if (formString(form.VoiceApplicationSid)) {
    target.trunk_sid = null;
  }
  const lookup = formBool(form.VoiceCallerIdLookup);
  if (lookup !== undefined) target.voice_caller_id_lookup = lookup;
}

export function serializeNumber(n: OwnedNumber) {
  const inv = n.inventory;
  const base = `/2010-04-01/Accounts/${n.accountSid}/IncomingPhoneNumbers/${n.sid}`;
  return {
    account_sid: n.accountSid,
    address_sid: n.config.address_sid,
    address_requirements: 'none',
    api_version: '2010-04-01',
    beta: false,
    capabilities: { ...inv.capabilities },
    date_created: rfc2822(n.dateCreated),
    date_updated: rfc2822(n.dateUpdated),
    friendly_name: n.friendlyName,
    identity_sid: n.config.identity_sid,
    phone_number: inv.phoneNumber,
    origin: 'twilio',
    sid: n.sid,
    sms_application_sid: n.config.sms_application_sid,
    sms_fallback_method: n.config.sms_fallback_method,
    sms_fallback_url: n.config.sms_fallback_url,
    sms_method: n.config.sms_method,
    sms_url: n.config.sms_url,
    status_callback: n.config.status_callback,
    status_callback_method: n.config.status_callback_method,
    trunk_sid: n.config.trunk_sid,
    uri: `${base}.json`,
    voice_receive_mode: n.config.voice_receive_mode,
    voice_application_sid: n.config.voice_application_sid,
    voice_caller_id_lookup: n.config.voice_caller_id_lookup,
    voice_fallback_method: n.config.voice_fallback_method,
    voice_fallback_url: n.config.voice_fallback_url,
    voice_method: n.config.voice_method,
    voice_url: n.config.voice_url,
    emergency_status: n.config.emergency_status,
    emergency_address_sid: n.config.emergency_address_sid,
    emergency_address_status: 'unregistered',
    bundle_sid: n.config.bundle_sid,
    status: 'in-use',
    type: inv.tollFree ? 'tollfree' : 'local',
  };
}

function serializeAvailable(n: InventoryNumber) {
  return {
    friendly_name: formatNational(n.nationalNumber),
    phone_number: n.phoneNumber,
    lata: n.lata || null,
    locality: n.locality || null,
    rate_center: n.rateCenter || null,
    latitude: n.latitude,
    longitude: n.longitude,
    region: n.region || null,
    postal_code: n.postalCode || null,
    iso_country: 'US',
    address_requirements: 'none',
    beta: false,
    capabilities: { voice: n.capabilities.voice, sms: n.capabilities.sms, mms: n.capabilities.mms },
  };
}

const accountOf = (req: FastifyRequest) => (req as FastifyRequest & { accountSid: string }).accountSid;

/** Core API 2010: AvailablePhoneNumbers and IncomingPhoneNumbers. */
export const numbersProduct: FastifyPluginAsync<{
  state: SandboxState;
  trunkExists: TrunkExists;
  /** The trust product a number is assigned to, if any: such a number can't be released (60736). */
  trustProductHolding: (accountSid: string, numberSid: string) => string | null;
}> = async (app, { state, trunkExists, trustProductHolding }) => {
  const prefix = '/2010-04-01/Accounts/:AccountSid';

  function search(req: FastifyRequest, tollFree: boolean) {
    const { CountryCode } = req.params as { CountryCode: string };
    if (CountryCode !== 'US') throw new TwilioError(404, 20404, `The requested resource /AvailablePhoneNumbers/${CountryCode} was not found`);
    const q = req.query as Query;
    const areaCode = q.AreaCode;
    if (areaCode !== undefined && !/^\d{3}$/.test(areaCode)) throw new TwilioError(400, 21451, `Invalid area code ${areaCode}`);
    let codes: string[];
    if (tollFree) codes = areaCode ? (tollFreePrefixes.includes(areaCode) ? [areaCode] : []) : tollFreePrefixes;
    else codes = areaCode ? [areaCode] : ['415', '212', '312', '213', '617', '305', '503', '602'];
    const contains = q.Contains ? containsMatcher(q.Contains) : null;
    const want = { sms: formBool(q.SmsEnabled), mms: formBool(q.MmsEnabled), voice: formBool(q.VoiceEnabled), fax: formBool(q.FaxEnabled) };
    const pageSize = Math.min(1000, Math.max(1, Number(q.PageSize ?? 50) || 50));
    const found: InventoryNumber[] = [];
    for (const code of codes) {
      for (const n of state.areaCode(code, accountOf(req))) {
        if (found.length >= pageSize) break;
        if (!state.isAvailable(n.phoneNumber)) continue;
        if (contains && !contains(n.nationalNumber)) continue;
        if (q.InRegion && n.region !== q.InRegion) continue;
        if (q.InPostalCode && n.postalCode !== q.InPostalCode) continue;
        if ((Object.keys(want) as (keyof typeof want)[]).some((k) => want[k] !== undefined && n.capabilities[k] !== want[k])) continue;
        found.push(n);
      }
    }
    const path = req.url.split('?')[0];
    return { available_phone_numbers: found.map(serializeAvailable), uri: req.url.startsWith(path!) ? req.url : path };
  }

  app.get(`${prefix}/AvailablePhoneNumbers/:CountryCode/Local.json`, async (req) => search(req, false));
  app.get(`${prefix}/AvailablePhoneNumbers/:CountryCode/TollFree.json`, async (req) => search(req, true));

  function buy(req: FastifyRequest, kind: 'any' | 'local' | 'tollfree') {
    const form = (req.body ?? {}) as Form;
    const accountSid = accountOf(req);
    let phoneNumber = formString(form.PhoneNumber);
    const areaCode = formString(form.AreaCode);
    if (!phoneNumber && !areaCode) throw new TwilioError(400, 21450, 'A PhoneNumber or AreaCode is required');
    let inv: InventoryNumber | undefined;
    if (phoneNumber) {
      if (!/^\+1\d{10}$/.test(phoneNumber)) throw new TwilioError(400, 21421, `PhoneNumber is invalid: ${phoneNumber}`);
      inv = state.lookup(phoneNumber, accountSid);
      if (!inv || !state.isAvailable(phoneNumber)) {
        throw new TwilioError(400, 21422, `PhoneNumber ${phoneNumber} is not available.`);
      }
    } else {
      if (!/^\d{3}$/.test(areaCode!)) throw new TwilioError(400, 21451, `Invalid area code ${areaCode}`);
      inv = state.areaCode(areaCode!, accountSid).find((n) => state.isAvailable(n.phoneNumber));
      if (!inv) throw new TwilioError(400, 21452, `No phone numbers found in area code ${areaCode}`);
      phoneNumber = inv.phoneNumber;
    }
    if ((kind === 'local' && inv.tollFree) || (kind === 'tollfree' && !inv.tollFree)) {
      throw new TwilioError(400, 21422, `PhoneNumber ${phoneNumber} is not available.`);
    }
    const now = new Date();
    const owned: OwnedNumber = {
      sid: newSid('PN'),
      accountSid,
      inventory: inv,
      friendlyName: formatNational(inv.nationalNumber),
      dateCreated: now,
      dateUpdated: now,
      config: defaultConfig(),
    };
    applyConfig(owned.config, form, accountSid, trunkExists);
    const fn = formString(form.FriendlyName);
    if (fn) owned.friendlyName = fn.slice(0, 64);
    state.numbers.set(owned.sid, owned);
    state.ownedByPhone.set(inv.phoneNumber, owned.sid);
    return serializeNumber(owned);
  }

  app.post(`${prefix}/IncomingPhoneNumbers.json`, async (req, reply) => reply.code(201).send(buy(req, 'any')));
  // The typed variants' resource has no `type` field (it is implied by the path).
  const untyped = ({ type: _type, ...rest }: ReturnType<typeof serializeNumber>) => rest;
  app.post(`${prefix}/IncomingPhoneNumbers/Local.json`, async (req, reply) => reply.code(201).send(untyped(buy(req, 'local'))));
  app.post(`${prefix}/IncomingPhoneNumbers/TollFree.json`, async (req, reply) => reply.code(201).send(untyped(buy(req, 'tollfree'))));

  app.get(`${prefix}/IncomingPhoneNumbers.json`, async (req) => {
    const q = req.query as Query;
    const accountSid = accountOf(req);
    const digits = q.PhoneNumber?.replace(/[^\d*]/g, '');
    const matcher = digits ? new RegExp(digits.replace(/\*/g, '\\d')) : null;
    const mine = [...state.numbers.values()]
      .filter((n) => n.accountSid === accountSid)
      .filter((n) => !matcher || matcher.test(n.inventory.phoneNumber.slice(1)))
      .filter((n) => !q.FriendlyName || n.friendlyName === q.FriendlyName)
      .filter((n) => !q.Origin || q.Origin === 'twilio')
      .sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime() || a.sid.localeCompare(b.sid));
    return page2010('incoming_phone_numbers', mine.map(serializeNumber), `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers.json`, q);
  });

  function owned(req: FastifyRequest): OwnedNumber {
    const { Sid } = req.params as { Sid: string };
    const sid = Sid.replace(/\.json$/, '');
    const n = state.numbers.get(sid);
    if (!n || n.accountSid !== accountOf(req) || !Sid.endsWith('.json')) {
      throw new TwilioError(404, 20404, `The requested resource /2010-04-01/Accounts/${accountOf(req)}/IncomingPhoneNumbers/${Sid} was not found`);
    }
    return n;
  }

  /**
   * `AccountSid` moves the number to another account of one hierarchy (parent ↔ child, child ↔ child), with the
   * parent's auth token only. An account the caller can't reach — unrelated, or any other account for a
   * subaccount's credentials — is not found (20404); an inactive gaining account is 21472.
   */
  function gainingAccount(req: FastifyRequest, n: OwnedNumber, form: Form): string | undefined {
    const to = formString(form.AccountSid);
    if (!to || to === n.accountSid) return undefined;
    const caller = state.accounts.get(req.credentialAccountSid);
    const gaining = state.accounts.get(to);
    const byParent = caller !== undefined && !caller.ownerAccountSid && req.credentialKind !== 'apiKey';
    if (!gaining || !byParent || !inHierarchyOf(state, to, caller.sid)) {
      throw new TwilioError(404, 20404, `The requested resource /2010-04-01/Accounts/${to}.json was not found`);
    }
    if (statusOf(state, gaining) !== 'active') throw new TwilioError(400, 21472, `Account ${to} is not active`);
    return to;
  }

  app.get(`${prefix}/IncomingPhoneNumbers/:Sid`, async (req) => serializeNumber(owned(req)));
  app.post(`${prefix}/IncomingPhoneNumbers/:Sid`, async (req) => {
    const n = owned(req);
    const form = (req.body ?? {}) as Form;
    const gaining = gainingAccount(req, n, form);
    const next = { ...n.config };
    // The losing account's trunk stays behind (a trunk of the gaining account may be named in the same request).
    if (gaining) next.trunk_sid = null;
    applyConfig(next, form, gaining ?? n.accountSid, trunkExists);
    n.config = next;
    if (gaining) n.accountSid = gaining;
    const fn = formString(form.FriendlyName);
    if (fn !== undefined) n.friendlyName = fn === '' ? formatNational(n.inventory.nationalNumber) : fn.slice(0, 64);
    n.dateUpdated = new Date();
    return serializeNumber(n);
  });
  app.delete(`${prefix}/IncomingPhoneNumbers/:Sid`, async (req, reply) => {
    const n = owned(req);
    const heldBy = trustProductHolding(n.accountSid, n.sid);
    if (heldBy) throw new TwilioError(400, 60736, `Phone number ${n.inventory.phoneNumber} is assigned to trust product ${heldBy}; remove the channel endpoint assignment first`);
    state.numbers.delete(n.sid);
    state.ownedByPhone.delete(n.inventory.phoneNumber);
    return reply.code(204).send();
  });
};
