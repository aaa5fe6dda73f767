import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setQuota } from '../../../db/platform/quotas';
import { createTestApi, newTenant, stack } from '../../helpers/stack';
import { goodDraft } from '../../fixtures/a2p-draft';

/**
 * Per-tenant quotas (issue #20 §2) and admissions decided one at a time per tenant (§4: two parallel bulk
 * buys cannot both pass a budget or quota only one fits). No worker polls this API's task queue: jobs stay
 * queued, so what counts as running is exactly what the test made.
 */
let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  api = await createTestApi({ TEMPORAL_TASK_QUEUE: `quotas-idle-${Date.now()}` });
});
afterAll(async () => {
  // The jobs never ran: end them (workflow and row) so no sweep or later test meets them queued.
  const { rows } = await api.db.query<{ workflow_id: string }>(`SELECT workflow_id FROM jobs WHERE tenant_id = ANY($1::uuid[])`, [tenants]);
  await Promise.all(rows.map((r) => api.temporal.workflow.getHandle(r.workflow_id).terminate('test over').catch(() => undefined)));
  await api.db.query(`UPDATE jobs SET status = 'cancelled', finished_at = now() WHERE tenant_id = ANY($1::uuid[])`, [tenants]);
  const regs = await api.db.query<{ workflow_id: string }>(`SELECT workflow_id FROM a2p_registrations WHERE tenant_id = ANY($1::uuid[])`, [tenants]);
  await Promise.all(regs.rows.map((r) => api.temporal.workflow.getHandle(r.workflow_id).terminate('test over').catch(() => undefined)));
  await api.db.query(`UPDATE a2p_registrations SET status = 'cancelled', finished_at = now() WHERE tenant_id = ANY($1::uuid[])`, [tenants]);
  await api.close();
});
const tenants: string[] = [];
const tenant = async (name: string) => {
  const t = await newTenant(api.db, name);
  tenants.push(t.tenantId);
  return t;
};

const post = (url: string, headers: Record<string, string>, payload: object) => api.app.inject({ method: 'POST', url, headers, payload });
const bulkBuy = (headers: Record<string, string>, quantity: number) => post('/v1/jobs/bulk-buy', headers, { areaCode: '415', quantity });

it('bulk jobs at once: two parallel requests past the limit, exactly one admitted; the refusal names the quota', async () => {
  const t = await tenant('quota-jobs');
  await setQuota(api.db, t.tenantId, 'active_jobs', 1);
  const answers = await Promise.all([bulkBuy(t.headers, 1), bulkBuy(t.headers, 1), bulkBuy(t.headers, 1)]);
  expect(answers.map((a) => a.statusCode).sort()).toEqual([202, 409, 409]);
  const refused = answers.find((a) => a.statusCode === 409)!.json().error;
  expect(refused.code).toBe('quota_exceeded');
  expect(refused.message).toContain('active_jobs');
  const { rows } = await api.db.query('SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1', [t.tenantId]);
  expect(rows[0].n).toBe(1);
});

it('numbers: held, being bought and still to buy by running jobs all count', async () => {
  const t = await tenant('quota-numbers');
  await setQuota(api.db, t.tenantId, 'numbers', 5);
  expect((await bulkBuy(t.headers, 3)).statusCode).toBe(202);
  const over = await bulkBuy(t.headers, 3);
  expect(over.statusCode).toBe(409);
  expect(over.json().error.message).toMatch(/at most 5 phone numbers \(numbers\); it has 3 and this would add 3/);
  expect((await bulkBuy(t.headers, 2)).statusCode).toBe(202);
});

it('the budget is reserved with the job: of two parallel bulk buys that fit only one at a time, one passes', async () => {
  const t = await tenant('quota-budget');
  const price = api.config.NUMBER_MONTHLY_USD;
  expect((await api.app.inject({ method: 'PUT', url: '/v1/costs/budget', headers: t.headers, payload: { monthlyUsd: price * 15 } })).statusCode).toBe(200);
  const answers = await Promise.all([bulkBuy(t.headers, 10), bulkBuy(t.headers, 10)]);
  expect(answers.map((a) => a.statusCode).sort()).toEqual([202, 402]);
});

it('a registration reserves its estimate: of two parallel registrations the budget fits one at a time, one starts', async () => {
  const t = await tenant('quota-registrations');
  const draft = { ...goodDraft(), phoneNumbers: [] };
  const preflight = (await post('/v1/a2p/preflight', t.headers, draft)).json();
  const estimate = preflight.cost.oneTimeUsd + preflight.cost.monthlyUsd;
  expect(estimate).toBeGreaterThan(0);
  expect((await api.app.inject({ method: 'PUT', url: '/v1/costs/budget', headers: t.headers, payload: { monthlyUsd: estimate * 1.5 } })).statusCode).toBe(200);
  const answers = await Promise.all([post('/v1/a2p/registrations', t.headers, draft), post('/v1/a2p/registrations', t.headers, draft)]);
  expect(answers.map((a) => a.statusCode).sort()).toEqual([202, 402]);
  // Once the first is finished (here: cancelled before anything was charged), its reservation is free again.
  await api.db.query(`UPDATE a2p_registrations SET status = 'cancelled', finished_at = now() WHERE tenant_id = $1`, [t.tenantId]);
  expect((await post('/v1/a2p/registrations', t.headers, draft)).statusCode).toBe(202);
});

it('trunks: a tenant at its quota gets 409 and nothing of the request stays behind (no sealed password)', async () => {
  const t = await tenant('quota-trunks');
  await setQuota(api.db, t.tenantId, 'trunks', 0);
  const secrets = async () => (await api.db.query('SELECT count(*)::int AS n FROM sip_secrets WHERE tenant_id = $1 AND ciphertext IS NOT NULL', [t.tenantId])).rows[0].n;
  const res = await post('/v1/sip/trunks', t.headers, {
    friendlyName: 'Over quota', termination: { credentialLists: [{ friendlyName: 'agents', credentials: [{ username: 'agent', password: 'Agent-Secret-2024x' }] }] },
  });
  expect(res.statusCode).toBe(409);
  expect(res.json().error).toMatchObject({ code: 'quota_exceeded', message: expect.stringContaining('SIP trunks') });
  expect(await secrets()).toBe(0);
  expect((await api.db.query('SELECT count(*)::int AS n FROM sip_trunks WHERE tenant_id = $1', [t.tenantId])).rows[0].n).toBe(0);
});

it('npm run tenant:quota sets and shows a tenant’s own limits', async () => {
  const t = await tenant('quota-cli');
  const { rows } = await api.db.query('SELECT name FROM tenants WHERE id = $1', [t.tenantId]);
  const run = (...args: string[]) =>
    promisify(execFile)('npx', ['tsx', 'cli/quotas.ts', '--tenant', rows[0].name, ...args], { env: { ...process.env, DATABASE_URL: stack.databaseUrl } });
  const set = JSON.parse((await run('--trunks', '3', '--numbers', '100')).stdout);
  expect(set.quotas).toMatchObject({ trunks: { limit: 3, used: 0 }, numbers: { limit: 100, used: 0 }, active_jobs: { limit: 5, used: 0 } });
  expect(JSON.parse((await run('--trunks', 'default')).stdout).quotas.trunks.limit).toBe(10);
});
