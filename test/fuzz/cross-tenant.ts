/**
 * The fuzz run's cross-tenant write sweep (issue #20 §1), run after Schemathesis and the read sweep.
 *
 * The first tenant (A, the fuzzed one) makes one of everything with known Idempotency-Keys: a number, a
 * business profile and an A2P trust product on it (approved, with a brand and a campaign), a SIP trunk with a
 * credential list, an IP list and the number, a bulk buy, release and lookup, an A2P registration, a SHAKEN/STIR
 * registration, a toll-free verification, and a webhook delivery. Then the second tenant (B):
 *  1. replays every one of A's keyed POSTs with the same key and body: its own resource (2xx) or a 4xx, never a
 *     5xx, and never one of A's ids in the answer. Which POSTs take a key is read from the OpenAPI document, so a
 *     new keyed endpoint without a replay here fails the sweep;
 *  2. names A's SIDs and ids in bodies and paths (profiles, brands, campaigns, trunks' lists and numbers, voice
 *     trust, registrations, jobs, deliveries, keys): each a 404 `not_found` or a 400 naming the field;
 *  3. leaves A unchanged: what the sandbox holds for A (counted through the official SDK) and every view A's key
 *     reads are the same after as before.
 * Returns the problems found (none: the sweep passed).
 */
import { randomBytes } from 'node:crypto';
import { PRIMARY_PROFILE_POLICY_SID } from '../../worker/trusthub-setup';
import { createTwilioClient, type TwilioClient } from '../../activities/kit/twilio-client';
import type { Db } from '../../db/kit/pool';
import { goodDraft } from '../fixtures/a2p-draft';
import { tollfreeDraft } from '../fixtures/tollfree-draft';
import {
  call,
  differences,
  idsIn,
  itemsOf,
  sandboxState,
  settle,
  tenantViews,
  until,
  withoutReadStamps,
  type Answer,
  type Api,
  type Headers,
  type Views,
} from './cross-tenant-state';

export interface SweepInput {
  app: Api;
  db: Db;
  /** The first tenant's (the fuzzed tenant's) key. */
  headers: Headers;
  /** The second tenant's key. */
  other: Headers;
  /** The stack's sandbox, to count what Twilio holds and to make reviews fast. */
  sandbox: { sandboxUrl: string; accountSid: string; authToken: string };
}

/** What the second tenant's answer must be. */
type Expectation =
  | { kind: 'own' } // a replay: its own resource (2xx) or a 4xx
  | { kind: 'not_found' }
  | { kind: 'field'; field: string } // 400 naming the field
  | { kind: 'code'; status: number; code: string }
  // The documented contract answers 2xx and refuses inside the answer (checked after B has settled).
  | { kind: 'documented'; status: number; why: string; check: (answer: Answer) => Promise<string | undefined> };

interface Attempt {
  method: 'POST' | 'PATCH' | 'DELETE' | 'GET';
  url: string;
  body?: unknown;
  headers?: Headers;
  expect: Expectation;
}

interface Replay {
  op: string;
  url: string;
  headers: Headers;
  body: Record<string, unknown>;
}

interface Ctx {
  input: SweepInput;
  sdk: TwilioClient;
  tag: string;
  replays: Replay[];
  /** A's ids and numbers, and the ones B has itself named (B may see those echoed back). */
  aIds: Set<string>;
  named: Set<string>;
  attempts: number;
  followUps: (() => Promise<string | undefined>)[];
}

// ---------------------------------------------------------------------------------------------------------
// The keyed POSTs, from the OpenAPI document

export type Doc = { paths: Record<string, Record<string, Op>>; components?: { schemas?: Record<string, Schema> } };
type Op = { parameters?: { in: string; name: string }[]; requestBody?: { content?: Record<string, { schema?: Schema }> }; security?: Record<string, unknown>[] };
type Schema = { $ref?: string; properties?: Record<string, Schema>; allOf?: Schema[]; anyOf?: Schema[]; oneOf?: Schema[] };

