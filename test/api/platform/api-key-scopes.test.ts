/**
 * Least-privilege API keys on real parts: read < write < spend < admin, checked by one hook before a
 * request is validated; expiry; the default scope; control-plane changes in the audit trail; and the
 * migration that maps the keys of existing deployments.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../../dev/processes';
import { migrate } from '../../../db/kit/migrate';
import { createPool } from '../../../db/kit/pool';
import { hashApiKey } from '../../../db/platform/tenants';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../../schemas/platform/api-keys';
import { buyThroughApi, createTestApi, newTenant, stack } from '../../helpers/stack';

let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  // The matrix sends a few hundred requests for one tenant; webhook endpoints here are local addresses.
  api = await createTestApi({ API_RATE_LIMIT_PER_SECOND: '10000', API_RATE_LIMIT_BURST: '10000', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true', WEBHOOK_ALLOWED_PORTS: '*' });
});
afterAll(async () => api?.close());

const call = (method: string, url: string, key: string, payload?: unknown) =>
  api.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

/** A key of the tenant with these scopes, issued by its admin key. */
async function issueKey(adminKey: string, body: Record<string, unknown>) {
  const res = await call('POST', '/v1/api-keys', adminKey, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; key: string; scopes: string[]; expiresAt: string | null };
}

async function keysOf(adminKey: string): Promise<Record<ApiKeyScope, string>> {
  return {
    read: (await issueKey(adminKey, { scopes: ['read'] })).key,
    write: (await issueKey(adminKey, { scopes: ['write'] })).key,
    spend: (await issueKey(adminKey, { scopes: ['spend'] })).key,
    admin: adminKey,
  };
}

const rank = (s: string) => (API_KEY_SCOPES as readonly string[]).indexOf(s);
const refusal = (scope: string) => ({ code: 'insufficient_scope', message: expect.stringContaining(`needs an API key with the ${scope} scope`) });

