import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createNumberActivities } from '../../../activities/numbers/numbers';
import { createTwilioObjectRegistry } from '../../../activities/kit/twilio-objects';
import { createJob } from '../../../db/kit/jobs';
import { goodDraft } from '../../fixtures/a2p-draft';
import { createTestApi, newTenant, ownedInSandbox, sandboxControl, stack, twilioSdk } from '../../helpers/stack';

/** Issue #20 §1: names and SIDs that cross the tenant boundary. */
let api: Awaited<ReturnType<typeof createTestApi>>;
let alice: Awaited<ReturnType<typeof newTenant>>;
let bob: Awaited<ReturnType<typeof newTenant>>;
beforeAll(async () => {
  api = await createTestApi();
  alice = await newTenant(api.db, 'iso-alice');
  bob = await newTenant(api.db, 'iso-bob');
});
afterAll(async () => {
  await sandboxControl('DELETE', 'failures');
  await api.close();
});

const post = (url: string, headers: Record<string, string>, payload: object) => api.app.inject({ method: 'POST', url, headers, payload });
const assignedTo = async (profileSid: string) =>
  (await twilioSdk().trusthub.v1.customerProfiles(profileSid).customerProfilesEntityAssignments.list()).map((a) => a.objectSid).sort();

it("a second tenant replaying the first tenant's Idempotency-Key gets its own profile and leaves the first one untouched", async () => {
  const d = goodDraft();
  const key = `shared-${randomUUID()}`;
  const body = { kind: 'customer_profile', profile: d.profile, business: d.business, address: d.address, authorizedRepresentatives: d.authorizedRepresentatives };
  const first = await post('/v1/a2p/business-profiles', { ...alice.headers, 'idempotency-key': key }, body);
  expect(first.statusCode).toBe(201);
  const aliceProfile = first.json().sid as string;
  const aliceAssignments = await assignedTo(aliceProfile);

  // More representatives than Alice had: before the fix, Bob's extra end user landed on Alice's draft profile.
  const second = { ...d.authorizedRepresentatives[0]!, firstName: 'Grace', lastName: 'Hopper', email: 'grace@bobdental.com' };
  const bobs = await post('/v1/a2p/business-profiles', { ...bob.headers, 'idempotency-key': key }, {
    ...body, business: { ...d.business, name: 'Bob Dental LLC' }, authorizedRepresentatives: [...d.authorizedRepresentatives, second],
  });
  expect(bobs.statusCode).toBe(201);
  expect(bobs.json().sid).not.toBe(aliceProfile);
  expect(await assignedTo(aliceProfile)).toEqual(aliceAssignments);
  // Bob's profile holds his own two representatives, his business information, address and the ISV profile.
  expect(await assignedTo(bobs.json().sid)).toHaveLength(aliceAssignments.length + 1);
  // Alice still reads her own profile; Bob cannot.
  expect((await api.app.inject({ method: 'GET', url: `/v1/a2p/business-profiles/${aliceProfile}`, headers: bob.headers })).statusCode).toBe(404);
});

it('a reconcile refuses an object another tenant holds (fails closed)', async () => {
  const registry = createTwilioObjectRegistry(api.db);
  const sid = `IT${randomUUID().replaceAll('-', '')}`;
  await registry.adopt({ tenantId: alice.tenantId, kind: 'end_user', name: `alice-${sid}`, sid });
  await expect(registry.adopt({ tenantId: bob.tenantId, kind: 'end_user', name: `bob-${sid}`, sid })).rejects.toMatchObject({ type: 'TenantMismatch' });
  // Bob's create whose answer was lost; his next attempt reconciles by listing and finds Alice's SID.
  const lost = () => Promise.reject(new Error('answer lost'));
  await expect(registry.createOnce({ tenantId: bob.tenantId, kind: 'end_user', name: `bob-${sid}`, find: async () => undefined, create: lost })).rejects.toThrow('answer lost');
  await expect(registry.createOnce({ tenantId: bob.tenantId, kind: 'end_user', name: `bob-${sid}`, find: async () => sid, create: async () => 'never' })).rejects.toMatchObject({ type: 'TenantMismatch' });
  // The same name claimed by two tenants is two claims.
  await registry.createOnce({ tenantId: alice.tenantId, kind: 'probe', name: sid, find: async () => undefined, create: async () => 'ITalice' });
  expect(await registry.createOnce({ tenantId: bob.tenantId, kind: 'probe', name: sid, find: async () => undefined, create: async () => 'ITbob' })).toBe('ITbob');
});

