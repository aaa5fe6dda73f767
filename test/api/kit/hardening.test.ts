import { connect, createServer, type Server } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../api/app';
import { createPool } from '../../../db/kit/pool';
import { freePort } from '../../../dev/processes';
import { createTestApi, newTenant, testConfig } from '../../helpers/stack';

/**
 * Defects an operator found by fuzzing and by hand (issue 9 §1): each answered 500, hung, or left the
 * API's error shape. Every answer below must be a 4xx/503 in `{ error: { code, message } }`.
 */
let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;
beforeAll(async () => {
  api = await createTestApi();
  tenant = await newTenant(api.db, 'hardening');
});
afterAll(async () => api?.close());

const errorShape = (res: { json: () => any }, status: number, code: string) => {
  expect(res.json()).toMatchObject({ error: { code, message: expect.any(String) } });
  return status;
};

describe('pagination', () => {
  it('a cursor naming an impossible instant is a 400 on `cursor`, on every paginated list', async () => {
    const forged = Buffer.from(JSON.stringify(['2024-02-30 00:00:00+00', '0b7c1f9e-5b1a-4c1e-9a51-5f0e1f2a3b4c'])).toString('base64url');
    for (const url of ['/v1/jobs', '/v1/numbers', '/v1/a2p/registrations', '/v1/sip/trunks']) {
      const res = await api.app.inject({ method: 'GET', url: `${url}?cursor=${forged}`, headers: tenant.headers });
      expect(res.statusCode, url).toBe(errorShape(res, 400, 'invalid_request'));
      expect(res.json().error.fields).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    }
  });
});

describe('text PostgreSQL cannot store', () => {
  it('a NUL or an unpaired surrogate in any field is a 400 naming it, not a 500 from the database', async () => {
    const res = await api.app.inject({
      method: 'POST', url: '/v1/sip/trunks', headers: tenant.headers,
      payload: { friendlyName: 'a\u0000b', originationUris: [{ sipUrl: 'sip:pbx.example.com', friendlyName: 'x\ud83c' }], termination: {} },
    });
    expect(res.statusCode).toBe(errorShape(res, 400, 'invalid_request'));
    expect(res.json().error.fields.map((f: { field: string }) => f.field)).toEqual(['friendlyName', 'originationUris.0.friendlyName']);
    const query = await api.app.inject({ method: 'GET', url: '/v1/numbers?cursor=%00', headers: tenant.headers });
    expect(query.statusCode).toBe(400);
    expect(query.json().error.fields[0].field).toBe('cursor');
  });
});

describe('webhooks', () => {
  it('a status callback that is not form-encoded is refused before anything reads it', async () => {
    const res = await api.app.inject({
      method: 'POST', url: '/webhooks/twilio/status-callback',
      headers: { 'content-type': 'application/json', 'x-twilio-signature': 'x' }, payload: '{"a":{"toString":1}}',
    });
    expect(res.statusCode).toBe(errorShape(res, 415, 'unsupported_media_type'));
    const xml = await api.app.inject({ method: 'POST', url: '/webhooks/twilio/status-callback', headers: { 'content-type': 'text/plain' }, payload: 'a=b' });
    expect(xml.statusCode).toBe(415);
    // A form body still reaches the signature check: unsigned is 403.
    const form = await api.app.inject({ method: 'POST', url: '/webhooks/twilio/status-callback', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'BundleSid=BU1&Status=twilio-approved' });
    expect(form.statusCode).toBe(errorShape(form, 403, 'invalid_signature'));
  });
});

