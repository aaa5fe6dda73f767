/**
 * The operator API (issue #24 §4): operator keys (never a tenant's), tenants made shared or in a Twilio subaccount
 * of the slot's account (read back from the sandbox with the official SDK), listed with their numbers and spend,
 * suspended and resumed — at Twilio for a subaccount, and for the tenant's keys (reads only while suspended).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperatorKey, createOperatorTenant, revokeOperatorKey } from '../../../db/platform/operators';
import { currentMonth, costsOfMonth } from '../../../db/platform/costs';
import { hashApiKey } from '../../../db/platform/tenants';
import { subaccountFriendlyName } from '../../../activities/platform/tenant-accounts';
import { repoRoot } from '../../../dev/processes';
import { buyThroughApi, createTestApi, newTenant, stack, twilioSdk } from '../../helpers/stack';

let api: Awaited<ReturnType<typeof createTestApi>>;
let operator: { key: string; id: string };
beforeAll(async () => {
  api = await createTestApi();
  const made = await createOperatorKey(api.db, 'operator-test');
  operator = { key: made.key, id: made.view.id };
});
afterAll(async () => api?.close());

type Method = 'GET' | 'POST';
const call = (method: Method, url: string, key: string, payload?: unknown, headers: Record<string, string> = {}) =>
  api.app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });
const asOperator = (method: Method, url: string, payload?: unknown, headers?: Record<string, string>) => call(method, url, operator.key, payload, headers);
const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** The slot account's subaccounts with this FriendlyName, as Twilio (the sandbox) holds them. */
const subaccountsNamed = async (friendlyName: string) =>
  (await twilioSdk().api.v2010.accounts.list({ friendlyName })).filter((a) => a.sid !== stack.accountSid);

async function createTenant(body: { name: string; binding?: 'shared' | 'subaccount' }, headers?: Record<string, string>) {
  const res = await asOperator('POST', '/v1/operator/tenants', body, headers);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { tenant: { id: string; name: string }; binding: { kind: string; accountSid: string | null; status: string }; apiKey: string };
}