describe('scopes', () => {
  it('every operation answers 403 insufficient_scope, naming the scope, to a key below it — before validating anything — and lets a key with it through', async () => {
    const tenant = await newTenant(api.db, 'scopes-matrix');
    const keys = await keysOf(tenant.apiKey);
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { 'x-required-scope': string; requestBody?: unknown; security?: Record<string, unknown>[] }>>;
    };
    let refused = 0;
    let allowed = 0;
    for (const [template, ops] of Object.entries(doc.paths).filter(([p]) => p.startsWith('/v1/'))) {
      // Placeholders no validator accepts, and an empty body: only the scope check can answer 403.
      const url = template.replace(/\{[^}]+\}/g, 'placeholder');
      for (const [method, op] of Object.entries(ops)) {
        // The operator API takes operator keys only (every tenant key gets 401): test/api/platform/operator.test.ts.
        if (op.security?.some((s) => 'operatorKey' in s)) continue;
        const needed = op['x-required-scope'];
        const payload = op.requestBody ? {} : undefined;
        for (const held of API_KEY_SCOPES) {
          if (rank(held) > rank(needed)) continue;
          const res = await call(method.toUpperCase(), url, keys[held], payload);
          const what = `${method.toUpperCase()} ${template} with a ${held} key`;
          if (held === needed) {
            expect([401, 403], `${what}: ${res.body}`).not.toContain(res.statusCode);
            expect(res.statusCode, `${what}: ${res.body}`).toBeLessThan(500);
            allowed += 1;
          } else {
            expect(res.statusCode, `${what}: ${res.body}`).toBe(403);
            expect(res.json().error, what).toMatchObject(refusal(needed));
            refused += 1;
          }
        }
      }
    }
    expect(allowed).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(60);
  });

  it('the probe: a read key cannot arrange the release of the inventory, and a spend key cannot either', async () => {
    const tenant = await newTenant(api.db, 'scopes-probe');
    const keys = await keysOf(tenant.apiKey);
    const probe = { quarantineBelowScore: 100, rotate: true, releaseAfterDays: 1 };
    for (const held of ['read', 'write', 'spend'] as const) {
      const res = await call('PUT', '/v1/number-health/policy', keys[held], probe);
      expect(res.statusCode, held).toBe(403);
      expect(res.json().error).toMatchObject(refusal('admin'));
    }
    expect((await call('GET', '/v1/number-health/policy', keys.read)).statusCode).toBe(404); // nothing was stored
    const bulkRelease = await call('POST', '/v1/jobs/bulk-release', keys.spend, { phoneNumbers: ['+14155550123'] });
    expect(bulkRelease.json().error).toMatchObject(refusal('admin'));
    expect((await call('GET', '/v1/jobs', keys.read)).json().data).toEqual([]);
  });

  it('a write key configures a number but cannot buy one (403 naming spend, nothing bought); a spend key can', async () => {
    const tenant = await newTenant(api.db, 'scopes-numbers');
    const keys = await keysOf(tenant.apiKey);
    const owned = await buyThroughApi(api.app, { authorization: `Bearer ${keys.spend}` }, '415');
    const configured = await call('PATCH', `/v1/numbers/${encodeURIComponent(owned)}`, keys.write, { friendlyName: 'configured by a write key' });
    expect(configured.statusCode, configured.body).toBe(200);
    expect(configured.json().friendlyName).toBe('configured by a write key');

    const search = await call('GET', '/v1/available-numbers?areaCode=415&limit=1', keys.read);
    const candidate = search.json().data[0].phoneNumber as string;
    const buy = await call('POST', '/v1/numbers', keys.write, { phoneNumber: candidate });
    expect(buy.statusCode).toBe(403);
    expect(buy.json().error).toMatchObject(refusal('spend'));
    const stored = await api.db.query('SELECT 1 FROM phone_numbers WHERE tenant_id = $1 AND phone_number = $2', [tenant.tenantId, candidate]);
    expect(stored.rowCount).toBe(0);
    expect((await call('POST', '/v1/jobs/bulk-buy', keys.write, { areaCode: '415', quantity: 1 })).json().error).toMatchObject(refusal('spend'));
  });

  it('a lookup is free to read, but asking for billed packages needs spend', async () => {
    const tenant = await newTenant(api.db, 'scopes-lookups');
    const keys = await keysOf(tenant.apiKey);
    const url = `/v1/lookups/${encodeURIComponent('+12095550301')}`;
    expect((await call('GET', url, keys.read)).statusCode).toBe(200);
    const billed = await call('GET', `${url}?fields=caller_name`, keys.write);
    expect(billed.statusCode).toBe(403);
    expect(billed.json().error).toMatchObject(refusal('spend'));
    expect((await call('GET', `${url}?fields=caller_name`, keys.spend)).statusCode).toBe(200);
  });
});

