import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot } from '../../../dev/processes';
import { createTestApi, newTenant, waitFor } from '../../helpers/stack';

let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => api?.close());

const call = (method: string, url: string, key: string, payload?: unknown) =>
  api.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, payload: payload as object });

it('an admin key issues, lists and revokes keys; a revoked key stops working at once; keys are shown once', async () => {
  const tenant = await newTenant(api.db, 'keys');
  const issued = await call('POST', '/v1/api-keys', tenant.apiKey, { name: 'ci' });
  expect(issued.statusCode).toBe(201);
  const ci = issued.json();
  // Named no scopes: it can read, nothing more, and never expires.
  expect(ci).toMatchObject({ name: 'ci', scopes: ['read'], revokedAt: null, lastUsedAt: null, expiresAt: null, prefix: ci.key.slice(0, 7) });

  // The new key works; it is not an admin, so it can't manage keys.
  expect((await call('GET', '/v1/jobs', ci.key)).statusCode).toBe(200);
  const denied = await call('GET', '/v1/api-keys', ci.key);
  expect(denied.statusCode).toBe(403);
  expect(denied.json().error).toMatchObject({ code: 'insufficient_scope', message: expect.stringMatching(/needs an API key with the admin scope/) });

  // The list shows prefixes, scopes and last use — never a key or its hash.
  const list = await call('GET', '/v1/api-keys', tenant.apiKey);
  expect(list.statusCode).toBe(200);
  expect(list.body).not.toContain(ci.key);
  expect(list.body).not.toContain(tenant.apiKey);
  const listed = list.json().data as { id: string; name: string | null; scopes: string[]; lastUsedAt: string | null }[];
  expect(listed.map((k) => k.name).sort()).toEqual(['ci', 'initial']);
  // It was just used: last use is written off the request's path, so it shows up a moment later.
  const lastUsedAt = async () => ((await call('GET', '/v1/api-keys', tenant.apiKey)).json().data as typeof listed).find((k) => k.name === 'ci')!.lastUsedAt;
  expect(await waitFor(lastUsedAt, 'the key’s last use to be recorded', 30_000)).not.toBeNull();

  // Revoked: the very next request with it is a 401.
  const revoked = await call('DELETE', `/v1/api-keys/${ci.id}`, tenant.apiKey);
  expect(revoked.statusCode).toBe(200);
  expect(revoked.json().revokedAt).not.toBeNull();
  expect((await call('GET', '/v1/jobs', ci.key)).statusCode).toBe(401);
});

it('refuses to revoke the key making the request or the last admin key; another tenant sees none of it', async () => {
  const tenant = await newTenant(api.db, 'keys-guard');
  const other = await newTenant(api.db, 'keys-other');
  const own = (await call('GET', '/v1/api-keys', tenant.apiKey)).json().data[0];
  const self = await call('DELETE', `/v1/api-keys/${own.id}`, tenant.apiKey);
  expect(self.statusCode).toBe(409);
  expect(self.json().error.code).toBe('own_key');

  // A second admin may revoke the first... but then not itself, and the last admin stays.
  const second = (await call('POST', '/v1/api-keys', tenant.apiKey, { name: 'second admin', scopes: ['admin'] })).json();
  expect((await call('DELETE', `/v1/api-keys/${own.id}`, second.key)).statusCode).toBe(200);
  expect((await call('GET', '/v1/jobs', tenant.apiKey)).statusCode).toBe(401);

  // Another tenant can neither see nor revoke this tenant's keys.
  expect((await call('GET', '/v1/api-keys', other.apiKey)).json().data).toHaveLength(1);
  const foreign = await call('DELETE', `/v1/api-keys/${second.id}`, other.apiKey);
  expect(foreign.statusCode).toBe(404);
  expect((await call('GET', '/v1/jobs', second.key)).statusCode).toBe(200);

  // Bad input is a 400 naming the field.
  const bad = await call('POST', '/v1/api-keys', second.key, { scopes: ['root'] });
  expect(bad.statusCode).toBe(400);
  expect(bad.json().error.fields[0].field).toMatch(/^scopes/);
});