describe('errors Fastify and Node produce themselves', () => {
  it('unknown path 404 and known path with another method 405 with Allow, in the API shape', async () => {
    const missing = await api.app.inject({ method: 'GET', url: '/v1/nope', headers: tenant.headers });
    expect(missing.statusCode).toBe(errorShape(missing, 404, 'not_found'));
    const wrong = await api.app.inject({ method: 'DELETE', url: '/v1/jobs', headers: tenant.headers });
    expect(wrong.statusCode).toBe(errorShape(wrong, 405, 'method_not_allowed'));
    expect(wrong.headers.allow).toContain('GET');
    const wrongWithParam = await api.app.inject({ method: 'PUT', url: '/v1/jobs/0b7c1f9e-5b1a-4c1e-9a51-5f0e1f2a3b4c', headers: tenant.headers });
    expect(wrongWithParam.statusCode).toBe(405);
    expect(wrongWithParam.headers.allow).toContain('GET');
  });

  it('every documented path answers OPTIONS with exactly its documented methods in Allow (a concrete path over a templated one)', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const httpMethods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
    // The paths a literal segment shares with a templated route (/v1/jobs/bulk-buy and /v1/jobs/{jobId}) among them.
    for (const [template, operations] of Object.entries(doc.paths)) {
      const path = template.replace(/\{[^}]+\}/g, 'x');
      const documented = Object.keys(operations).filter((m) => httpMethods.includes(m)).map((m) => m.toUpperCase());
      const answer = await api.app.inject({ method: 'OPTIONS', url: path, headers: tenant.headers });
      expect(answer.statusCode, `OPTIONS ${path}`).toBe(errorShape(answer, 405, 'method_not_allowed'));
      const allowed = String(answer.headers.allow).split(', ').filter((m) => m !== 'HEAD');
      expect(allowed.sort(), `OPTIONS ${path}`).toEqual(documented.filter((m) => m !== 'HEAD').sort());
    }
    const concrete = await api.app.inject({ method: 'PUT', url: '/v1/number-health/reputation', headers: tenant.headers });
    expect(concrete.headers.allow).toBe('POST');
  });

  it('413, 415 and a malformed URL escape keep the shape', async () => {
    const big = await api.app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers: { ...tenant.headers, 'content-type': 'application/json' }, payload: `{"areaCode":"415","x":"${'a'.repeat(2 * 1024 * 1024)}"}` });
    expect(big.statusCode).toBe(errorShape(big, 413, 'payload_too_large'));
    const xml = await api.app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers: { ...tenant.headers, 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(xml.statusCode).toBe(errorShape(xml, 415, 'unsupported_media_type'));
    const escape = await api.app.inject({ method: 'GET', url: '/v1/jobs/%zz', headers: tenant.headers });
    expect(escape.statusCode).toBe(errorShape(escape, 400, 'invalid_request'));
  });

  it('414 for a path segment too long and 431 for headers too large, over real HTTP', async () => {
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    try {
      const long = await fetch(`http://127.0.0.1:${port}/v1/jobs/${'a'.repeat(200)}`, { headers: tenant.headers });
      const longBody = (await long.json()) as { error?: { code?: string } };
      expect([long.status, longBody.error?.code]).toEqual([414, 'uri_too_long']);
      // …and the document says so for every operation with a path parameter (the fuzzer found one that didn't).
      const doc = (await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
      const withParam = Object.entries(doc.paths).filter(([p]) => p.startsWith('/v1') && p.includes('{')).flatMap(([p, ops]) => Object.entries(ops).map(([m, op]) => [`${m} ${p}`, '414' in op.responses]));
      expect(withParam.length).toBeGreaterThan(20);
      expect(withParam.filter(([, ok]) => !ok)).toEqual([]);
      const huge = await rawRequest(port, `GET /v1/jobs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(huge).toMatch(/^HTTP\/1\.1 431/);
      expect(JSON.parse(huge.split('\r\n\r\n')[1]!)).toMatchObject({ error: { code: 'request_header_fields_too_large' } });
    } finally {
      await api.app.close();
      api = await createTestApi(); // the listening app is closed; the remaining tests get a fresh one
    }
  });
});

describe('health', () => {
  it('/readyz is 200 when PostgreSQL and Temporal answer; neither probe needs a key', async () => {
    const ready = await api.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { postgres: { ok: true }, temporal: { ok: true } } });
    expect((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('authentication', () => {
  it('accepts the Bearer scheme in any case', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const res = await api.app.inject({ method: 'GET', url: '/v1/jobs', headers: { authorization: `${scheme} ${tenant.apiKey}` } });
      expect(res.statusCode, scheme).toBe(200);
    }
  });
});

describe('backing services away', () => {
  it('PostgreSQL starting up (57P03) or unreachable (08006) is a 503 with Retry-After, never a 500', async () => {
    for (const code of ['57P03', '08006']) {
      const failing = { query: async () => Promise.reject(Object.assign(new Error('the database system is starting up'), { code })) };
      const app = await buildApp({ config: api.config, db: failing as never, temporal: api.temporal }, { logger: false });
      const res = await app.inject({ method: 'GET', url: '/v1/jobs', headers: tenant.headers });
      expect(res.statusCode, code).toBe(errorShape(res, 503, 'service_unavailable'));
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      await app.close();
    }
  });

  it('with Temporal not answering, a job is accepted and stays queued, and a short call is a 503 — within the bound', async () => {
    // A Temporal address that accepts connections and never answers, and one that refuses them.
    const blackHole = await listenSilently();
    const refused = await freePort();
    for (const address of [`127.0.0.1:${(blackHole.address() as { port: number }).port}`, `127.0.0.1:${refused}`]) {
      const config = testConfig({ TEMPORAL_ADDRESS: address, API_TEMPORAL_TIMEOUT_MS: '800' });
      const connection = Connection.lazy({ address, connectTimeout: 500 });
      const db = createPool(config.DATABASE_URL, 3);
      const app = await buildApp({ config, db, temporal: new Client({ connection }) }, { logger: false });
      try {
        const t0 = Date.now();
        const job = await app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers: tenant.headers, payload: { areaCode: '417', quantity: 2 } });
        expect(job.statusCode, address).toBe(202);
        expect(job.json().status).toBe('queued'); // the sweep starts it once Temporal is back
        const buy = await app.inject({ method: 'POST', url: '/v1/numbers', headers: tenant.headers, payload: { phoneNumber: '+14175550100' } });
        expect(buy.statusCode, address).toBe(errorShape(buy, 503, 'service_unavailable'));
        expect(buy.headers['retry-after']).toBeDefined();
        expect(Date.now() - t0).toBeLessThan(10_000);
        // Readiness says which dependency is away; liveness doesn't depend on it.
        const ready = await app.inject({ method: 'GET', url: '/readyz' });
        expect(ready.statusCode).toBe(503);
        expect(ready.json()).toMatchObject({ status: 'not_ready', checks: { postgres: { ok: true }, temporal: { ok: false } } });
        expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
        // Nothing was half-started: the job row waits, whole, for its workflow.
        const row = await db.query('SELECT status FROM jobs WHERE id = $1', [job.json().id]);
        expect(row.rows[0].status).toBe('queued');
        await db.query('DELETE FROM jobs WHERE id = $1', [job.json().id]); // not left for another test's sweep
      } finally {
        await app.close();
        await db.end();
        await connection.close().catch(() => undefined);
      }
    }
    blackHole.close();
  });
});

/** A TCP server that accepts connections and never says anything. */
async function listenSilently(): Promise<Server> {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Sends bytes as they are (no client-side header limits) and returns the whole answer. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (d) => (answer += String(d)));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}