describe('keys', () => {
  it('a new key gets only what it is given: read by default, implied scopes listed; bad scopes are a 400 naming the field', async () => {
    const tenant = await newTenant(api.db, 'scopes-default');
    expect(await issueKey(tenant.apiKey, {})).toMatchObject({ scopes: ['read'], expiresAt: null });
    expect((await issueKey(tenant.apiKey, { scopes: ['spend'] })).scopes).toEqual(['read', 'write', 'spend']);
    for (const scopes of [[], ['read', 'read'], ['root']]) {
      const res = await call('POST', '/v1/api-keys', tenant.apiKey, { scopes });
      expect(res.statusCode, JSON.stringify(scopes)).toBe(400);
      expect(res.json().error.fields[0].field).toMatch(/^scopes/);
    }
    // The tenant's first key is an admin.
    expect((await call('GET', '/v1/api-keys/current', tenant.apiKey)).json().scopes).toEqual(['read', 'write', 'spend', 'admin']);
  });

  it('any key can see itself — scopes, expiry, never the key', async () => {
    const tenant = await newTenant(api.db, 'scopes-current');
    const issued = await issueKey(tenant.apiKey, { name: 'dashboard', scopes: ['read'] });
    const current = await call('GET', '/v1/api-keys/current', issued.key);
    expect(current.statusCode).toBe(200);
    expect(current.json()).toMatchObject({ id: issued.id, name: 'dashboard', scopes: ['read'], expiresAt: null, revokedAt: null });
    expect(current.body).not.toContain(issued.key);
    // Another key's view is still the admin's business.
    expect((await call('GET', '/v1/api-keys', issued.key)).json().error).toMatchObject(refusal('admin'));
  });

  it('a key may expire: expiresAt must be in the future and within 5 years; once past it the key is a 401 like a revoked one', async () => {
    const tenant = await newTenant(api.db, 'scopes-expiry');
    for (const expiresAt of [new Date(Date.now() - 60_000).toISOString(), new Date(Date.now() + 6 * 366 * 86_400_000).toISOString(), 'tomorrow']) {
      const res = await call('POST', '/v1/api-keys', tenant.apiKey, { expiresAt });
      expect(res.statusCode, expiresAt).toBe(400);
      expect(res.json().error.fields[0].field).toBe('expiresAt');
    }
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const issued = await issueKey(tenant.apiKey, { scopes: ['write'], expiresAt });
    expect(issued.expiresAt).toBe(expiresAt);
    expect((await call('GET', '/v1/jobs', issued.key)).statusCode).toBe(200);
    // Its hour has passed (as the clock would have it):
    await api.db.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [issued.id]);
    const expired = await call('GET', '/v1/jobs', issued.key);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('unauthorized');
    const listed = (await call('GET', '/v1/api-keys', tenant.apiKey)).json().data.find((k: { id: string }) => k.id === issued.id);
    expect(Date.parse(listed.expiresAt)).toBeLessThan(Date.now());
  });
});

it('control-plane changes are in the audit trail with the key that made them, and no secret', async () => {
  const tenant = await newTenant(api.db, 'scopes-audit');
  const admin = (await call('GET', '/v1/api-keys/current', tenant.apiKey)).json() as { id: string };
  const reader = await issueKey(tenant.apiKey, { name: 'reader' });
  const revoked = await issueKey(tenant.apiKey, { name: 'short-lived', scopes: ['write'] });
  expect((await call('DELETE', `/v1/api-keys/${revoked.id}`, tenant.apiKey)).statusCode).toBe(200);
  expect((await call('PUT', '/v1/costs/budget', tenant.apiKey, { monthlyUsd: 120 })).statusCode).toBe(200);
  expect((await call('PUT', '/v1/costs/budget', tenant.apiKey, { monthlyUsd: null })).statusCode).toBe(200);
  const endpoint = await call('POST', '/v1/webhook-endpoints', tenant.apiKey, { url: 'http://127.0.0.1:9/hooks/path-secret?token=query-secret', eventTypes: ['job.finished'] });
  expect(endpoint.statusCode, endpoint.body).toBe(201);
  const { id: endpointId, secret } = endpoint.json() as { id: string; secret: string };
  expect((await call('DELETE', `/v1/webhook-endpoints/${endpointId}`, tenant.apiKey)).statusCode).toBe(200);
  expect((await call('PUT', '/v1/number-health/policy', tenant.apiKey, { quarantineBelowScore: 40 })).statusCode).toBe(200);
  expect((await call('POST', '/v1/number-health/policy/pause?schedule=rotation_pass', tenant.apiKey)).statusCode).toBe(200);
  expect((await call('POST', '/v1/number-health/policy/resume?schedule=rotation_pass', tenant.apiKey)).statusCode).toBe(200);
  expect((await call('DELETE', '/v1/number-health/policy', tenant.apiKey)).statusCode).toBe(200);
  // Refused attempts change nothing, so they are not changes to record.
  expect((await call('PUT', '/v1/costs/budget', reader.key, { monthlyUsd: 1 })).statusCode).toBe(403);

  const trail = await call('GET', '/v1/audit?limit=100', reader.key);
  expect(trail.statusCode).toBe(200);
  const events = (trail.json().data as { action: string; activity: string; actorKeyId: string | null; httpStatus: number; summary: { method: string; path: string; params: Record<string, unknown> } }[])
    .filter((e) => e.activity === 'api')
    .reverse();
  expect(events.map((e) => e.action)).toEqual([
    'api_keys.create', 'api_keys.create', 'api_keys.revoke', 'budget.set', 'budget.clear', 'webhook_endpoints.create', 'webhook_endpoints.delete',
    'hygiene_policy.put', 'hygiene_policy.pause', 'hygiene_policy.resume', 'hygiene_policy.delete',
  ]);
  expect(new Set(events.map((e) => e.actorKeyId))).toEqual(new Set([admin.id]));
  expect(events[0]).toMatchObject({ httpStatus: 201, summary: { method: 'POST', path: '/v1/api-keys', params: { keyId: reader.id, name: 'reader', scopes: ['read'] } } });
  expect(events[2]).toMatchObject({ summary: { method: 'DELETE', path: `/v1/api-keys/${revoked.id}`, params: { keyId: revoked.id } } });
  expect(events[3]).toMatchObject({ summary: { params: { monthlyUsd: 120 } } });
  expect(events[5]).toMatchObject({ httpStatus: 201, summary: { params: { endpointId, host: '127.0.0.1:9', eventTypes: ['job.finished'] } } });
  expect(events[8]).toMatchObject({ summary: { path: '/v1/number-health/policy/pause', params: { schedule: 'rotation_pass' } } });
  const text = JSON.stringify(events);
  for (const secretText of [reader.key, revoked.key, tenant.apiKey, secret, 'path-secret', 'query-secret']) expect(text).not.toContain(secretText);
  // Filtered like any other action.
  expect((await call('GET', '/v1/audit?action=api_keys.revoke', reader.key)).json().data).toHaveLength(1);
});

