/**
 * What the cross-tenant sweep (cross-tenant.ts) compares: one tenant's API views (every list, paged to the
 * end, and every detail behind it) and what Twilio — the sandbox, read through the official SDK — holds for
 * the objects those views name; when a tenant has settled (nothing of it still moving); and the ids in it.
 */
import type { buildApp } from '../../api/app';
import type { TwilioClient } from '../../activities/kit/twilio-client';

export type Api = Awaited<ReturnType<typeof buildApp>>;
export type Headers = Record<string, string>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
export interface Answer {
  status: number;
  json: Json;
  text: string;
}

export async function call(app: Api, method: string, url: string, headers: Headers, body?: unknown): Promise<Answer> {
  const res = await app.inject({ method: method as 'GET', url, headers, ...(body === undefined ? {} : { payload: body as object }) });
  let json: Json;
  try {
    json = res.json();
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, json, text: res.body };
}

/** Polls `check` until it answers something other than undefined (a condition, never a fixed wait). */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const enc = encodeURIComponent;

/** Every list a tenant has, with the details each item opens (the GETs a client would make). */
const LISTS: { list: string; details: (item: Json) => string[] }[] = [
  { list: '/v1/numbers', details: (n) => [`/v1/numbers/${enc(n.phoneNumber)}`, ...(n.status === 'active' ? [`/v1/number-health/${enc(n.phoneNumber)}`] : [])] },
  { list: '/v1/jobs', details: (j) => [`/v1/jobs/${j.id}`, `/v1/jobs/${j.id}/items?limit=1000`] },
  { list: '/v1/a2p/registrations', details: (r) => [`/v1/a2p/registrations/${r.id}`] },
  { list: '/v1/a2p/business-profiles', details: (p) => [`/v1/a2p/business-profiles/${p.sid}`] },
  { list: '/v1/a2p/brands', details: (b) => [`/v1/a2p/brands/${b.sid}`] },
  { list: '/v1/a2p/campaigns', details: (c) => [`/v1/a2p/campaigns/${c.sid}`] },
  // refresh=false: the stored trunk, not a live read that would stamp a new observedAt.
  { list: '/v1/sip/trunks', details: (t) => [`/v1/sip/trunks/${t.id}?refresh=false`, `/v1/sip/trunks/${t.id}/phone-numbers`] },
  { list: '/v1/voice-trust/registrations', details: (v) => [`/v1/voice-trust/registrations/${v.id}`] },
  { list: '/v1/tollfree/verifications', details: (v) => [`/v1/tollfree/verifications/${v.id}`] },
  { list: '/v1/webhook-endpoints', details: (e) => [`/v1/webhook-endpoints/${e.id}/deliveries?limit=100`] },
  { list: '/v1/audit', details: () => [] },
  { list: '/v1/number-health', details: () => [] },
];
const SINGLES = ['/v1/costs', '/v1/number-health/policy', '/v1/api-keys'];

export type Views = Record<string, { status: number; json: Json }>;

/** A whole list, page after page (webhook endpoints come unpaged). */
async function wholeList(app: Api, headers: Headers, list: string): Promise<{ status: number; json: Json }> {
  const data: Json[] = [];
  let cursor: string | null = null;
  do {
    const page = await call(app, 'GET', `${list}?limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`, headers);
    if (page.status !== 200) return { status: page.status, json: page.json };
    data.push(...(page.json.data as Json[]));
    cursor = (page.json.nextCursor as string | null | undefined) ?? null;
  } while (cursor);
  return { status: 200, json: { data } };
}

export const itemsOf = (views: Views, list: string): Json[] => (views[list]?.json?.data as Json[] | undefined) ?? [];

/** Everything the tenant's key can read, by URL. */
export async function tenantViews(app: Api, headers: Headers): Promise<Views> {
  const views: Views = {};
  for (const { list, details } of LISTS) {
    views[list] = await wholeList(app, headers, list);
    for (const item of itemsOf(views, list)) {
      for (const url of details(item)) {
        const res = await call(app, 'GET', url, headers);
        views[url] = { status: res.status, json: res.json };
      }
    }
  }
  for (const url of SINGLES) {
    const res = await call(app, 'GET', url, headers);
    views[url] = { status: res.status, json: res.json };
  }
  return views;
}

/**
 * Fields that change without any write, left out of the comparison: an API key's `lastUsedAt` moves each time
 * the sweep reads with it, and a bundle's, brand's or campaign's `updatedAt` each time its detail GET reads the
 * status back from Twilio (activities/a2p/registration.ts recordStatus stamps it even when the status is the same).
 */