it('a purchase whose first answer failed adopts only a number its own intent made, never one the account already had', async () => {
  const search = await api.app.inject({ method: 'GET', url: '/v1/available-numbers?areaCode=541&limit=1', headers: alice.headers });
  const phoneNumber = search.json().data[0].phoneNumber as string;
  // The account gets the number outside this service (the Console, a port-in), well before anyone's intent.
  const sdk = twilioSdk();
  const outside = await sdk.api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.create({ phoneNumber });
  await sandboxControl('POST', 'numbers/backdate', { phoneNumber, dateCreated: new Date(Date.now() - 86_400_000).toISOString() });
  // The tenant's purchase: its first attempt gets an ambiguous 503, so the retry reconciles against what the account owns.
  await sandboxControl('POST', 'failures', { method: 'POST', path: '/2010-04-01/Accounts/*/IncomingPhoneNumbers.json', status: 503, code: 20503, message: 'Service Unavailable', times: 1 });
  const bought = await post('/v1/numbers', alice.headers, { phoneNumber });
  expect(bought.statusCode).toBe(409);
  expect(bought.json().error.twilio.code).toBe(21422);
  const { rows } = await api.db.query('SELECT status FROM phone_numbers WHERE tenant_id = $1 AND phone_number = $2', [alice.tenantId, phoneNumber]);
  expect(rows.map((r) => r.status)).not.toContain('active');
  expect(await ownedInSandbox(phoneNumber)).toEqual([phoneNumber]);
  await sdk.api.v2010.accounts(stack.accountSid).incomingPhoneNumbers(outside.sid).remove();
});

it("an activity refuses a row of another tenant than its input names", async () => {
  const purchaseKey = `iso-${randomUUID()}`;
  await api.db.query(
    `INSERT INTO phone_numbers (tenant_id, phone_number, status, purchase_key, config) VALUES ($1, $2, 'purchasing', $3, '{}')`,
    [alice.tenantId, `+1541${String(Date.now()).slice(-7)}`, purchaseKey],
  );
  const { rows } = await api.db.query('SELECT phone_number FROM phone_numbers WHERE purchase_key = $1', [purchaseKey]);
  const numbers = createNumberActivities({ db: api.db, twilio: twilioSdk(), releaseBlockers: [], twilioConcurrency: 1 });
  await expect(numbers.purchaseNumber({ tenantId: bob.tenantId, jobId: null, purchaseKey, phoneNumber: rows[0].phone_number, config: {} })).rejects.toMatchObject({ type: 'TenantMismatch' });
  await api.db.query('DELETE FROM phone_numbers WHERE purchase_key = $1', [purchaseKey]);
});

it("a job's purchases and releases refuse an input naming another tenant than the job's", async () => {
  const { job } = await createJob(api.db, {
    id: randomUUID(), tenantId: alice.tenantId, kind: 'bulk_release', params: {}, requested: 1, idempotencyKey: null, workflowId: `iso-${randomUUID()}`,
  });
  const numbers = createNumberActivities({ db: api.db, twilio: twilioSdk(), releaseBlockers: [], twilioConcurrency: 1 });
  await expect(numbers.releaseNumbers({ tenantId: bob.tenantId, jobId: job.id, phoneNumbers: ['+15415550100'], concurrency: 1 } as never)).rejects.toMatchObject({ type: 'TenantMismatch' });
  await expect(numbers.purchaseNumbers({ tenantId: bob.tenantId, jobId: job.id, candidates: [], concurrency: 1, maxRejectionsInARow: 1, config: {} } as never)).rejects.toMatchObject({ type: 'TenantMismatch' });
  await api.db.query(`UPDATE jobs SET status = 'cancelled', finished_at = now() WHERE id = $1`, [job.id]);
});
