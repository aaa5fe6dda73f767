import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApi, newTenant, sandboxControl } from '../helpers/stack';

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