export function withoutReadStamps(views: Views): Views {
  const out: Views = {};
  for (const [url, view] of Object.entries(views)) {
    const a2pReadBack = /^\/v1\/a2p\/(business-profiles|brands|campaigns)\b/.test(url);
    out[url] = JSON.parse(JSON.stringify(view), (key, value) => (key === 'lastUsedAt' || (a2pReadBack && key === 'updatedAt') ? undefined : value));
  }
  return out;
}

/** Statuses that still move on their own (a workflow, a job, a review in progress), by list. */
const MOVING: Record<string, (item: Json) => boolean> = {
  '/v1/jobs': (j) => ['queued', 'running', 'cancelling'].includes(j.status),
  '/v1/sip/trunks': (t) => ['provisioning', 'updating', 'deleting'].includes(t.status),
  '/v1/a2p/registrations': (r) => ['queued', 'running', 'waiting_for_review', 'needs_attention'].includes(r.status),
  '/v1/a2p/business-profiles': (p) => ['pending-review', 'in-review'].includes(p.status),
  '/v1/a2p/brands': (b) => ['PENDING', 'IN_REVIEW'].includes(b.status),
  '/v1/a2p/campaigns': (c) => ['PENDING', 'IN_PROGRESS'].includes(c.status),
  '/v1/voice-trust/registrations': (v) => ['queued', 'running', 'in_review', 'needs_attention'].includes(v.status),
  '/v1/tollfree/verifications': (v) => ['queued', 'submitting', 'in_review', 'needs_attention'].includes(v.status),
};
// Bundles, brands and campaigns are read back from Twilio by their detail GET only.
const REFRESHED_BY_DETAIL: Record<string, string> = { '/v1/a2p/business-profiles': 'sid', '/v1/a2p/brands': 'sid', '/v1/a2p/campaigns': 'sid' };

async function stillMoving(app: Api, headers: Headers): Promise<string[]> {
  const moving: string[] = [];
  for (const [list, isMoving] of Object.entries(MOVING)) {
    for (const item of (await wholeList(app, headers, list)).json?.data ?? []) {
      if (!isMoving(item)) continue;
      const key = REFRESHED_BY_DETAIL[list];
      const now = key ? (await call(app, 'GET', `${list}/${item[key]}`, headers)).json : item;
      if (isMoving(now)) moving.push(`${list} ${item.id ?? item.sid} ${now.status}`);
    }
  }
  return moving;
}