it('the CLI issues, lists and revokes keys for an operator', async () => {
  const tenant = await newTenant(api.db, 'keys-cli');
  const name = (await api.db.query('SELECT name FROM tenants WHERE id = $1', [tenant.tenantId])).rows[0].name as string;
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', 'keys.ts'), ...args], {
      cwd: repoRoot, env: { ...process.env, DATABASE_URL: api.config.DATABASE_URL },
    }).then((r) => JSON.parse(r.stdout));
  const created = await run('create', '--tenant', name, '--name', 'from-cli');
  expect(created.scopes).toEqual(['read']);
  expect((await call('GET', '/v1/jobs', created.key)).statusCode).toBe(200);
  // Scopes and expiry as the API takes them; --admin still makes an admin.
  const expires = new Date(Date.now() + 86_400_000).toISOString();
  expect(await run('create', '--tenant', name, '--scopes', 'read,write', '--expires', expires)).toMatchObject({ scopes: ['read', 'write'], expiresAt: expires });
  expect((await run('create', '--tenant', name, '--admin')).scopes).toEqual(['read', 'write', 'spend', 'admin']);
  await expect(run('create', '--tenant', name, '--scopes', 'root')).rejects.toThrow(/--scopes/);
  await expect(run('create', '--tenant', name, '--expires', '2001-01-01T00:00:00Z')).rejects.toThrow(/--expires: must be in the future/);
  const listed = (await run('list', '--tenant', name)) as { id: string; name: string }[];
  expect(listed.map((k) => k.name)).toContain('from-cli');
  expect(JSON.stringify(listed)).not.toContain(created.key);
  await run('revoke', '--tenant', name, '--id', created.id);
  expect((await call('GET', '/v1/jobs', created.key)).statusCode).toBe(401);
});

it('a tenant over its request rate gets 429 with Retry-After, counted across API processes; other tenants are not slowed', async () => {
  // Two API instances (as two processes behind a load balancer) sharing the tenant's bucket: 1 a second, burst 6.
  const limits = { API_RATE_LIMIT_PER_SECOND: '1', API_RATE_LIMIT_BURST: '6' };
  const [a, b] = [await createTestApi(limits), await createTestApi(limits)];
  try {
    const tenant = await newTenant(a.db, 'rate');
    const bystander = await newTenant(a.db, 'rate-other');
    // Requests alternate between the instances until the first refusal.
    let served = 0;
    let refused: Awaited<ReturnType<typeof a.app.inject>> | undefined;
    const started = performance.now();
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await (i % 2 ? a : b).app.inject({ method: 'GET', url: '/v1/jobs', headers: tenant.headers });
      if (res.statusCode === 200) served += 1;
      else refused = res;
    }
    const elapsedS = (performance.now() - started) / 1000;
    expect(refused?.statusCode).toBe(429);
    expect(refused!.json().error.code).toBe('rate_limited');
    // The burst went through across both instances, plus at most what refilled meanwhile (however slow the
    // machine): the limit is the tenant's, not each process's (two buckets would have served 12 before refusing).
    expect(served).toBeGreaterThanOrEqual(6);
    expect(served).toBeLessThanOrEqual(6 + Math.floor(elapsedS * 1));
    const retryAfter = Number(refused!.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect((await a.app.inject({ method: 'GET', url: '/v1/jobs', headers: bystander.headers })).statusCode).toBe(200);
    // After waiting as told (the behaviour under test, not a synchronisation), the tenant is served again.
    await new Promise((r) => setTimeout(r, retryAfter * 1000));
    expect((await b.app.inject({ method: 'GET', url: '/v1/jobs', headers: tenant.headers })).statusCode).toBe(200);
  } finally {
    await a.close();
    await b.close();
  }
});
