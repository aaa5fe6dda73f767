import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buyThroughApi, createTestApi, newTenant, sandboxControl, waitFor } from '../../helpers/stack';

/** Lookup v2 through the API on real parts: Temporal, the worker's activity, the sandbox over HTTP, PostgreSQL. */
let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;
beforeAll(async () => {
  api = await createTestApi();
  tenant = await newTenant(api.db, 'lookups');
});
afterAll(async () => {
  await sandboxControl('DELETE', 'faults');
  await sandboxControl('DELETE', 'failures');
  await api.close();
});

const lookup = (pn: string, query = '', headers = tenant.headers) => api.app.inject({ method: 'GET', url: `/v1/lookups/${encodeURIComponent(pn)}${query}`, headers });
const ledger = async (tenantId = tenant.tenantId) =>
  (await api.db.query<{ item: string; amount_usd: string }>('SELECT item, amount_usd FROM cost_ledger WHERE tenant_id = $1 ORDER BY item', [tenantId])).rows.map((r) => `${r.item} ${r.amount_usd}`);

it('answers the packages asked for, bills them once, and serves repeats from the cache with their age', async () => {
  const first = await lookup('+12095550301', '?fields=line_type_intelligence,sms_pumping_risk');
  expect(first.statusCode).toBe(200);
  expect(first.json()).toMatchObject({
    phoneNumber: '+12095550301', valid: true, nationalFormat: '(209) 555-0301', countryCode: 'US', costUsd: 0.033,
    packages: {
      line_type_intelligence: { data: { type: 'mobile', carrierName: 'Sandbox Wireless' }, fromCache: false, ageSeconds: 0 },
      sms_pumping_risk: { data: { carrierRiskCategory: 'high', numberBlocked: true, smsPumpingRiskScore: 95 }, fromCache: false },
    },
  });
  expect(await ledger()).toEqual(['lookup_line_type_intelligence 0.01', 'lookup_sms_pumping_risk 0.03']); // numeric(12,2) rounds the ledger's cents

  const again = await lookup('+12095550301', '?fields=line_type_intelligence,caller_name');
  expect(again.json()).toMatchObject({ costUsd: 0.01, packages: { line_type_intelligence: { fromCache: true }, caller_name: { fromCache: false, data: { callerType: 'CONSUMER' } } } });
  expect(await ledger()).toHaveLength(3);
  const refreshed = await lookup('+12095550301', '?fields=line_type_intelligence&maxAgeHours=0');
  expect(refreshed.json()).toMatchObject({ costUsd: 0.008, packages: { line_type_intelligence: { fromCache: false } } });

  // Another tenant's cache is its own.
  const other = await newTenant(api.db, 'lookups-other');
  expect((await lookup('+12095550301', '?fields=line_type_intelligence', other.headers)).json().packages.line_type_intelligence.fromCache).toBe(false);
  expect(await ledger(other.tenantId)).toEqual(['lookup_line_type_intelligence 0.01']);
});

it('validation alone is free; an invalid number says why; a reassigned check takes the date it needs', async () => {
  const before = (await ledger()).length;
  expect((await lookup('+12095550101')).json()).toMatchObject({ valid: true, costUsd: 0, packages: {} });
  expect((await lookup('+12095550901', '?fields=line_type_intelligence')).json()).toMatchObject({ valid: false, validationErrors: ['INVALID_BUT_POSSIBLE'], packages: { line_type_intelligence: { data: null } } });
  const reassigned = await lookup('+12095550401', '?fields=reassigned_number&lastVerifiedDate=2024-03-01');
  expect(reassigned.json().packages.reassigned_number.data).toMatchObject({ isNumberReassigned: 'yes', lastVerifiedDate: '20240301' });
  // A different date is a different question: not answered from the cache.
  expect((await lookup('+12095550401', '?fields=reassigned_number&lastVerifiedDate=2019-01-01')).json().packages.reassigned_number).toMatchObject({ fromCache: false, data: { isNumberReassigned: 'no_data_available' } });
  expect((await ledger()).length).toBe(before + 3);
});

it('bad input is a 400 naming the field, before anything is asked or billed', async () => {
  const before = (await ledger()).length;
  for (const [pn, query, field] of [
    ['+12095550000', '?fields=horoscope', 'fields'],
    ['4155550000', '', 'phoneNumber'],
    ['+12095550000', '?fields=reassigned_number', 'lastVerifiedDate'],
    ['+12095550000', '?maxAgeHours=-1', 'maxAgeHours'],
  ] as const) {
    const res = await lookup(pn, query);
    expect(res.statusCode, `${pn}${query}`).toBe(400);
    expect(JSON.stringify(res.json().error.fields ?? res.json())).toContain(field);
  }
  expect((await ledger()).length).toBe(before);
});

