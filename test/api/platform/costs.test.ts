import { afterAll, beforeAll, expect, it } from 'vitest';
import { goodDraft } from '../../fixtures/a2p-draft';
import { buyThroughApi, createTestApi, newTenant } from '../../helpers/stack';

let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => api?.close());

const month = () => new Date().toISOString().slice(0, 7);

it('each purchase is in the month’s ledger at the configured price; a budget refuses work that would exceed it, before anything starts', async () => {
  const tenant = await newTenant(api.db, 'costs');
  const get = (url: string) => api.app.inject({ method: 'GET', url, headers: tenant.headers });
  await buyThroughApi(api.app, tenant.headers, '318');
  await buyThroughApi(api.app, tenant.headers, '318');
  const costs = (await get(`/v1/costs?month=${month()}`)).json();
  expect(costs).toMatchObject({ month: month(), currency: 'USD', budgetUsd: null, remainingUsd: null });
  expect(costs.lines).toEqual([{ item: 'number_monthly', count: 2, amountUsd: 2 * api.config.NUMBER_MONTHLY_USD }]);
  expect(costs.totalUsd).toBe(2 * api.config.NUMBER_MONTHLY_USD);
  expect((await get('/v1/costs?month=2001-01')).json()).toMatchObject({ lines: [], totalUsd: 0 });
  expect((await get('/v1/costs?month=2026-13')).statusCode).toBe(400);

  // A budget of $5: two numbers spent ($2.30), so a 3-number bulk buy ($3.45) is refused before anything starts.
  const set = await api.app.inject({ method: 'PUT', url: '/v1/costs/budget', headers: tenant.headers, payload: { monthlyUsd: 5 } });
  expect(set.statusCode).toBe(200);
  expect(set.json()).toMatchObject({ budgetUsd: 5, remainingUsd: 5 - 2 * api.config.NUMBER_MONTHLY_USD });
  const jobsBefore = (await api.db.query('SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1', [tenant.tenantId])).rows[0].n;
  const refused = await api.app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers: tenant.headers, payload: { areaCode: '318', quantity: 3 } });
  expect(refused.statusCode).toBe(402);
  expect(refused.json().error.code).toBe('budget_exceeded');
  expect(refused.json().error.message).toContain('$5.00');
  expect((await api.db.query('SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1', [tenant.tenantId])).rows[0].n).toBe(jobsBefore);
  // A registration's estimate (brand, vetting, campaign: far above what is left) is refused too, with nothing recorded.
  const registration = await api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: tenant.headers, payload: { ...goodDraft(), phoneNumbers: [] } });
  expect(registration.statusCode).toBe(402);
  expect((await api.db.query('SELECT count(*)::int AS n FROM a2p_registrations WHERE tenant_id = $1', [tenant.tenantId])).rows[0].n).toBe(0);
  // Two more numbers still fit.
  const fits = await api.app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers: tenant.headers, payload: { areaCode: '318', quantity: 2 } });
  expect(fits.statusCode).toBe(202);

  // Only an admin key sets the budget; clearing it lifts the limit.
  const plain = (await api.app.inject({ method: 'POST', url: '/v1/api-keys', headers: tenant.headers, payload: { name: 'no-admin' } })).json().key as string;
  expect((await api.app.inject({ method: 'PUT', url: '/v1/costs/budget', headers: { authorization: `Bearer ${plain}` }, payload: { monthlyUsd: 1000 } })).statusCode).toBe(403);
  expect((await api.app.inject({ method: 'PUT', url: '/v1/costs/budget', headers: tenant.headers, payload: { monthlyUsd: null } })).json().budgetUsd).toBeNull();
});

it('the month by day: each UTC day with charges, by item, oldest first; the days add up to the total', async () => {
  const tenant = await newTenant(api.db, 'costs-days');
  await buyThroughApi(api.app, tenant.headers, '319');
  await buyThroughApi(api.app, tenant.headers, '319');
  const today = new Date().toISOString().slice(0, 10);
  // An older charge of this month (when today is not the 1st), written as a Twilio write would record it.
  const monthStart = `${month()}-01`;
  const earlier = today === monthStart ? null : monthStart;
  if (earlier) {
    await api.db.query(`INSERT INTO cost_ledger (tenant_id, item, amount_usd, created_at) VALUES ($1, 'lookup_line_type_intelligence', 0.01, ($2 || 'T12:00:00Z')::timestamptz)`, [tenant.tenantId, earlier]);
  }
  const costs = (await api.app.inject({ method: 'GET', url: '/v1/costs', headers: tenant.headers })).json();
  const number = { item: 'number_monthly', amountUsd: 2 * api.config.NUMBER_MONTHLY_USD };
  expect(costs.days).toEqual([
    ...(earlier ? [{ day: earlier, amountUsd: 0.01, lines: [{ item: 'lookup_line_type_intelligence', amountUsd: 0.01 }] }] : []),
    { day: today, amountUsd: number.amountUsd, lines: [number] },
  ]);
  const sum = costs.days.reduce((a: number, d: { amountUsd: number }) => a + d.amountUsd, 0);
  expect(Math.round(sum * 100) / 100).toBe(costs.totalUsd);
  // The budget's answer has the same shape; another month, and another tenant, have no days.
  const set = await api.app.inject({ method: 'PUT', url: '/v1/costs/budget', headers: tenant.headers, payload: { monthlyUsd: 100 } });
  expect(set.json().days).toEqual(costs.days);
  expect((await api.app.inject({ method: 'GET', url: '/v1/costs?month=2001-01', headers: tenant.headers })).json().days).toEqual([]);
  const other = await newTenant(api.db, 'costs-days-other');
  expect((await api.app.inject({ method: 'GET', url: '/v1/costs', headers: other.headers })).json().days).toEqual([]);
});