it('the migration keeps what existing keys could do: no scopes (full non-admin access) becomes read, write, spend; admin stays admin', async () => {
  const dbName = `scopes_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await api.db.query(`CREATE DATABASE ${dbName}`);
  const scratch = createPool(Object.assign(new URL(stack.databaseUrl), { pathname: `/${dbName}` }).toString(), 1);
  try {
    // The schema as it was before 026, with a key of each kind issued then.
    const dir = path.join(repoRoot, 'db', 'migrations');
    await scratch.query('CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.sql') && f < '026_').sort()) {
      await scratch.query(await readFile(path.join(dir, file), 'utf8'));
      await scratch.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
    }
    const tenantId = (await scratch.query(`INSERT INTO tenants (name) VALUES ('legacy') RETURNING id`)).rows[0].id as string;
    const legacy = async (name: string, scopes: string) =>
      scratch.query(`INSERT INTO api_keys (tenant_id, key_hash, key_prefix, name, scopes) VALUES ($1, $2, 'tp_lega', $3, $4)`, [tenantId, hashApiKey(name), name, scopes]);
    await legacy('plain', '{}');
    await legacy('admin', '{admin}');

    expect(await migrate(scratch)).toContain('026_api_key_scopes_v2.sql');
    const { rows } = await scratch.query<{ name: string; scopes: string[]; expires_at: Date | null }>('SELECT name, scopes, expires_at FROM api_keys ORDER BY name');
    expect(rows).toEqual([
      { name: 'admin', scopes: ['read', 'write', 'spend', 'admin'], expires_at: null },
      { name: 'plain', scopes: ['read', 'write', 'spend'], expires_at: null },
    ]);
    // From now on a key that can do nothing can't be stored.
    await expect(legacy('empty', '{}')).rejects.toThrow(/api_keys_scopes_known/);
  } finally {
    await scratch.end();
    await api.db.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
  }
});
