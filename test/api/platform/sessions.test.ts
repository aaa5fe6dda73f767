/**
 * Console sessions (POST /v1/sessions, DELETE /v1/sessions/current): a short-lived token that acts as the
 * key that made it — never more, never longer — and can't be turned into a longer-lived credential.
 */
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../api/app';
import { redactPaths } from '../../../config/logger';
import { createPool, type Db } from '../../../db/kit/pool';
import { hashApiKey, issueApiKey } from '../../../db/platform/tenants';
import { newTenant, stack, testConfig } from '../../helpers/stack';

/** Every log line the API writes, at trace level: the token must be in none of them. */
const logLines: string[] = [];
let app: Awaited<ReturnType<typeof buildApp>>;
let db: Db;
let close: () => Promise<void>;

beforeAll(async () => {
  const config = testConfig({ LOG_LEVEL: 'trace' });
  db = createPool(config.DATABASE_URL, 3);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  app = await buildApp({ config, db, temporal: new Client({ connection }) }, { logger: { level: 'trace', stream: sink, redact: { paths: redactPaths, censor: '[redacted]' } } });
  await app.ready();
  close = async () => {
    await app.close();
    await connection.close();
    await db.end();
  };
});
afterAll(async () => close?.());

const call = (method: string, url: string, bearer: string, payload?: unknown) =>
  app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${bearer}` }, payload: payload as object });

/** A session for `key`, asserted created; the whole answer. */
async function signIn(key: string, body?: unknown) {
  const res = await call('POST', '/v1/sessions', key, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { token: string; expiresAt: string; scopes: string[]; keyId: string; keyPrefix: string };
}

const minutesFromNow = (iso: string) => (Date.parse(iso) - Date.now()) / 60_000;

describe('a session token acts as its key', () => {
  it('same tenant and the key’s scopes: a read key’s session reads and may not buy; the answer is shown once', async () => {
    const tenant = await newTenant(db, 'sessions');
    const read = await issueApiKey(db, tenant.tenantId, { name: 'viewer', scopes: ['read'] });
    const session = await signIn(read.apiKey);
    expect(session).toMatchObject({ keyId: read.view.id, keyPrefix: read.view.prefix, scopes: ['read'] });
    expect(session.token).toMatch(/^tps_[\w-]{43}$/);
    expect(minutesFromNow(session.expiresAt)).toBeGreaterThan(59);
    expect(minutesFromNow(session.expiresAt)).toBeLessThanOrEqual(60);

    const current = await call('GET', '/v1/api-keys/current', session.token);
    expect(current.statusCode).toBe(200);
    expect(current.json()).toMatchObject({ id: read.view.id, name: 'viewer' });
    expect((await call('GET', '/v1/numbers', session.token)).statusCode).toBe(200);
    const buy = await call('POST', '/v1/numbers', session.token, { phoneNumber: '+14155550100' });
    expect(buy.statusCode).toBe(403);
    expect(buy.json().error).toMatchObject({ code: 'insufficient_scope', message: expect.stringContaining('the spend scope') });

    // Only a hash is kept.
    const { rows } = await db.query<{ token_hash: string }>('SELECT token_hash FROM console_sessions WHERE api_key_id = $1', [read.view.id]);
    expect(rows).toEqual([{ token_hash: hashApiKey(session.token) }]);
  });

  it('an admin key’s session manages what the admin may, on its own tenant only', async () => {
    const tenant = await newTenant(db, 'sessions-admin');
    const other = await newTenant(db, 'sessions-other');
    const session = await signIn(tenant.apiKey);
    expect(session.scopes).toEqual(['read', 'write', 'spend', 'admin']);
    const keys = await call('GET', '/v1/api-keys', session.token);
    expect(keys.statusCode).toBe(200);
    expect(keys.json().data.map((k: { id: string }) => k.id)).toContain(session.keyId);
    const othersKey = (await call('GET', '/v1/api-keys/current', other.apiKey)).json().id as string;
    expect((await call('DELETE', `/v1/api-keys/${othersKey}`, session.token)).statusCode).toBe(404);
  });

  it('lasts ttlMinutes (5 to 720), never past its key’s own expiry; anything else is a 400 naming ttlMinutes', async () => {
    const tenant = await newTenant(db, 'sessions-ttl');
    expect(minutesFromNow((await signIn(tenant.apiKey, { ttlMinutes: 5 })).expiresAt)).toBeLessThanOrEqual(5);
    expect(minutesFromNow((await signIn(tenant.apiKey, { ttlMinutes: 720 })).expiresAt)).toBeGreaterThan(719);
    for (const ttlMinutes of [4, 721, 60.5, '60']) {
      const res = await call('POST', '/v1/sessions', tenant.apiKey, { ttlMinutes });
      expect(res.statusCode, String(ttlMinutes)).toBe(400);
      expect(res.json().error.fields.map((f: { field: string }) => f.field)).toEqual(['ttlMinutes']);
    }
    const unknown = await call('POST', '/v1/sessions', tenant.apiKey, { ttl: 5 });
    expect(unknown.statusCode).toBe(400);

    const keyExpiresAt = new Date(Date.now() + 10 * 60_000).toISOString();
    const shortKey = await issueApiKey(db, tenant.tenantId, { scopes: ['read'], expiresAt: keyExpiresAt });
    const capped = await signIn(shortKey.apiKey, { ttlMinutes: 60 });
    expect(Date.parse(capped.expiresAt)).toBe(Date.parse(keyExpiresAt));
  });
});

describe('a session ends', () => {
  it('when it expires: 401', async () => {
    const tenant = await newTenant(db, 'sessions-expiry');
    const session = await signIn(tenant.apiKey, { ttlMinutes: 5 });
    expect((await call('GET', '/v1/jobs', session.token)).statusCode).toBe(200);
    await db.query(`UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [hashApiKey(session.token)]);
    const res = await call('GET', '/v1/jobs', session.token);
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('session token') });
  });

  it('when it is revoked (sign-out): 401 from the next request on, while the key and its other sessions go on', async () => {
    const tenant = await newTenant(db, 'sessions-revoke');
    const session = await signIn(tenant.apiKey);
    const another = await signIn(tenant.apiKey);
    const out = await call('DELETE', '/v1/sessions/current', session.token);
    expect(out.statusCode).toBe(200);
    expect(out.json()).toEqual({ keyId: session.keyId, revokedAt: expect.any(String) });
    expect((await call('GET', '/v1/jobs', session.token)).statusCode).toBe(401);
    expect((await call('DELETE', '/v1/sessions/current', session.token)).statusCode).toBe(401);
    expect((await call('GET', '/v1/jobs', another.token)).statusCode).toBe(200);
    expect((await call('GET', '/v1/jobs', tenant.apiKey)).statusCode).toBe(200);
  });

  it('DELETE /v1/sessions/current with an API key is a 404: there is no session, and the key still works', async () => {
    const tenant = await newTenant(db, 'sessions-no-session');
    const res = await call('DELETE', '/v1/sessions/current', tenant.apiKey);
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'not_found', message: expect.stringContaining('API key, not a session token') });
    expect((await call('GET', '/v1/jobs', tenant.apiKey)).statusCode).toBe(200);
  });

  it('when its key is revoked, or expires: every session of that key is a 401', async () => {
    const tenant = await newTenant(db, 'sessions-key');
    const revokedKey = await issueApiKey(db, tenant.tenantId, { scopes: ['read'] });
    const expiringKey = await issueApiKey(db, tenant.tenantId, { scopes: ['read'] });
    const sessions = [await signIn(revokedKey.apiKey), await signIn(revokedKey.apiKey), await signIn(expiringKey.apiKey)];
    for (const s of sessions) expect((await call('GET', '/v1/jobs', s.token)).statusCode).toBe(200);

    expect((await call('DELETE', `/v1/api-keys/${revokedKey.view.id}`, tenant.apiKey)).statusCode).toBe(200);
    await db.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [expiringKey.view.id]);
    for (const s of sessions) expect((await call('GET', '/v1/jobs', s.token)).statusCode).toBe(401);
  });

  it('expired sessions are deleted as new ones are created', async () => {
    const tenant = await newTenant(db, 'sessions-cleanup');
    const old = await signIn(tenant.apiKey);
    await db.query(`UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [hashApiKey(old.token)]);
    const revoked = await signIn(tenant.apiKey);
    expect((await call('DELETE', '/v1/sessions/current', revoked.token)).statusCode).toBe(200);
    await signIn(tenant.apiKey);
    const { rows } = await db.query('SELECT 1 FROM console_sessions WHERE token_hash = ANY($1)', [[hashApiKey(old.token), hashApiKey(revoked.token)]]);
    expect(rows).toEqual([]);
  });
});

describe('a session can’t mint credentials', () => {
  it('POST /v1/sessions and POST /v1/api-keys with a session token are 403 api_key_required, and nothing is made', async () => {
    const tenant = await newTenant(db, 'sessions-mint');
    const session = await signIn(tenant.apiKey);
    const countSessions = async () =>
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM console_sessions WHERE tenant_id = $1', [tenant.tenantId])).rows[0]!.n;
    const sessionsBefore = await countSessions();

    const again = await call('POST', '/v1/sessions', session.token, { ttlMinutes: 720 });
    expect(again.statusCode).toBe(403);
    expect(again.json().error).toMatchObject({ code: 'api_key_required', message: expect.stringContaining('cannot create sessions or API keys') });
    const key = await call('POST', '/v1/api-keys', session.token, { name: 'stolen', scopes: ['admin'] });
    expect(key.statusCode).toBe(403);
    expect(key.json().error.code).toBe('api_key_required');

    expect(await countSessions()).toBe(sessionsBefore);
    const names = (await call('GET', '/v1/api-keys', tenant.apiKey)).json().data.map((k: { name: string | null }) => k.name);
    expect(names).toEqual(['initial']);
    // The key itself still may.
    expect((await call('POST', '/v1/api-keys', tenant.apiKey, { name: 'ci' })).statusCode).toBe(201);
  });
});

describe('the contract', () => {
  it('the OpenAPI document: the body may be left out (and is), any key’s scope, the 403 for sessions told', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const create = doc.paths['/v1/sessions'].post;
    expect(create.requestBody.required).toBe(false);
    expect(create).not.toHaveProperty('x-optional-body');
    expect(create['x-required-scope']).toBe('read');
    expect(create.description).toContain('403 api_key_required');
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403']));
    expect(doc.paths['/v1/api-keys'].post.description).toContain('403 api_key_required');
    // Every other body stays required.
    expect(doc.paths['/v1/api-keys'].post.requestBody.required).toBe(true);
    const revoke = doc.paths['/v1/sessions/current'].delete;
    expect(Object.keys(revoke.responses)).toEqual(expect.arrayContaining(['200', '401', '404']));

    const tenant = await newTenant(db, 'sessions-no-body');
    const bare = await app.inject({ method: 'POST', url: '/v1/sessions', headers: tenant.headers });
    expect(bare.statusCode, bare.body).toBe(201);
    expect(minutesFromNow(bare.json().expiresAt)).toBeGreaterThan(59);
  });

  it('the token is in no log line and no other answer (the audit trail included)', async () => {
    const tenant = await newTenant(db, 'sessions-logs');
    const session = await signIn(tenant.apiKey);
    await call('GET', '/v1/numbers', session.token);
    await call('POST', '/v1/api-keys', session.token, { name: 'x' });
    const audit = await call('GET', '/v1/audit', tenant.apiKey);
    expect(audit.statusCode).toBe(200);
    expect(audit.json().data.map((e: { action: string }) => e.action)).toContain('sessions.create');
    await call('DELETE', '/v1/sessions/current', session.token);
    await call('GET', '/v1/numbers', session.token); // refused: logged as a 401
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n') + audit.body).not.toContain(session.token);
    expect(logLines.join('\n')).not.toContain(session.token.slice(4, 20));
  });
});