/** Waits until nothing of the tenant moves on its own; throws naming what still does. */
export async function settle(app: Api, headers: Headers, who: string, timeoutMs = 240_000): Promise<void> {
  let last: string[] = [];
  await until(`${who} to settle`, async () => {
    last = await stillMoving(app, headers);
    return last.length ? undefined : true;
  }, timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}; still moving: ${last.slice(0, 5).join(', ')}`);
  });
}

/** A Twilio read that may 404 (a deleted object): its state is then the error's status. */
const orStatus = <T>(p: Promise<T>) => p.catch((err: { status?: number }) => ({ error: err.status ?? 'unknown' }));
const sorted = (xs: string[]) => [...xs].sort();

async function bundleState(sdk: TwilioClient, kind: 'customer_profile' | 'trust_product', sid: string) {
  const th = sdk.trusthub.v1;
  if (kind === 'customer_profile') {
    const p = th.customerProfiles(sid);
    return orStatus(Promise.all([p.fetch(), p.customerProfilesEntityAssignments.list(), p.customerProfilesChannelEndpointAssignment.list()]).then(([b, e, c]) => ({
      status: b.status, entities: sorted(e.map((a) => a.objectSid)), channelEndpoints: sorted(c.map((a) => a.channelEndpointSid)),
    })));
  }
  const t = th.trustProducts(sid);
  return orStatus(Promise.all([t.fetch(), t.trustProductsEntityAssignments.list(), t.trustProductsChannelEndpointAssignment.list()]).then(([b, e, c]) => ({
    status: b.status, entities: sorted(e.map((a) => a.objectSid)), channelEndpoints: sorted(c.map((a) => a.channelEndpointSid)),
  })));
}

async function trunkState(sdk: TwilioClient, accountSid: string, trunkSid: string) {
  const t = sdk.trunking.v1.trunks(trunkSid);
  const sip = sdk.api.v2010.accounts(accountSid).sip;
  return orStatus((async () => {
    const [trunk, numbers, credentialLists, acls, uris] = await Promise.all([t.fetch(), t.phoneNumbers.list(), t.credentialsLists.list(), t.ipAccessControlLists.list(), t.originationUrls.list()]);
    const credentials: Record<string, string[]> = {};
    for (const l of credentialLists) credentials[l.sid] = sorted((await sip.credentialLists(l.sid).credentials.list()).map((c) => c.username));
    const addresses: Record<string, string[]> = {};
    for (const l of acls) addresses[l.sid] = sorted((await sip.ipAccessControlLists(l.sid).ipAddresses.list()).map((a) => `${a.ipAddress}/${a.cidrPrefixLength}`));
    return {
      domainName: trunk.domainName, secure: trunk.secure, phoneNumbers: sorted(numbers.map((n) => n.sid)),
      credentials, addresses, originationUrls: sorted(uris.map((u) => `${u.sipUrl} ${u.priority} ${u.weight} ${u.enabled}`)),
    };
  })());
}

async function numberState(sdk: TwilioClient, accountSid: string, sid: string) {
  return orStatus(sdk.api.v2010.accounts(accountSid).incomingPhoneNumbers(sid).fetch().then((n) => ({
    phoneNumber: n.phoneNumber, trunkSid: n.trunkSid, voiceUrl: n.voiceUrl, smsUrl: n.smsUrl, friendlyName: n.friendlyName,
    voiceApplicationSid: n.voiceApplicationSid, statusCallback: n.statusCallback,
  })));
}

async function serviceState(sdk: TwilioClient, serviceSid: string) {
  const s = sdk.messaging.v1.services(serviceSid);
  return orStatus(Promise.all([s.phoneNumbers.list(), s.usAppToPerson.list()]).then(([numbers, campaigns]) => ({
    phoneNumbers: sorted(numbers.map((n) => n.sid)), campaigns: sorted(campaigns.map((c) => `${c.sid} ${c.campaignStatus}`)),
  })));
}

/**
 * What the sandbox holds for the objects a tenant's views name: each bundle's status, entity and channel
 * endpoint assignments; each brand's status; each Messaging Service's numbers and campaigns; each trunk's
 * numbers, credential lists (with their usernames), IP lists and origination URLs; each live number's routing;
 * each toll-free verification's status.
 */
export async function sandboxState(sdk: TwilioClient, accountSid: string, views: Views): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  for (const p of itemsOf(views, '/v1/a2p/business-profiles')) state[p.sid] = await bundleState(sdk, p.kind, p.sid);
  for (const v of itemsOf(views, '/v1/voice-trust/registrations')) if (v.trustProductSid) state[v.trustProductSid] = await bundleState(sdk, 'trust_product', v.trustProductSid);
  for (const b of itemsOf(views, '/v1/a2p/brands')) state[b.sid] = await orStatus(sdk.messaging.v1.brandRegistrations(b.sid).fetch().then((x) => x.status));
  const services = new Set<string>([
    ...itemsOf(views, '/v1/a2p/campaigns').map((c) => c.messagingServiceSid),
    ...itemsOf(views, '/v1/a2p/registrations').map((r) => r.sids?.messagingService),
  ].filter(Boolean));
  for (const mg of services) state[mg] = await serviceState(sdk, mg);
  for (const t of itemsOf(views, '/v1/sip/trunks')) if (t.trunkSid && t.status !== 'deleted') state[t.trunkSid] = await trunkState(sdk, accountSid, t.trunkSid);
  for (const n of itemsOf(views, '/v1/numbers')) if (n.status === 'active' && n.twilioSid) state[n.twilioSid] = await numberState(sdk, accountSid, n.twilioSid);
  for (const v of itemsOf(views, '/v1/tollfree/verifications')) {
    if (v.verificationSid) state[v.verificationSid] = await orStatus(sdk.messaging.v1.tollfreeVerifications(v.verificationSid).fetch().then((x) => x.status));
  }
  return state;
}

/** Up to `max` paths where two JSON values differ, e.g. `["/v1/sip/trunks"].data.0.status: "active" → "deleting"`. */
export function differences(before: unknown, after: unknown, path = '', max = 5): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const bothObjects = before && after && typeof before === 'object' && typeof after === 'object' && Array.isArray(before) === Array.isArray(after);
  if (!bothObjects) return [`${path}: ${JSON.stringify(before)?.slice(0, 200)} → ${JSON.stringify(after)?.slice(0, 200)}`];
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const out: string[] = [];
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    out.push(...differences(b[key], a[key], `${path}${Array.isArray(before) ? `.${key}` : `[${JSON.stringify(key)}]`}`, max - out.length));
    if (out.length >= max) break;
  }
  return out;
}

// UUIDs (ours), Twilio SIDs and delivery ids; the account SID (AC) and Trust Hub policy SIDs (RN) are everyone's.
const ID_PATTERN = /\b(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Z]{2}[0-9a-f]{32}|msg_[0-9a-f]{32})\b/g;
const SHARED_PREFIXES = ['AC', 'RN'];

/** The ids in any JSON value or text. */
export function idsIn(value: unknown): Set<string> {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  return new Set([...text.matchAll(ID_PATTERN)].map((m) => m[0]).filter((id) => !SHARED_PREFIXES.includes(id.slice(0, 2))));
}