/** Every tenant in the operator's list, page by page, until the ones wanted are found. */
async function listedTenants(ids: string[]) {
  const found = new Map<string, Record<string, any>>(); // eslint-disable-line @typescript-eslint/no-explicit-any
  let cursor: string | null = null;
  for (let pages = 0; pages < 200 && ids.some((id) => !found.has(id)); pages++) {
    const res = await asOperator('GET', `/v1/operator/tenants?limit=20${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json() as { data: { id: string }[]; nextCursor: string | null };
    for (const t of page.data) found.set(t.id, t);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return found;
}

const operatorAudit = async (tenantId: string) =>
  (await api.db.query<{ action: string; operator_key_id: string | null; actor_key_id: string | null; summary: { params: Record<string, unknown> } }>(
    `SELECT action, operator_key_id, actor_key_id, summary FROM audit_events WHERE tenant_id = $1 ORDER BY created_at`,
    [tenantId],
  )).rows;

describe('operator keys', () => {
  it('are tpo_ keys stored hashed; only they open the operator API, and they open nothing else', async () => {
    expect(operator.key).toMatch(/^tpo_/);
    const stored = await api.db.query('SELECT key_hash, key_prefix FROM operator_keys WHERE id = $1', [operator.id]);
    expect(stored.rows[0]).toEqual({ key_hash: hashApiKey(operator.key), key_prefix: operator.key.slice(0, 8) });

    const tenant = await newTenant(api.db, 'op-plain');
    for (const [method, url] of [['GET', '/v1/operator/tenants'], ['POST', '/v1/operator/tenants'], ['POST', `/v1/operator/tenants/${tenant.tenantId}/suspend`]] as const) {
      const refused = await call(method, url, tenant.apiKey, method === 'POST' ? { name: uniqueName('op-never') } : undefined);
      expect(refused.statusCode, `${method} ${url}`).toBe(401);
      expect(refused.json().error.code).toBe('unauthorized');
      expect((await api.app.inject({ method, url })).statusCode).toBe(401);
    }
    for (const url of ['/v1/account', '/v1/numbers', '/v1/api-keys']) expect((await call('GET', url, operator.key)).statusCode, url).toBe(401);

    const other = await createOperatorKey(api.db, 'revoked-one');
    expect((await call('GET', '/v1/operator/tenants?limit=1', other.key)).statusCode).toBe(200);
    await revokeOperatorKey(api.db, other.view.id);
    expect((await call('GET', '/v1/operator/tenants?limit=1', other.key)).statusCode).toBe(401);
  });
});

describe('tenants made by the operator', () => {
  it('a shared tenant (the default setting): the deployment’s account, and an admin key that works', async () => {
    const name = uniqueName('op-shared');
    const made = await createTenant({ name });
    expect(made.tenant.name).toBe(name);
    expect(made.binding).toEqual({ kind: 'shared', accountSid: api.config.TWILIO_ACCOUNT_SID, status: 'active' });
    const account = await call('GET', '/v1/account', made.apiKey);
    expect(account.statusCode, account.body).toBe(200);
    expect(account.json()).toMatchObject({ tenant: { id: made.tenant.id, name }, binding: { kind: 'shared' } });
    const keys = await call('GET', '/v1/api-keys', made.apiKey);
    expect(keys.json().data[0].scopes).toContain('admin');

    const taken = await asOperator('POST', '/v1/operator/tenants', { name });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.fields[0].field).toBe('name');
    const bad = await asOperator('POST', '/v1/operator/tenants', { name: 'no spaces allowed', binding: 'byo' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/name|binding/);
  });

  it('a subaccount tenant: Twilio holds one subaccount naming the tenant, however often the request is repeated', async () => {
    const name = uniqueName('op-sub');
    const headers = { 'idempotency-key': randomUUID() };
    const made = await createTenant({ name, binding: 'subaccount' }, headers);
    expect(made.binding).toMatchObject({ kind: 'subaccount', status: 'active' });
    const accountSid = made.binding.accountSid!;
    expect(accountSid).toMatch(/^AC[0-9a-f]{32}$/);
    expect(accountSid).not.toBe(api.config.TWILIO_ACCOUNT_SID);

    const friendlyName = subaccountFriendlyName(made.tenant.id, name);
    expect(friendlyName).toContain(made.tenant.id);
    const atTwilio = await subaccountsNamed(friendlyName);
    expect(atTwilio.map((a) => [a.sid, a.ownerAccountSid, a.status])).toEqual([[accountSid, stack.accountSid, 'active']]);

    const again = await createTenant({ name, binding: 'subaccount' }, headers);
    expect(again.tenant).toEqual(made.tenant);
    expect(again.binding).toEqual(made.binding);
    expect(again.apiKey).not.toBe(made.apiKey);
    expect(await subaccountsNamed(friendlyName)).toHaveLength(1);
    // The first answer's key, never used, gave way to the repeat's.
    expect((await call('GET', '/v1/account', made.apiKey)).statusCode).toBe(401);
    const conflict = await asOperator('POST', '/v1/operator/tenants', { name: uniqueName('op-other') }, headers);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe('idempotency_conflict');

    const account = await call('GET', '/v1/account', again.apiKey);
    expect(account.statusCode, account.body).toBe(200);
    expect(account.json().binding).toEqual({ kind: 'subaccount', accountSid, status: 'active', statusReason: null });
    // The subaccount's token is sealed: not in the row in clear, nor anywhere in the audit trail.
    const token = atTwilio[0]!.authToken;
    const row = await api.db.query('SELECT * FROM tenant_twilio_bindings WHERE tenant_id = $1', [made.tenant.id]);
    expect(JSON.stringify(row.rows)).not.toContain(token);
    expect(JSON.stringify(await operatorAudit(made.tenant.id))).not.toContain(token);
  });

  it('a subaccount made before a crash (its SID never stored) is found by its FriendlyName, not made twice', async () => {
    const name = uniqueName('op-crash');
    const body = { name, binding: 'subaccount' as const };
    const key = randomUUID();
    // The first request got as far as the binding row and Twilio's answer, and no further.
    const first = await createOperatorTenant(api.db, { ...body, idempotency: { key, request: body } });
    const friendlyName = subaccountFriendlyName(first.tenant.id, name);
    const orphan = await twilioSdk().api.v2010.accounts.create({ friendlyName });
    // Still being made: suspended now, the subaccount would come up active at Twilio — so it is refused, and waits.
    const early = await asOperator('POST', `/v1/operator/tenants/${first.tenant.id}/suspend`);
    expect(early.statusCode, early.body).toBe(409);
    expect(early.json().error.code).toBe('account_creating');

    const made = await createTenant(body, { 'idempotency-key': key });
    expect(made.tenant.id).toBe(first.tenant.id);
    expect(made.binding).toEqual({ kind: 'subaccount', accountSid: orphan.sid, status: 'active' });
    expect((await subaccountsNamed(friendlyName)).map((a) => a.sid)).toEqual([orphan.sid]);
  });

  it('the list shows each tenant’s account, live numbers and this month’s spend', async () => {
    const shared = await createTenant({ name: uniqueName('op-list-shared'), binding: 'shared' });
    const sub = await createTenant({ name: uniqueName('op-list-sub'), binding: 'subaccount' });
    await buyThroughApi(api.app, { authorization: `Bearer ${shared.apiKey}` }, '415');

    const listed = await listedTenants([shared.tenant.id, sub.tenant.id]);
    const spent = (await costsOfMonth(api.db, shared.tenant.id, currentMonth())).totalUsd;
    expect(spent).toBeGreaterThan(0);
    expect(listed.get(shared.tenant.id)).toMatchObject({
      name: shared.tenant.name,
      suspendedAt: null,
      binding: { kind: 'shared', accountSid: api.config.TWILIO_ACCOUNT_SID, status: 'active' },
      liveNumbers: 1,
      monthSpendUsd: spent,
    });
    expect(listed.get(sub.tenant.id)).toMatchObject({
      binding: { kind: 'subaccount', accountSid: sub.binding.accountSid, status: 'active' },
      liveNumbers: 0,
      monthSpendUsd: 0,
    });
    expect((await asOperator('GET', '/v1/operator/tenants?cursor=not-ours')).statusCode).toBe(400);
  });
});

describe('suspending and resuming', () => {
  /** A write any admin key may make, and a read. */
  const write = (key: string) => call('POST', '/v1/api-keys', key, { name: 'probe', scopes: ['read'] });
  const read = (key: string) => call('GET', '/v1/account', key);

  it('a subaccount tenant: suspended at Twilio, its keys read only; resumed: active and writing again; repeats change nothing', async () => {
    const made = await createTenant({ name: uniqueName('op-suspend'), binding: 'subaccount' });
    const sid = made.binding.accountSid!;
    const url = `/v1/operator/tenants/${made.tenant.id}`;

    const suspended = await asOperator('POST', `${url}/suspend`);
    expect(suspended.statusCode, suspended.body).toBe(200);
    expect(suspended.json()).toMatchObject({ id: made.tenant.id, binding: { kind: 'subaccount', accountSid: sid, status: 'suspended' } });
    expect(suspended.json().suspendedAt).not.toBeNull();
    expect((await twilioSdk().api.v2010.accounts(sid).fetch()).status).toBe('suspended');
    const refused = await write(made.apiKey);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('tenant_suspended');
    const seen = await read(made.apiKey);
    expect(seen.statusCode).toBe(200);
    expect(seen.json().binding.status).toBe('suspended');

    const repeat = await asOperator('POST', `${url}/suspend`);
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json()).toEqual(suspended.json());

    const resumed = await asOperator('POST', `${url}/resume`);
    expect(resumed.statusCode, resumed.body).toBe(200);
    expect(resumed.json()).toMatchObject({ suspendedAt: null, binding: { status: 'active', accountSid: sid } });
    expect((await twilioSdk().api.v2010.accounts(sid).fetch()).status).toBe('active');
    expect((await write(made.apiKey)).statusCode).toBe(201);
    const again = await asOperator('POST', `${url}/resume`);
    expect(again.json()).toEqual(resumed.json());

    const trail = await operatorAudit(made.tenant.id);
    const byOperator = trail.filter((e) => e.operator_key_id === operator.id);
    expect(byOperator.map((e) => e.action)).toEqual(['operator.tenants.create', 'operator.tenants.suspend', 'operator.tenants.resume']);
    // Twilio's writes (the subaccount made, suspended, resumed) are in the tenant's trail too.
    expect(trail.filter((e) => e.action === 'POST Accounts').map((e) => e.summary.params)).toEqual([
      { FriendlyName: subaccountFriendlyName(made.tenant.id, made.tenant.name) },
      { Status: 'suspended' },
      { Status: 'active' },
    ]);
  });

  it('a shared tenant: the service-side suspension only', async () => {
    const made = await createTenant({ name: uniqueName('op-suspend-shared'), binding: 'shared' });
    const url = `/v1/operator/tenants/${made.tenant.id}`;
    const suspended = await asOperator('POST', `${url}/suspend`);
    expect(suspended.statusCode, suspended.body).toBe(200);
    expect(suspended.json().binding).toEqual({ kind: 'shared', accountSid: api.config.TWILIO_ACCOUNT_SID, status: 'suspended' });
    expect((await write(made.apiKey)).json().error.code).toBe('tenant_suspended');
    expect((await read(made.apiKey)).statusCode).toBe(200);
    // Reads as a read key has them: signing in to the console to look, yes; a billed lookup (a GET that spends), no.
    expect((await call('POST', '/v1/sessions', made.apiKey, {})).statusCode).toBe(201);
    const billed = await call('GET', '/v1/lookups/+14155550100?fields=caller_name', made.apiKey);
    expect(billed.statusCode, billed.body).toBe(403);
    expect(billed.json().error.code).toBe('tenant_suspended');
    expect((await asOperator('POST', `${url}/resume`)).json().binding.status).toBe('active');
    expect((await write(made.apiKey)).statusCode).toBe(201);
    expect((await operatorAudit(made.tenant.id)).filter((e) => e.operator_key_id === operator.id).map((e) => e.action)).toEqual([
      'operator.tenants.create',
      'operator.tenants.suspend',
      'operator.tenants.resume',
    ]);
    expect((await asOperator('POST', `/v1/operator/tenants/${randomUUID()}/suspend`)).statusCode).toBe(404);
  });
});

describe('npm run operator', () => {
  it('makes and revokes operator keys in PostgreSQL, and runs the tenant commands through the operator API', async () => {
    const baseUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const run = (env: Record<string, string>, ...args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', 'operator.ts'), ...args], {
        cwd: repoRoot,
        env: { ...process.env, ...env },
      }).then((r) => JSON.parse(r.stdout));
    const made = await run({ DATABASE_URL: api.config.DATABASE_URL }, 'key', 'create', '--label', 'cli-test');
    expect(made).toMatchObject({ label: 'cli-test', revokedAt: null });
    expect(made.key).toMatch(/^tpo_/);
    const viaApi = { TWILIO_PRO_URL: baseUrl, TWILIO_PRO_OPERATOR_KEY: made.key };

    const name = uniqueName('op-cli');
    const created = await run(viaApi, 'tenants', 'create', '--name', name, '--binding', 'shared');
    expect(created.tenant.name).toBe(name);
    expect((await call('GET', '/v1/account', created.apiKey)).statusCode).toBe(200);
    expect((await run(viaApi, 'tenants', 'suspend', created.tenant.id)).binding.status).toBe('suspended');
    expect((await run(viaApi, 'tenants', 'resume', created.tenant.id)).binding.status).toBe('active');
    expect((await run(viaApi, 'tenants', 'list', '--limit', '5')).data.length).toBeGreaterThan(0);
    const actors = (await operatorAudit(created.tenant.id)).map((e) => e.operator_key_id);
    expect(new Set(actors)).toEqual(new Set([made.id]));

    expect(await run({ DATABASE_URL: api.config.DATABASE_URL }, 'key', 'revoke', made.id)).toMatchObject({ id: made.id, revokedAt: expect.any(String) });
    await expect(run(viaApi, 'tenants', 'list')).rejects.toThrow(/401/);
    await expect(run({}, 'tenants', 'create')).rejects.toThrow(/usage/);
  });
});
