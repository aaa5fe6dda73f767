import { createHash, randomUUID } from 'node:crypto';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLBACK_REPLAY_WINDOW_S } from '../../../api/platform/twilio-callbacks';
import { createTestApi, newTenant, stack } from '../../helpers/stack';
import { SecretBox } from '../../../db/platform/secrets';
import { bindAccount } from '../../../db/platform/twilio-bindings';

const base = 'https://hooks.example.com';
let api: Awaited<ReturnType<typeof createTestApi>>;
let registrationId: string;
const profileSid = `BU${randomUUID().replace(/-/g, '')}`;
const brandSid = `BN${randomUUID().replace(/-/g, '')}`;

beforeAll(async () => {
  api = await createTestApi({ PUBLIC_BASE_URL: base });
  const tenant = await newTenant(api.db, 'hooks');
  registrationId = randomUUID();
  await api.db.query(
    `INSERT INTO a2p_registrations (id, tenant_id, status, step, draft, workflow_id) VALUES ($1, $2, 'waiting_for_review', 'brand', '{}', $3)`,
    [registrationId, tenant.tenantId, `tenant-${tenant.tenantId}/a2p-${registrationId}`],
  );
  await api.db.query(`INSERT INTO a2p_profiles (tenant_id, registration_id, profile_sid, kind) VALUES ($1, $2, $3, 'customer_profile')`, [tenant.tenantId, registrationId, profileSid]);
  await api.db.query(`INSERT INTO a2p_brands (tenant_id, registration_id, brand_sid) VALUES ($1, $2, $3)`, [tenant.tenantId, registrationId, brandSid]);
});
afterAll(async () => api.close());

/** Deliveries recorded about one resource of this file's (other files record deliveries at the same time). */
const eventCount = async (resourceSid: string) => Number((await api.db.query('SELECT count(*) FROM webhook_events WHERE resource_sid = $1', [resourceSid])).rows[0].count);