function bodyTakesKey(doc: Doc, schema: Schema | undefined, seen = new Set<string>()): boolean {
  if (!schema) return false;
  if (schema.$ref) {
    if (seen.has(schema.$ref)) return false;
    seen.add(schema.$ref);
    return bodyTakesKey(doc, doc.components?.schemas?.[schema.$ref.split('/').pop()!], seen);
  }
  if (schema.properties && 'idempotencyKey' in schema.properties) return true;
  return [...(schema.allOf ?? []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].some((s) => bodyTakesKey(doc, s, seen));
}

/** "POST /v1/…" for every tenant operation of the document taking an Idempotency-Key header or an `idempotencyKey` body field. */
export function keyedOperations(doc: Doc): string[] {
  const keyed: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      // The operator API's (operator keys only): no tenant's key reaches it, so there is no second tenant to replay as.
      if (op.security?.some((sec) => 'operatorKey' in sec)) continue;
      const header = (op.parameters ?? []).some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
      if (header || bodyTakesKey(doc, op.requestBody?.content?.['application/json']?.schema)) keyed.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return keyed;
}

// ---------------------------------------------------------------------------------------------------------
// The first tenant's side

/** A's request; anything but the statuses it should get stops the sweep (nothing to compare against). */
async function asFirst(c: Ctx, method: string, url: string, body: unknown, ok: number[], headers: Headers = {}) {
  const res = await call(c.input.app, method, url, { ...c.input.headers, ...headers }, body);
  if (!ok.includes(res.status)) throw new Error(`setup: ${method} ${url} as the first tenant answered ${res.status} ${res.text.slice(0, 300)}`);
  return res.json;
}

/** A's keyed POST, kept as the replay B makes later. */
async function keyedByFirst(c: Ctx, url: string, body: Record<string, unknown>, where: 'header' | 'body', ok: number[]) {
  const key = `${c.tag}-${url.split('/').pop()}-${c.replays.length}`;
  const headers: Headers = where === 'header' ? { 'idempotency-key': key } : {};
  const sent = where === 'body' ? { ...body, idempotencyKey: key } : body;
  c.replays.push({ op: `POST ${url}`, url, headers, body: sent });
  return asFirst(c, 'POST', url, sent, ok, headers);
}

/** Waits for A's resource to stop moving and to be in one of `wanted`. */
async function firstReaches(c: Ctx, url: string, wanted: string[], moving: string[]) {
  const res = await until(`${url} to leave ${moving.join('/')}`, async () => {
    const r = await call(c.input.app, 'GET', url, c.input.headers);
    return r.status === 200 && moving.includes(r.json.status) ? undefined : r;
  });
  if (!wanted.includes(res.json?.status)) throw new Error(`setup: ${url} ended ${res.status} ${res.json?.status ?? res.text.slice(0, 200)}, wanted ${wanted.join('/')}`);
  return res.json;
}
const JOB_MOVING = ['queued', 'running', 'cancelling'];

async function buyAsFirst(c: Ctx, search: string, keyed: boolean) {
  const found = await asFirst(c, 'GET', `/v1/available-numbers?${search}&limit=1`, undefined, [200]);
  const phoneNumber = found.data[0]?.phoneNumber as string | undefined;
  if (!phoneNumber) throw new Error(`setup: no available number for ${search}`);
  const body = { phoneNumber };
  return (keyed ? await keyedByFirst(c, '/v1/numbers', body, 'header', [201]) : await asFirst(c, 'POST', '/v1/numbers', body, [201])) as { phoneNumber: string; twilioSid: string };
}

/** A business profile, the A2P trust product on it, both approved, the brand on them and a campaign. */
async function a2pChainOfFirst(c: Ctx) {
  const d = goodDraft();
  const profile = await keyedByFirst(c, '/v1/a2p/business-profiles', { kind: 'customer_profile', profile: d.profile, business: d.business, address: d.address, authorizedRepresentatives: d.authorizedRepresentatives }, 'header', [201]);
  const product = await keyedByFirst(c, '/v1/a2p/business-profiles', { kind: 'a2p_trust_product', customerProfileSid: profile.sid, profile: d.profile, company: d.company }, 'header', [201]);
  for (const sid of [profile.sid, product.sid]) {
    await asFirst(c, 'POST', `/v1/a2p/business-profiles/${sid}/submit`, undefined, [200]);
    await firstReaches(c, `/v1/a2p/business-profiles/${sid}`, ['twilio-approved'], ['draft', 'pending-review', 'in-review']);
  }
  const brand = await keyedByFirst(c, '/v1/a2p/brands', { customerProfileSid: profile.sid, trustProductSid: product.sid, brandType: 'low_volume_standard' }, 'header', [201]);
  await firstReaches(c, `/v1/a2p/brands/${brand.sid}`, ['APPROVED'], ['PENDING', 'IN_REVIEW']);
  const campaign = await keyedByFirst(c, '/v1/a2p/campaigns', { brandSid: brand.sid, friendlyName: 'Fuzz reminders', campaign: d.campaign }, 'header', [201]);
  await firstReaches(c, `/v1/a2p/campaigns/${campaign.sid}`, ['VERIFIED'], ['PENDING', 'IN_PROGRESS']);
  return { profile: profile.sid as string, product: product.sid as string, brand: brand.sid as string, campaign: campaign.sid as string };
}

const TRUNK_PASSWORD = 'Fuzz-Passw0rd-2024';

async function trunkOfFirst(c: Ctx, phoneNumber: string) {
  const created = await keyedByFirst(c, '/v1/sip/trunks', {
    friendlyName: 'Fuzz trunk',
    originationUris: [{ sipUrl: 'sip:pbx.fuzz.example.com;transport=tls' }],
    termination: {
      credentialLists: [{ friendlyName: 'fuzz-creds', credentials: [{ username: 'fuzz-user', password: TRUNK_PASSWORD }] }],
      ipAccessControlLists: [{ friendlyName: 'fuzz-acl', ipAddresses: [{ ip: '203.0.113.10' }] }],
    },
    phoneNumbers: [phoneNumber],
  }, 'header', [202]);
  const t = await firstReaches(c, `/v1/sip/trunks/${created.id}?refresh=false`, ['active'], ['provisioning', 'updating']);
  return {
    id: t.id as string, sid: t.trunkSid as string, credentialList: t.termination.credentialLists[0].sid as string,
    ipList: t.termination.ipAccessControlLists[0].sid as string, originationUri: t.originationUris[0].sid as string,
  };
}

/** Bulk buy (1 number), bulk release (of a number bought for it) and bulk lookup, each finished. */
async function jobsOfFirst(c: Ctx, lookedUp: string) {
  const buy = await keyedByFirst(c, '/v1/jobs/bulk-buy', { areaCode: '628', quantity: 1, capabilities: { sms: true, voice: true } }, 'body', [202]);
  await firstReaches(c, `/v1/jobs/${buy.id}`, ['succeeded'], JOB_MOVING);
  const bought = (await asFirst(c, 'GET', `/v1/jobs/${buy.id}/items`, undefined, [200])).data[0].phoneNumber as string;
  const toRelease = await buyAsFirst(c, 'areaCode=510', false);
  const release = await keyedByFirst(c, '/v1/jobs/bulk-release', { phoneNumbers: [toRelease.phoneNumber] }, 'body', [202]);
  await firstReaches(c, `/v1/jobs/${release.id}`, ['succeeded'], JOB_MOVING);
  const lookup = await keyedByFirst(c, '/v1/jobs/bulk-lookup', { phoneNumbers: [lookedUp] }, 'body', [202]);
  await firstReaches(c, `/v1/jobs/${lookup.id}`, ['succeeded'], JOB_MOVING);
  return { jobs: [buy.id, release.id, lookup.id] as string[], bought };
}

/** The A2P registration (on a number from the bulk buy), SHAKEN/STIR on the trunk's number, a toll-free verification. */
async function registrationsOfFirst(c: Ctx, a2pNumber: string, voiceNumber: string, profile: string) {
  const reg = await keyedByFirst(c, '/v1/a2p/registrations', { ...goodDraft(), phoneNumbers: [a2pNumber] }, 'header', [202]);
  const registration = await firstReaches(c, `/v1/a2p/registrations/${reg.id}`, ['completed'], ['queued', 'running', 'waiting_for_review', 'needs_attention']);
  const vt = await keyedByFirst(c, '/v1/voice-trust/registrations', { product: 'shaken_stir', businessProfileSid: profile, email: 'ops@acmedental.com', phoneNumbers: [voiceNumber] }, 'header', [202]);
  await firstReaches(c, `/v1/voice-trust/registrations/${vt.id}`, ['completed'], ['queued', 'running', 'in_review', 'needs_attention']);
  const tollfree = await buyAsFirst(c, 'type=toll-free', false);
  const tf = await keyedByFirst(c, '/v1/tollfree/verifications', tollfreeDraft(tollfree.phoneNumber), 'header', [202]);
  await firstReaches(c, `/v1/tollfree/verifications/${tf.id}`, ['completed'], ['queued', 'submitting', 'in_review', 'needs_attention']);
  return { registration: reg.id as string, registrationSids: registration.sids as Record<string, string>, voiceTrust: vt.id as string, tollfree: tf.id as string, tollfreeNumber: tollfree.phoneNumber };
}

/**
 * A webhook endpoint with a delivery in its log, written straight to PostgreSQL: the API only takes URLs that
 * resolve to public addresses, which this machine can't. It listens to number.rotated only (nothing here
 * rotates), and its delivery has failed, so the dispatcher leaves both alone unless someone resends it.
 */
async function endpointWithDelivery(db: Db, headers: Headers, app: Api) {
  const me = (await call(app, 'GET', '/v1/api-keys/current', headers)).json as { id: string };
  const { rows } = await db.query<{ tenant_id: string }>('SELECT tenant_id FROM api_keys WHERE id = $1', [me.id]);
  const tenantId = rows[0]!.tenant_id;
  const endpoint = await db.query<{ id: string }>(
    `INSERT INTO webhook_endpoints (tenant_id, url, event_types, secret_box) VALUES ($1, 'https://hooks.fuzz.example/in', '{number.rotated}', 'unused') RETURNING id`,
    [tenantId],
  );
  const endpointId = endpoint.rows[0]!.id;
  const deliveryId = `msg_${randomBytes(16).toString('hex')}`;
  await db.query(
    `INSERT INTO webhook_deliveries (id, endpoint_id, tenant_id, event_type, payload, status, attempts, last_error)
     VALUES ($1, $2, $3, 'number.rotated', '{"type":"number.rotated"}', 'failed', 8, 'gave up')`,
    [deliveryId, endpointId, tenantId],
  );
  return { endpointId, deliveryId, keyId: me.id };
}

async function setUpFirstTenant(c: Ctx) {
  // The fuzzer may have left a budget or a hygiene policy (whose passes release numbers) on this tenant.
  await asFirst(c, 'PUT', '/v1/costs/budget', { monthlyUsd: null }, [200]);
  await asFirst(c, 'DELETE', '/v1/number-health/policy', undefined, [200, 404]);
  const number = await buyAsFirst(c, 'areaCode=415&smsEnabled=true&voiceEnabled=true', true);
  const a2p = await a2pChainOfFirst(c);
  const trunk = await trunkOfFirst(c, number.phoneNumber);
  const jobs = await jobsOfFirst(c, number.phoneNumber);
  const regs = await registrationsOfFirst(c, jobs.bought, number.phoneNumber, a2p.profile);
  const hook = await endpointWithDelivery(c.input.db, c.input.headers, c.input.app);
  return { number: number.phoneNumber, numberSid: number.twilioSid, a2pNumber: jobs.bought, ...a2p, trunk, jobs: jobs.jobs, ...regs, ...hook };
}
type First = Awaited<ReturnType<typeof setUpFirstTenant>>;

// ---------------------------------------------------------------------------------------------------------
// The second tenant's side

const E164_PATTERN = /\+[1-9]\d{7,14}/g;

function judge(expect: Expectation, res: Answer): string | undefined {
  const error = res.json?.error as { code?: string; fields?: { field: string }[] } | undefined;
  const got = `${res.status} ${error?.code ?? ''}${error?.fields ? ` [${error.fields.map((f) => f.field).join(', ')}]` : ''}`.trim();
  switch (expect.kind) {
    case 'own':
      return res.status >= 500 || res.status < 200 || (res.status >= 300 && res.status < 400) ? `answered ${got}, wanted its own resource (2xx) or a 4xx` : undefined;
    case 'not_found':
      return res.status === 404 && error?.code === 'not_found' ? undefined : `answered ${got}, wanted 404 not_found`;
    case 'field':
      return res.status === 400 && error?.fields?.some((f) => f.field === expect.field) ? undefined : `answered ${got}, wanted 400 naming ${expect.field}`;
    case 'code':
      return res.status === expect.status && error?.code === expect.code ? undefined : `answered ${got}, wanted ${expect.status} ${expect.code}`;
    case 'documented':
      return res.status === expect.status ? undefined : `answered ${got}, wanted ${expect.status} (${expect.why})`;
  }
}

/** B's request: judged, and scanned for A's ids that B did not name itself. */
async function asSecond(c: Ctx, t: Attempt): Promise<{ problems: string[]; answer: Answer }> {
  const request = `${decodeURIComponent(t.url)} ${JSON.stringify(t.body ?? {})}`;
  const namedHere = new Set([...idsIn(request), ...(request.match(E164_PATTERN) ?? [])]);
  namedHere.forEach((id) => c.named.add(id));
  const answer = await call(c.input.app, t.method, t.url, { ...c.input.other, ...t.headers }, t.body);
  c.attempts += 1;
  const label = `${t.method} ${t.url}${t.headers?.['idempotency-key'] ? ` (Idempotency-Key ${t.headers['idempotency-key']})` : ''}`;
  const problems: string[] = [];
  const verdict = judge(t.expect, answer);
  if (verdict) problems.push(`${label} with the second tenant's key: ${verdict}`);
  const leaked = [...c.aIds].filter((id) => !namedHere.has(id) && answer.text.includes(id));
  if (leaked.length) problems.push(`${label} with the second tenant's key: the answer carries the first tenant's ${leaked.slice(0, 3).join(', ')}`);
  if (t.expect.kind === 'documented' && !verdict) {
    const check = t.expect.check;
    c.followUps.push(async () => {
      const why = await check(answer);
      return why && `${label} with the second tenant's key: ${why}`;
    });
  }
  return { problems, answer };
}

/** B replays each of A's keyed POSTs, same key, same body. */
async function replays(c: Ctx): Promise<{ problems: string[]; ownProfile?: string }> {
  const problems: string[] = [];
  let ownProfile: string | undefined;
  for (const r of c.replays) {
    const { problems: p, answer } = await asSecond(c, { method: 'POST', url: r.url, headers: r.headers, body: r.body, expect: { kind: 'own' } });
    problems.push(...p);
    if (r.body.kind === 'customer_profile' && answer.status === 201) ownProfile = answer.json.sid;
  }
  return { problems, ownProfile };
}

/** B's own things to aim with: a number, a customer profile and an active trunk (on a busy one, a change B shouldn't make could hide behind 409 trunk_busy). */
async function secondTenantsOwn(c: Ctx, ownProfile: string | undefined) {
  const { app, other } = c.input;
  const search = await call(app, 'GET', '/v1/available-numbers?areaCode=312&limit=1', other);
  const bought = await call(app, 'POST', '/v1/numbers', other, { phoneNumber: search.json?.data?.[0]?.phoneNumber });
  if (bought.status !== 201) throw new Error(`the second tenant could not buy a number: ${bought.status} ${bought.text.slice(0, 200)}`);
  const d = goodDraft();
  const profile = ownProfile ?? (await call(app, 'POST', '/v1/a2p/business-profiles', other, { kind: 'customer_profile', profile: d.profile, business: d.business, address: d.address, authorizedRepresentatives: d.authorizedRepresentatives })).json.sid;
  const created = await call(app, 'POST', '/v1/sip/trunks', other, { friendlyName: 'Second tenant trunk' });
  if (created.status !== 202) throw new Error(`the second tenant's own trunk: ${created.status} ${created.text.slice(0, 200)}`);
  const trunk = created.json.id as string;
  await until("the second tenant's trunk to be active", async () => ((await call(app, 'GET', `/v1/sip/trunks/${trunk}?refresh=false`, other)).json?.status === 'active' ? true : undefined));
  const hook = await endpointWithDelivery(c.input.db, other, app);
  return { number: bought.json.phoneNumber as string, profile: profile as string, trunk, endpoint: hook.endpointId };
}
type Second = Awaited<ReturnType<typeof secondTenantsOwn>>;

const notFound: Expectation = { kind: 'not_found' };
const field = (f: string): Expectation => ({ kind: 'field', field: f });

/** Every body and path of B's that names A's SIDs or ids. */
function namingAttempts(c: Ctx, a: First, b: Second): Attempt[] {
  const d = goodDraft();
  const trustProduct = (customerProfileSid: string) => ({ kind: 'a2p_trust_product', customerProfileSid, profile: d.profile, company: d.company });
  const regSids = a.registrationSids;
  const trunkPaths = [`/v1/sip/trunks/${a.trunk.id}`, `/v1/sip/trunks/${a.trunk.sid}`];
  return [
    // A2P: bundles, brands, campaigns built on A's.
    { method: 'POST', url: '/v1/a2p/business-profiles', body: trustProduct(a.profile), expect: notFound },
    { method: 'POST', url: '/v1/a2p/business-profiles', body: trustProduct(regSids.customerProfile!), expect: notFound },
    { method: 'POST', url: `/v1/a2p/business-profiles/${a.profile}/submit`, expect: notFound },
    { method: 'POST', url: `/v1/a2p/business-profiles/${a.product}/submit`, expect: notFound },
    { method: 'POST', url: '/v1/a2p/brands', body: { customerProfileSid: a.profile, trustProductSid: a.product, brandType: 'standard' }, expect: notFound },
    { method: 'POST', url: '/v1/a2p/brands', body: { customerProfileSid: b.profile, trustProductSid: a.product, brandType: 'standard' }, expect: notFound },
    { method: 'POST', url: '/v1/a2p/brands', body: { customerProfileSid: regSids.customerProfile, trustProductSid: regSids.trustProduct, brandType: 'standard' }, expect: notFound },
    { method: 'POST', url: '/v1/a2p/campaigns', body: { brandSid: a.brand, campaign: d.campaign }, expect: notFound },
    { method: 'POST', url: '/v1/a2p/campaigns', body: { brandSid: regSids.brand, campaign: d.campaign }, expect: notFound },
    { method: 'POST', url: `/v1/a2p/campaigns/${a.campaign}/phone-numbers`, body: { phoneNumbers: [b.number] }, expect: notFound },
    { method: 'POST', url: `/v1/a2p/campaigns/${regSids.campaign}/phone-numbers`, body: { phoneNumbers: [b.number] }, expect: notFound },
    { method: 'POST', url: '/v1/a2p/registrations', body: { ...d, phoneNumbers: [a.a2pNumber] }, expect: field('phoneNumbers.0') },
    { method: 'POST', url: `/v1/a2p/registrations/${a.registration}/corrections`, body: { business: { name: 'Second Tenant LLC' } }, expect: notFound },
    { method: 'POST', url: `/v1/a2p/registrations/${a.registration}/verification/resend`, expect: notFound },
    { method: 'POST', url: `/v1/a2p/registrations/${a.registration}/cancel`, expect: notFound },
    // SIP: A's lists and numbers in B's trunks, and A's trunk by its id and its TK SID.
    { method: 'POST', url: '/v1/sip/trunks', body: { friendlyName: 'x', termination: { credentialLists: [{ sid: a.trunk.credentialList }] } }, expect: field('termination.credentialLists.0.sid') },
    { method: 'POST', url: '/v1/sip/trunks', body: { friendlyName: 'x', termination: { ipAccessControlLists: [{ sid: a.trunk.ipList }] } }, expect: field('termination.ipAccessControlLists.0.sid') },
    { method: 'POST', url: '/v1/sip/trunks', body: { friendlyName: 'x', phoneNumbers: [a.number] }, expect: field('phoneNumbers.0') },
    { method: 'POST', url: '/v1/sip/trunks', body: { friendlyName: 'x', phoneNumbers: [a.numberSid], move: true }, expect: field('phoneNumbers.0') },
    { method: 'PATCH', url: `/v1/sip/trunks/${b.trunk}`, body: { termination: { credentialLists: [{ sid: a.trunk.credentialList }] } }, expect: field('termination.credentialLists.0.sid') },
    { method: 'PATCH', url: `/v1/sip/trunks/${b.trunk}`, body: { termination: { ipAccessControlLists: [{ sid: a.trunk.ipList }] } }, expect: field('termination.ipAccessControlLists.0.sid') },
    { method: 'PATCH', url: `/v1/sip/trunks/${b.trunk}`, body: { phoneNumbers: [a.number], move: true }, expect: field('phoneNumbers.0') },
    { method: 'POST', url: `/v1/sip/trunks/${b.trunk}/phone-numbers`, body: { phoneNumbers: [a.numberSid], move: true }, expect: field('phoneNumbers.0') },
    ...trunkPaths.flatMap((t): Attempt[] => [
      { method: 'PATCH', url: t, body: { friendlyName: 'taken over' }, expect: notFound },
      { method: 'POST', url: `${t}/origination-uris`, body: { sipUrl: 'sip:evil.example.com;transport=tls' }, expect: notFound },
      { method: 'DELETE', url: `${t}/origination-uris/${a.trunk.originationUri}`, expect: notFound },
      { method: 'POST', url: `${t}/phone-numbers`, body: { phoneNumbers: [b.number] }, expect: notFound },
      { method: 'DELETE', url: `${t}/phone-numbers/${encodeURIComponent(a.number)}`, expect: notFound },
      { method: 'DELETE', url: t, expect: notFound },
    ]),
    // Numbers, jobs, voice trust, toll-free, webhooks, keys.
    { method: 'POST', url: '/v1/numbers', body: { phoneNumber: a.number }, expect: { kind: 'code', status: 409, code: 'number_unavailable' } },
    { method: 'PATCH', url: `/v1/numbers/${encodeURIComponent(a.number)}`, body: { smsUrl: 'https://evil.example.com/sms' }, expect: notFound },
    { method: 'DELETE', url: `/v1/numbers/${encodeURIComponent(a.number)}`, expect: notFound },
    ...a.jobs.map((id): Attempt => ({ method: 'POST', url: `/v1/jobs/${id}/cancel`, expect: notFound })),
    { method: 'POST', url: '/v1/voice-trust/registrations', body: { product: 'shaken_stir', businessProfileSid: a.profile, email: 'ops@second.example', phoneNumbers: [b.number] }, expect: field('businessProfileSid') },
    { method: 'POST', url: '/v1/voice-trust/registrations', body: { product: 'cnam', businessProfileSid: regSids.customerProfile, email: 'ops@second.example', phoneNumbers: [b.number], displayName: 'Second Tenant' }, expect: field('businessProfileSid') },
    { method: 'POST', url: '/v1/voice-trust/registrations', body: { product: 'shaken_stir', businessProfileSid: b.profile, email: 'ops@second.example', phoneNumbers: [a.number] }, expect: field('phoneNumbers.0') },
    { method: 'POST', url: `/v1/voice-trust/registrations/${a.voiceTrust}/corrections`, body: {}, expect: notFound },
    { method: 'POST', url: `/v1/voice-trust/registrations/${a.voiceTrust}/cancel`, expect: notFound },
    { method: 'POST', url: '/v1/tollfree/verifications', body: tollfreeDraft(a.tollfreeNumber), expect: field('tollfreePhoneNumber') },
    { method: 'POST', url: `/v1/tollfree/verifications/${a.tollfree}/edit`, body: { editReason: 'taking it over' }, expect: notFound },
    { method: 'POST', url: `/v1/tollfree/verifications/${a.tollfree}/cancel`, expect: notFound },
    { method: 'POST', url: `/v1/webhook-endpoints/${a.endpointId}/deliveries/${a.deliveryId}/resend`, expect: notFound },
    { method: 'POST', url: `/v1/webhook-endpoints/${b.endpoint}/deliveries/${a.deliveryId}/resend`, expect: notFound },
    { method: 'DELETE', url: `/v1/webhook-endpoints/${a.endpointId}`, expect: notFound },
    { method: 'DELETE', url: `/v1/api-keys/${a.keyId}`, expect: notFound },
    // Reads the read sweep doesn't make.
    { method: 'GET', url: `/v1/number-health/${encodeURIComponent(a.number)}`, expect: notFound },
    { method: 'GET', url: `/v1/voice-trust/registrations/${a.voiceTrust}`, expect: notFound },
    { method: 'GET', url: `/v1/tollfree/verifications/${a.tollfree}`, expect: notFound },
    ...documentedRefusals(c, a),
  ];
}

/**
 * Where the documented contract takes any number and refuses per item inside a 2xx: a bulk release skips the
 * numbers the tenant doesn't own; outcomes and reputation of numbers that aren't the tenant's are refused one
 * by one; a lookup may be of any number (it reads Twilio's data about the number, not A's).
 */
function documentedRefusals(c: Ctx, a: First): Attempt[] {
  const numbers = [a.number, a.a2pNumber];
  const jobItems = async (answer: Answer) => {
    const items = (await call(c.input.app, 'GET', `/v1/jobs/${answer.json.id}/items`, c.input.other)).json.data as { phoneNumber: string; status: string }[];
    return items.map((i) => `${i.phoneNumber} ${i.status}`).sort().join(', ');
  };
  const refusedAll = (answer: Answer) => (answer.json.accepted === 0 && answer.json.refused?.length === numbers.length ? undefined : `accepted another tenant's numbers: ${answer.text.slice(0, 200)}`);
  return [
    {
      method: 'POST', url: '/v1/jobs/bulk-release', body: { phoneNumbers: numbers },
      expect: { kind: 'documented', status: 202, why: 'numbers it does not own are skipped', check: async (answer) => {
        const got = await jobItems(answer);
        return got === numbers.map((n) => `${n} skipped`).sort().join(', ') ? undefined : `items ${got}, wanted every number skipped`;
      } },
    },
    { method: 'POST', url: '/v1/jobs/bulk-lookup', body: { phoneNumbers: [a.number] }, expect: { kind: 'documented', status: 202, why: 'any number may be looked up', check: async () => undefined } },
    {
      method: 'POST', url: '/v1/number-health/call-outcomes',
      body: { outcomes: numbers.map((phoneNumber, i) => ({ phoneNumber, at: new Date().toISOString(), outcome: 'blocked', externalId: `${c.tag}-${i}` })) },
      expect: { kind: 'documented', status: 200, why: 'refused one by one', check: async (answer) => refusedAll(answer) },
    },
    {
      method: 'POST', url: '/v1/number-health/reputation', body: { scores: numbers.map((phoneNumber) => ({ phoneNumber, score: 0, source: 'fuzz' })) },
      expect: { kind: 'documented', status: 200, why: 'refused one by one', check: async (answer) => refusedAll(answer) },
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Before and after

async function snapshot(c: Ctx) {
  const views = await tenantViews(c.input.app, c.input.headers);
  return { views, sandbox: await sandboxState(c.sdk, c.input.sandbox.accountSid, views) };
}

/**
 * A's ids: every id in its views, and its live numbers; less the account's primary (ISV) profile, which every
 * tenant's secondary profile is assigned to.
 */
async function idsOfFirst(c: Ctx, views: Views): Promise<Set<string>> {
  const ids = idsIn(views);
  for (const n of itemsOf(views, '/v1/numbers')) if (n.status === 'active') ids.add(n.phoneNumber);
  for (const p of await c.sdk.trusthub.v1.customerProfiles.list({ policySid: PRIMARY_PROFILE_POLICY_SID })) ids.delete(p.sid);
  return ids;
}

function unchanged(before: Awaited<ReturnType<typeof snapshot>>, after: Awaited<ReturnType<typeof snapshot>>): string[] {
  return [
    ...differences(before.sandbox, after.sandbox).map((d) => `the first tenant's objects at the sandbox changed: ${d}`),
    ...differences(withoutReadStamps(before.views), withoutReadStamps(after.views)).map((d) => `the first tenant's API views changed: ${d}`),
  ];
}

/** Keyed operations the sweep made no replay of (a new endpoint must get one here). */
function unreplayed(keyed: string[], c: Ctx): string[] {
  const replayed = new Set(c.replays.map((r) => r.op));
  return keyed.filter((op) => !replayed.has(op)).map((op) => `${op} accepts an Idempotency-Key but the cross-tenant sweep has no replay case for it`);
}

const sandboxControl = (c: Ctx, path: string, body: unknown) =>
  fetch(`${c.input.sandbox.sandboxUrl}/__sandbox/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
// The sandbox's longest review (a campaign) takes 12 virtual days; A2P's customer-step windows are 24 h and 30 days.
const PAST_EVERY_REVIEW_MS = 14 * 86_400_000;

async function sweep(c: Ctx): Promise<{ problems: string[]; compared: string }> {
  const { app, headers, other } = c.input;
  const first = await setUpFirstTenant(c);
  await settle(app, headers, 'the first tenant');
  const before = await snapshot(c);
  c.aIds = await idsOfFirst(c, before.views);
  const replayed = await replays(c);
  const own = await secondTenantsOwn(c, replayed.ownProfile);
  const problems = [...replayed.problems];
  for (const attempt of namingAttempts(c, first, own)) problems.push(...(await asSecond(c, attempt)).problems);
  await settle(app, other, 'the second tenant');
  for (const followUp of c.followUps) {
    const why = await followUp();
    if (why) problems.push(why);
  }
  await settle(app, headers, 'the first tenant');
  const after = await snapshot(c);
  problems.push(...unchanged(before, after));
  // Nothing B can read now names A's ids, save those B itself sent.
  const seen = JSON.stringify(await tenantViews(app, other));
  const leaked = [...c.aIds].filter((id) => !c.named.has(id) && seen.includes(id));
  if (leaked.length) problems.push(`the second tenant's views carry the first tenant's ${leaked.slice(0, 5).join(', ')}`);
  return { problems, compared: `${Object.keys(before.sandbox).length} of the first tenant's objects at the sandbox and ${Object.keys(before.views).length} of its API views` };
}

export async function crossTenantSweep(input: SweepInput): Promise<string[]> {
  const c: Ctx = {
    input,
    sdk: createTwilioClient({ accountSid: input.sandbox.accountSid, authToken: input.sandbox.authToken, baseUrl: input.sandbox.sandboxUrl, timeoutMs: 10_000 }),
    tag: `xt-${randomBytes(4).toString('hex')}`,
    replays: [],
    aIds: new Set(),
    named: new Set(),
    attempts: 0,
    followUps: [],
  };
  await input.app.ready(); // the document exists once the app is ready
  const keyed = keyedOperations(input.app.swagger() as unknown as Doc);
  const problems: string[] = [];
  let compared = 'nothing (the sweep stopped first)';
  // Reviews take seconds instead of days, so A's chain (bundles, brand, campaign, registrations) completes and
  // stays put; what the fuzzer submitted under realistic reviews is let finish by moving the clock past them.
  await sandboxControl(c, 'reviews', { preset: 'fast' });
  await sandboxControl(c, 'clock/advance', { ms: PAST_EVERY_REVIEW_MS });
  try {
    const result = await sweep(c);
    problems.push(...result.problems);
    compared = result.compared;
  } catch (err) {
    problems.push(`the sweep stopped: ${(err as Error).message}`);
  } finally {
    await sandboxControl(c, 'reviews', { preset: 'realistic' });
  }
  problems.push(...unreplayed(keyed, c));
  const replayedOps = new Set(c.replays.map((r) => r.op)).size;
  console.log(
    `cross-tenant writes: ${replayedOps} of ${keyed.length} keyed POSTs replayed (${c.replays.length} keys), ${c.attempts} requests of a second tenant in all; ` +
      `compared before and after: ${compared}; ${problems.length} problems`,
  );
  return problems;
}