it('Twilio’s refusal comes back with Twilio’s code; 5xx and lost answers are retried until one arrives', async () => {
  await sandboxControl('POST', 'failures', { method: 'GET', path: '/v2/PhoneNumbers/*', status: 400, code: 60600, message: 'Unprovisioned or Out of Coverage' });
  const refused = await lookup('+12095550011', '?fields=line_type_intelligence');
  expect(refused.statusCode).toBe(400);
  expect(refused.json().error).toMatchObject({ code: 'twilio_error', twilio: { code: 60600 } });
  await sandboxControl('POST', 'faults', { errorRate5xx: 0.5, timeoutAfterCommitRate: 0.3, timeoutMode: 'drop', seed: 5 });
  try {
    for (const pn of ['+12095550012', '+12095550013', '+12095550014']) {
      expect((await lookup(pn, '?fields=caller_name')).json()).toMatchObject({ valid: true, packages: { caller_name: { data: { callerType: 'CONSUMER' } } } });
    }
  } finally {
    await sandboxControl('DELETE', 'faults');
  }
});

const bulk = (payload: object) => api.app.inject({ method: 'POST', url: '/v1/jobs/bulk-lookup', headers: tenant.headers, payload });
const job = async (id: string) => (await api.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: tenant.headers })).json();
// A lost answer costs a whole HTTP timeout before the retry: under faults a job takes a while.
const finished = (id: string) => waitFor(async () => ((j) => (['succeeded', 'partial', 'failed', 'cancelled'].includes(j.status) ? j : null))(await job(id)), 'the bulk lookup', 170_000);
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => `+1209556${String(from + i).padStart(4, '0')}`);

it('a bulk lookup job: 150 numbers in batches of 100, cached answers reused, each number an item, failed ones with Twilio’s code', async () => {
  const numbers = range(1000, 148);
  // Two numbers Twilio can't answer for (08xx), and one already cached.
  const list = [...numbers, '+12095560801', '+12095560802'];
  await lookup(numbers[0]!, '?fields=line_type_intelligence');
  const before = (await ledger()).length;
  const res = await bulk({ phoneNumbers: list, fields: ['line_type_intelligence'], idempotencyKey: 'bulk-lookup-1' });
  expect(res.statusCode).toBe(202);
  expect(res.json()).toMatchObject({ kind: 'bulk_lookup', counts: { requested: 150 } });
  const done = await finished(res.json().id);
  expect(done).toMatchObject({ status: 'partial', counts: { requested: 150, succeeded: 148, failed: 2, pending: 0 } });
  const failedItems = (await api.app.inject({ method: 'GET', url: `/v1/jobs/${done.id}/items?status=failed`, headers: tenant.headers })).json().data;
  expect(failedItems.map((i: { phoneNumber: string; error: { code: number } }) => [i.phoneNumber, i.error.code])).toEqual([['+12095560801', 60600], ['+12095560802', 60600]]);
  // 147 numbers billed (one was cached); the answers are then read from the cache for nothing.
  expect((await ledger()).length - before).toBe(147);
  expect((await lookup(numbers[100]!, '?fields=line_type_intelligence')).json()).toMatchObject({ costUsd: 0, packages: { line_type_intelligence: { fromCache: true, data: { type: 'mobile' } } } });
  // The same request again joins the same job.
  expect((await bulk({ phoneNumbers: list, fields: ['line_type_intelligence'], idempotencyKey: 'bulk-lookup-1' })).json().id).toBe(done.id);
  const bad = await bulk({ phoneNumbers: ['+12095560000'], fields: ['reassigned_number'] });
  expect(bad.statusCode).toBe(400);
  expect(JSON.stringify(bad.json())).toContain('lastVerifiedDate');
});

it('under lost responses and 5xx, a bulk lookup records each number once and bills each package once in the ledger', async () => {
  const numbers = range(3000, 120);
  const before = (await ledger()).length;
  const faultStats = async () => ((await sandboxControl('GET', 'stats')) as { total: { injectedFailures: number } }).total;
  const faultsBefore = await faultStats();
  // The first two batch requests certainly fail (503, unprocessed); after that, answers are lost at random after Twilio billed.
  await sandboxControl('POST', 'failures', { method: 'POST', path: '/v2/batch/query', status: 503, code: 20500, message: 'Service Unavailable', times: 2 });
  await sandboxControl('POST', 'faults', { timeoutAfterCommitRate: 0.2, timeoutMode: 'drop', seed: 9 });
  let done;
  try {
    const res = await bulk({ phoneNumbers: numbers, fields: ['caller_name'] });
    done = await finished(res.json().id);
  } finally {
    await sandboxControl('DELETE', 'faults');
    await sandboxControl('DELETE', 'failures');
  }
  expect(done).toMatchObject({ status: 'succeeded', counts: { succeeded: 120, failed: 0 } });
  expect((await faultStats()).injectedFailures - faultsBefore.injectedFailures).toBe(2);
  const items = await api.db.query('SELECT count(*)::int AS n, count(DISTINCT item_key)::int AS d FROM job_items WHERE job_id = $1', [done.id]);
  expect(items.rows[0]).toEqual({ n: 120, d: 120 });
  expect((await ledger()).length - before).toBe(120);
});

