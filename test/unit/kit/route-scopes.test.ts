/**
 * Every /v1 route declares the scope an API key needs for it, so a new route can't be added with none:
 * the app is built (nothing connects until a request comes) and its routes are walked as registered.
 */
import { Client, Connection } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../api/app';
import { neededScope, type RouteScope } from '../../../api/kit/plugins/auth';
import { ConfigSchema } from '../../../config/env';
import { createPool } from '../../../db/kit/pool';
import { API_KEY_SCOPES, scopesGrant, withImpliedScopes } from '../../../schemas/platform/api-keys';

let app: Awaited<ReturnType<typeof buildApp>>;
let db: ReturnType<typeof createPool>;
beforeAll(async () => {
  const config = ConfigSchema.parse({
    DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
    TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
    TWILIO_AUTH_TOKEN: 'routes-only',
    LOG_LEVEL: 'silent',
  });
  db = createPool(config.DATABASE_URL, 1);
  app = await buildApp({ config, db, temporal: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }) }, { logger: false });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db?.end();
});

type Operation = { 'x-required-scope'?: string; 'x-required-scope-raised'?: { scope: string }; description?: string; responses: Record<string, unknown>; security?: Record<string, unknown>[] };
/** The operator API's operations take operator keys, not a tenant key's scopes (test/api/platform/operator.test.ts). */
const isOperatorOnly = (op: Operation) => Boolean(op.security?.some((s) => 'operatorKey' in s));
const operations = async () => {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, Operation>> };
  return Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })))
    .filter(({ op }) => !isOperatorOnly(op));
};

/** The console's sign-in and sign-out: any key may, and a session can do no more than the key that made it. */
const consoleSessionOps = ['POST /v1/sessions', 'DELETE /v1/sessions/current'];

describe('route scopes', () => {
  it('every /v1 route declares the scope it needs in its route options', () => {
    const routes = app.routeScopes ?? [];
    expect(routes.length).toBeGreaterThan(50);
    const undeclared = routes.filter((r) => !r.declared).map((r) => `${r.method} ${r.url}`);
    expect(undeclared, 'routes without config.scope').toEqual([]);
    expect(routes.every((r) => r.url.startsWith('/v1/'))).toBe(true);
  });

  it('the OpenAPI document gives every operation its scope, says so in words, and declares the 403', async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(50);
    for (const { method, path, op } of ops) {
      const scope = op['x-required-scope'];
      expect(API_KEY_SCOPES, `${method} ${path}`).toContain(scope);
      expect(op.description, `${method} ${path}`).toContain(`Needs an API key with the \`${scope}\` scope`);
      expect(op.responses, `${method} ${path}`).toHaveProperty('403');
      // Reading is the only thing a read key may do: nothing but a GET is open to it — and signing in and out
      // of the console, since a session does no more than its key.
      if (method !== 'GET' && !consoleSessionOps.includes(`${method} ${path}`)) expect(scope, `${method} ${path}`).not.toBe('read');
    }
  });

  it('what costs money needs spend, and what can wipe out the tenant’s setup or inventory needs admin', async () => {
    const scopeOf = new Map((await operations()).map(({ method, path, op }) => [`${method} ${path}`, op['x-required-scope']]));
    const expected: Record<string, string> = {
      'GET /v1/numbers': 'read',
      'PATCH /v1/numbers/{phoneNumber}': 'write',
      'POST /v1/numbers': 'spend',
      'POST /v1/jobs/bulk-buy': 'spend',
      'POST /v1/jobs/bulk-lookup': 'spend',
      'POST /v1/a2p/registrations': 'spend',
      'POST /v1/a2p/brands': 'spend',
      'POST /v1/a2p/campaigns': 'spend',
      'POST /v1/voice-trust/registrations': 'spend',
      'POST /v1/tollfree/verifications': 'spend',
      'POST /v1/jobs/bulk-release': 'admin',
      'DELETE /v1/sip/trunks/{trunkSid}': 'admin',
      'PUT /v1/number-health/policy': 'admin',
      'DELETE /v1/number-health/policy': 'admin',
      'POST /v1/number-health/policy/{action}': 'admin',
      'PUT /v1/costs/budget': 'admin',
      'POST /v1/api-keys': 'admin',
      'GET /v1/api-keys': 'admin',
      'DELETE /v1/api-keys/{keyId}': 'admin',
      'POST /v1/webhook-endpoints': 'admin',
      'DELETE /v1/webhook-endpoints/{endpointId}': 'admin',
      'POST /v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/resend': 'admin',
      'GET /v1/api-keys/current': 'read',
      'POST /v1/sessions': 'read',
      'DELETE /v1/sessions/current': 'read',
    };
    expect(Object.fromEntries(Object.keys(expected).map((k) => [k, scopeOf.get(k)]))).toEqual(expected);
    // A lookup reads, unless it asks for billed packages.
    const lookup = (await operations()).find((o) => o.method === 'GET' && o.path === '/v1/lookups/{phoneNumber}')!.op;
    expect(lookup['x-required-scope']).toBe('read');
    expect(lookup['x-required-scope-raised']).toMatchObject({ scope: 'spend' });
  });

  it('a route that forgets its scope is closed, not open: reading needs read, anything else admin', () => {
    const req = (method: string, query: Record<string, unknown> = {}) => ({ method, query }) as unknown as FastifyRequest;
    expect(neededScope(req('GET'), undefined)).toBe('read');
    expect(neededScope(req('HEAD'), undefined)).toBe('read');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(neededScope(req(method), undefined)).toBe('admin');
    const raised: RouteScope = { scope: 'read', raisedTo: 'spend', when: 'with fields', applies: (r) => Boolean((r.query as { fields?: string }).fields) };
    expect(neededScope(req('GET'), raised)).toBe('read');
    expect(neededScope(req('GET', { fields: 'caller_name' }), raised)).toBe('spend');
  });

  it('each scope implies the ones before it: read < write < spend < admin', () => {
    expect(withImpliedScopes(['read'])).toEqual(['read']);
    expect(withImpliedScopes(['spend'])).toEqual(['read', 'write', 'spend']);
    expect(withImpliedScopes(['admin', 'read'])).toEqual(['read', 'write', 'spend', 'admin']);
    expect(scopesGrant(['write'], 'read')).toBe(true);
    expect(scopesGrant(['write'], 'spend')).toBe(false);
    expect(scopesGrant(['spend'], 'write')).toBe(true);
    expect(scopesGrant(['spend'], 'admin')).toBe(false);
    expect(scopesGrant([], 'read')).toBe(false);
    expect(scopesGrant(['root'], 'read')).toBe(false);
  });
});
