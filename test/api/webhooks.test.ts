import { createHash, randomUUID } from 'node:crypto';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, newTenant, stack } from '../helpers/stack';

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

const eventCount = async () => Number((await api.db.query('SELECT count(*) FROM webhook_events')).rows[0].count);

describe('Trust Hub status callbacks (form posts)', () => {
  const path = '/webhooks/twilio/status-callback?tenant=abc';
  const params = () => ({ AccountSid: stack.accountSid, BundleSid: profileSid, Status: 'twilio-approved' });
  const post = (headers: Record<string, string>, payload = params()) =>
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

  it('refuses invalid, missing and wrong-URL signatures with 403 and records nothing', async () => {
    const before = await eventCount();
    expect((await post({ 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' })).statusCode).toBe(403);
    expect((await post({})).statusCode).toBe(403);
    expect((await post({ 'x-twilio-signature': sign(`${base}/elsewhere`) })).statusCode).toBe(403);
    const tampered = { ...params(), Status: 'twilio-rejected' };
    expect((await post({ 'x-twilio-signature': sign() }, tampered)).statusCode).toBe(403);
    expect(await eventCount()).toBe(before);
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

  it('refuses a body that does not match bodySHA256, and invalid or missing signatures', async () => {
    const before = await eventCount();
    expect((await send(body(randomUUID()), body('something-else'))).statusCode).toBe(403);
    expect((await send(body(randomUUID()), undefined, 'bm90IGEgc2lnbmF0dXJl')).statusCode).toBe(403);
    expect((await send(body(randomUUID()), undefined, null)).statusCode).toBe(403);
    expect(await eventCount()).toBe(before);
  });
});