describe('Trust Hub status callbacks (form posts)', () => {
  const path = '/webhooks/twilio/status-callback?tenant=abc';
  const params = () => ({ AccountSid: stack.accountSid, BundleSid: profileSid, Status: 'twilio-approved' });
  const post = (headers: Record<string, string>, payload: Record<string, string> = params()) =>
    api.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: new URLSearchParams(payload).toString() });
  const sign = (url = `${base}${path}`, p: Record<string, string> = params()) => twilio.getExpectedTwilioSignature(stack.authToken, url, p);

  it('accepts a valid signature once, maps it to the registration, and ignores the replay', async () => {
    const token = randomUUID();
    const first = await post({ 'x-twilio-signature': sign(), 'i-twilio-idempotency-token': token });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ accepted: true, duplicate: false, registrationId });
    const replay = await post({ 'x-twilio-signature': sign(), 'i-twilio-idempotency-token': token });
    expect(replay.json()).toMatchObject({ duplicate: true, signalled: false });
  });

  /** A bundle of its own on the test's registration, so each test's callbacks are its own. */
  async function newProfile() {
    const sid = `BU${randomUUID().replace(/-/g, '')}`;
    await api.db.query(
      `INSERT INTO a2p_profiles (tenant_id, registration_id, profile_sid, kind) SELECT tenant_id, id, $2, 'trust_product' FROM a2p_registrations WHERE id = $1`,
      [registrationId, sid],
    );
    return sid;
  }
  /** Posts a callback signed the way Twilio signs it; `token` is the unsigned I-Twilio-Idempotency-Token (none when null). */
  const callback = (p: Record<string, string>, token: string | null = randomUUID()) =>
    post({ 'x-twilio-signature': sign(undefined, p), ...(token ? { 'i-twilio-idempotency-token': token } : {}) }, p);
  /** The callbacks that reached the registration (each is in its timeline before the workflow is signalled). */
  const heard = async (sid: string) =>
    (await api.db.query(`SELECT message FROM registration_events WHERE product = 'a2p' AND registration_id = $1 AND type = 'webhook' AND message LIKE $2 ORDER BY id`, [registrationId, `%${sid}%`])).rows.map((r) => r.message.split(' ').at(-1));

  it('a replay of a signed callback with a new I-Twilio-Idempotency-Token is still a replay', async () => {
    const sid = await newProfile();
    const rejected = { AccountSid: stack.accountSid, BundleSid: sid, Status: 'twilio-rejected', FailureReason: 'Business name does not match' };
    expect((await callback(rejected)).json()).toMatchObject({ duplicate: false, registrationId });
    for (const token of [randomUUID(), randomUUID(), null]) {
      expect((await callback(rejected, token)).json()).toEqual({ accepted: true, duplicate: true, signalled: false });
    }
    expect(await heard(sid)).toEqual(['twilio-rejected']);
  });

  it('deduplicates on what the signature covers, not on the unsigned header', async () => {
    const sid = await newProfile();
    const token = randomUUID();
    // Another signed status under a token seen before is news: the token proves nothing.
    expect((await callback({ AccountSid: stack.accountSid, BundleSid: sid, Status: 'pending-review' }, token)).json()).toMatchObject({ duplicate: false });
    expect((await callback({ AccountSid: stack.accountSid, BundleSid: sid, Status: 'in-review' }, token)).json()).toMatchObject({ duplicate: false });
    // The same status with other signed content (another failure reason) is news too.
    const rejected = (reason: string) => ({ AccountSid: stack.accountSid, BundleSid: sid, Status: 'twilio-rejected', FailureReason: reason });
    expect((await callback(rejected('EIN does not match'), null)).json()).toMatchObject({ duplicate: false });
    expect((await callback(rejected('Address is not valid'), null)).json()).toMatchObject({ duplicate: false });
    expect(await heard(sid)).toEqual(['pending-review', 'in-review', 'twilio-rejected', 'twilio-rejected']);
  });

  it('a genuine repeat (rejected, resubmitted, rejected again) reaches the workflow', async () => {
    const sid = await newProfile();
    const status = (s: string) => ({ AccountSid: stack.accountSid, BundleSid: sid, Status: s, ...(s === 'twilio-rejected' ? { FailureReason: 'EIN does not match' } : {}) });
    for (const s of ['in-review', 'twilio-rejected', 'pending-review', 'in-review', 'twilio-rejected']) {
      // Twilio's own deliveries without the header too: the old fallback key (sid and status) dropped the second rejection.
      expect((await callback(status(s), null)).json()).toMatchObject({ duplicate: false, registrationId });
    }
    expect(await heard(sid)).toEqual(['in-review', 'twilio-rejected', 'pending-review', 'in-review', 'twilio-rejected']);
  });

  it('the same signed callback with nothing in between is a replay only within the window', async () => {
    const sid = await newProfile();
    const approved = { AccountSid: stack.accountSid, BundleSid: sid, Status: 'twilio-approved' };
    expect((await callback(approved)).json()).toMatchObject({ duplicate: false });
    expect((await callback(approved)).json()).toMatchObject({ duplicate: true });
    // The window has passed (moved back in the table rather than waited for): the same content is news again.
    await api.db.query(`UPDATE webhook_events SET received_at = received_at - make_interval(secs => $2 + 1) WHERE resource_sid = $1`, [sid, CALLBACK_REPLAY_WINDOW_S]);
    expect((await callback(approved)).json()).toMatchObject({ duplicate: false });
    expect((await callback(approved)).json()).toMatchObject({ duplicate: true });
    expect(await heard(sid)).toEqual(['twilio-approved', 'twilio-approved']);
  });

  it('refuses invalid, missing and wrong-URL signatures with 403 and records nothing', async () => {
    const before = await eventCount(profileSid);
    expect((await post({ 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' })).statusCode).toBe(403);
    expect((await post({})).statusCode).toBe(403);
    expect((await post({ 'x-twilio-signature': sign(`${base}/elsewhere`) })).statusCode).toBe(403);
    const tampered = { ...params(), Status: 'twilio-rejected' };
    expect((await post({ 'x-twilio-signature': sign() }, tampered)).statusCode).toBe(403);
    expect(await eventCount(profileSid)).toBe(before);
  });
});

describe('Event Streams deliveries (JSON CloudEvents)', () => {
  const body = (id: string) =>
    JSON.stringify([{ specversion: '1.0', id, type: 'com.twilio.messaging.compliance.brand-registration.brand-registered', source: `/v1/a2p/BrandRegistrations/${brandSid}`, data: { brandsid: brandSid, brandstatus: 'registered' } }]);
  const send = (raw: string, signedBody = raw, signature?: string | null) => {
    const hash = createHash('sha256').update(signedBody).digest('hex');
    const path = `/webhooks/twilio/events?bodySHA256=${hash}`;
    const sig = signature === undefined ? twilio.getExpectedTwilioSignature(stack.authToken, `${base}${path}`, {}) : signature;
    return api.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json', ...(sig ? { 'x-twilio-signature': sig } : {}) }, payload: raw });
  };

  it('accepts a signed batch once; the same event id again is a duplicate', async () => {
    const id = randomUUID();
    const first = await send(body(id));
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    const again = await send(body(id));
    expect(again.json()).toMatchObject({ accepted: 1, duplicates: 1, signalled: 0 });
    const stored = await api.db.query('SELECT resource_sid, status FROM webhook_events WHERE key = $1', [`event:${id}`]);
    expect(stored.rows).toEqual([{ resource_sid: brandSid, status: 'APPROVED' }]);
  });

  it('a campaign failing again after a resubmission is a new event: its signed CloudEvent id differs', async () => {
    const campaignSid = `QE${randomUUID().replace(/-/g, '')}`;
    await api.db.query(`INSERT INTO a2p_campaigns (tenant_id, registration_id, campaign_sid) SELECT tenant_id, id, $2 FROM a2p_registrations WHERE id = $1`, [registrationId, campaignSid]);
    const failure = (id: string) =>
      JSON.stringify([{ specversion: '1.0', id, type: 'com.twilio.messaging.compliance.campaign-registration.campaign-failure', source: `/v1/a2p/campaigns/${campaignSid}`, data: { campaignsid: campaignSid, campaignregistrationstatus: 'failure' } }]);
    const first = randomUUID();
    expect((await send(failure(first))).json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await send(failure(first))).json()).toMatchObject({ accepted: 1, duplicates: 1 });
    expect((await send(failure(randomUUID()))).json()).toMatchObject({ accepted: 1, duplicates: 0 });
    const { rows } = await api.db.query(`SELECT count(*)::int AS n FROM registration_events WHERE product = 'a2p' AND registration_id = $1 AND type = 'webhook' AND message LIKE $2`, [registrationId, `%${campaignSid} FAILED`]);
    expect(rows[0].n).toBe(2);
  });

  it('refuses a body that does not match bodySHA256, and invalid or missing signatures', async () => {
    const before = await eventCount(brandSid);
    expect((await send(body(randomUUID()), body('something-else'))).statusCode).toBe(403);
    expect((await send(body(randomUUID()), undefined, 'bm90IGEgc2lnbmF0dXJl')).statusCode).toBe(403);
    expect((await send(body(randomUUID()), undefined, null)).statusCode).toBe(403);
    expect(await eventCount(brandSid)).toBe(before);
  });
});

describe('callbacks about a tenant’s own Twilio account (issue #24): verified with that account’s tokens', () => {
  const box = () => SecretBox.fromConfig(api.config, 'twilio-credential');
  const newSid = (prefix: string) => `${prefix}${randomUUID().replace(/-/g, '')}`;
  const statusPath = '/webhooks/twilio/status-callback';
  const statusCallback = (accountSid: string, signedWith: string) => {
    const p = { AccountSid: accountSid, BundleSid: newSid('BU'), Status: 'twilio-approved' };
    const sig = twilio.getExpectedTwilioSignature(signedWith, `${base}${statusPath}`, p);
    return api.app.inject({ method: 'POST', url: statusPath, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig }, payload: new URLSearchParams(p).toString() });
  };
  const eventBatch = (accountSids: string[], signedWith: string) => {
    const raw = JSON.stringify(accountSids.map((sid) => ({ specversion: '1.0', id: randomUUID(), type: 'com.twilio.messaging.compliance.brand-registration.brand-registered', source: '/v1/a2p/BrandRegistrations/BN1', data: { accountsid: sid, brandsid: newSid('BN'), brandstatus: 'registered' } })));
    const path = `/webhooks/twilio/events?bodySHA256=${createHash('sha256').update(raw).digest('hex')}`;
    const sig = twilio.getExpectedTwilioSignature(signedWith, `${base}${path}`, {});
    return api.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json', 'x-twilio-signature': sig }, payload: raw });
  };
  const bind = async (tenantId: string, accountSid: string, credential: Parameters<typeof bindAccount>[3]['credential']) =>
    bindAccount(api.db, box(), tenantId, { kind: 'byo', accountSid, credential });

  it('the account’s token verifies, the deployment’s does not; during a rotation the replaced token still does, the one before it no more', async () => {
    const tenant = await newTenant(api.db, 'hooks-own');
    const accountSid = newSid('AC');
    const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()].map((t) => t.replace(/-/g, ''));
    await bind(tenant.tenantId, accountSid, { kind: 'auth_token', authToken: first! });
    expect((await statusCallback(accountSid, first!)).statusCode).toBe(200);
    expect((await statusCallback(accountSid, stack.authToken)).statusCode).toBe(403);
    expect((await eventBatch([accountSid], first!)).statusCode).toBe(200);
    expect((await eventBatch([accountSid], stack.authToken)).statusCode).toBe(403);

    // New credentials for the same account (the tenant made a secondary token and gave it here; Twilio still signs
    // with the old primary until it is promoted): both verify.
    await bind(tenant.tenantId, accountSid, { kind: 'auth_token', authToken: second! });
    expect((await statusCallback(accountSid, first!)).statusCode).toBe(200);
    expect((await statusCallback(accountSid, second!)).statusCode).toBe(200);
    await bind(tenant.tenantId, accountSid, { kind: 'auth_token', authToken: third! });
    expect((await statusCallback(accountSid, first!)).statusCode).toBe(403);
    expect((await statusCallback(accountSid, second!)).statusCode).toBe(200);
    expect((await statusCallback(accountSid, third!)).statusCode).toBe(200);
  });

  it('an account no tenant is bound to, or one bound with an API key, verifies nothing; a batch naming two accounts is refused', async () => {
    expect((await statusCallback(newSid('AC'), stack.authToken)).statusCode).toBe(403);
    const keyed = await newTenant(api.db, 'hooks-key');
    const keyedSid = newSid('AC');
    const secret = randomUUID().replace(/-/g, '');
    await bind(keyed.tenantId, keyedSid, { kind: 'api_key', apiKeySid: newSid('SK'), apiKeySecret: secret });
    expect((await statusCallback(keyedSid, secret)).statusCode).toBe(403);
    expect((await statusCallback(keyedSid, stack.authToken)).statusCode).toBe(403);
    // The deployment's own deliveries are verified as before.
    expect((await statusCallback(stack.accountSid, stack.authToken)).statusCode).toBe(200);
    const mixed = await eventBatch([stack.accountSid, keyedSid], stack.authToken);
    expect(mixed.statusCode).toBe(400);
  });
});