it('"ownedNumbers": true looks up every live number of the tenant, and only its own', async () => {
  const owner = await newTenant(api.db, 'lookups-owned');
  const none = await api.app.inject({ method: 'POST', url: '/v1/jobs/bulk-lookup', headers: owner.headers, payload: { ownedNumbers: true } });
  expect(none.statusCode).toBe(400);
  expect(JSON.stringify(none.json())).toContain('ownedNumbers');
  const both = await api.app.inject({ method: 'POST', url: '/v1/jobs/bulk-lookup', headers: owner.headers, payload: { ownedNumbers: true, phoneNumbers: ['+12095550000'] } });
  expect(both.statusCode).toBe(400);
  const mine = [await buyThroughApi(api.app, owner.headers, '458'), await buyThroughApi(api.app, owner.headers, '458')].sort();
  const res = await api.app.inject({ method: 'POST', url: '/v1/jobs/bulk-lookup', headers: owner.headers, payload: { ownedNumbers: true } });
  expect(res.statusCode).toBe(202);
  const done = await waitFor(async () => ((j) => (['succeeded', 'partial', 'failed'].includes(j.status) ? j : null))((await api.app.inject({ method: 'GET', url: `/v1/jobs/${res.json().id}`, headers: owner.headers })).json()), 'the owned-numbers lookup', 60_000);
  expect(done).toMatchObject({ counts: { requested: 2, succeeded: 2 } });
  const items = (await api.app.inject({ method: 'GET', url: `/v1/jobs/${done.id}/items`, headers: owner.headers })).json().data;
  expect(items.map((i: { phoneNumber: string }) => i.phoneNumber)).toEqual(mine);
});

it('"ownedNumbers": true pages through 250 numbers by cursor: each once, and none bought after the job was asked for', async () => {
  const owner = await newTenant(api.db, 'lookups-paged');
  const block = String(100 + Math.floor(Math.random() * 900));
  // Written straight to PostgreSQL (the lookup asks Twilio about any number); the last four digits keep the sandbox's answers valid.
  const { rows } = await api.db.query<{ phone_number: string }>(
    `INSERT INTO phone_numbers (tenant_id, phone_number, twilio_sid, status, purchase_key)
     SELECT $1::uuid, '+1997' || $2 || lpad(g::text, 4, '0'), 'PN' || md5($1::text || g), 'active', 'test:' || gen_random_uuid() FROM generate_series(0, 249) g
     RETURNING phone_number`,
    [owner.tenantId, block],
  );
  const mine = rows.map((r) => r.phone_number).sort();
  const res = await api.app.inject({ method: 'POST', url: '/v1/jobs/bulk-lookup', headers: owner.headers, payload: { ownedNumbers: true } });
  expect(res.statusCode).toBe(202);
  // Bought once the job was asked for, and last in number order: not one of "your numbers as they are when the job starts".
  const later = `+1997${block}9999`;
  await api.db.query(`INSERT INTO phone_numbers (tenant_id, phone_number, twilio_sid, status, purchase_key) VALUES ($1, $2, 'PNlater', 'active', $3)`, [owner.tenantId, later, `test:${randomUUID()}`]);
  const job = async () => (await api.app.inject({ method: 'GET', url: `/v1/jobs/${res.json().id}`, headers: owner.headers })).json();
  const done = await waitFor(async () => ((j) => (['succeeded', 'partial', 'failed'].includes(j.status) ? j : null))(await job()), 'the paged owned-numbers lookup', 120_000);
  expect(done).toMatchObject({ status: 'succeeded', counts: { requested: 250, succeeded: 250, failed: 0 }, outcome: { message: 'looked up 250 of 250 numbers (0 failed)' } });
  const items: string[] = [];
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page: { data: { phoneNumber: string }[]; nextCursor: string | null } = (await api.app.inject({ method: 'GET', url: `/v1/jobs/${done.id}/items?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, headers: owner.headers })).json();
    items.push(...page.data.map((i) => i.phoneNumber));
    cursor = page.nextCursor;
  }
  expect(items).toEqual(mine);
  await api.db.query(`UPDATE phone_numbers SET status = 'released' WHERE tenant_id = $1`, [owner.tenantId]);
});
