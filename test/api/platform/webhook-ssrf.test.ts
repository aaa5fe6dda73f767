import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrate } from '../../../db/kit/migrate';
import { createPool } from '../../../db/kit/pool';
import { createTestApi, newTenant, stack, startWorkerProcess, stopChild, waitFor } from '../../helpers/stack';

/**
 * Webhook endpoints cannot reach inside the deployment: refused at registration (400 naming `url`) and
 * again at every delivery, which never follows a redirect. And the delivery log pages with its own ids.
 */
type Api = Awaited<ReturnType<typeof createTestApi>>;
/** The API as production runs it: private addresses refused, ports 80 and 443 only. */
let strict: Api;
/** The API as the test stack runs it (local receivers allowed). */
let lenient: Api;
const servers: Server[] = [];

/** A local HTTP receiver: what it was sent, answered by `answer`. */
async function receiver(answer: (res: ServerResponse) => void = (res) => res.writeHead(200).end()) {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume().on('end', () => answer(res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { requests, port: (server.address() as AddressInfo).port };
}

const register = (api: Api, headers: Record<string, string>, url: string) =>
  api.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers, payload: { url, eventTypes: ['job.finished'] } });
/** What the job.finished trigger does when a job ends, without running one. */
const enqueueEvent = (api: Api, tenantId: string, n = 1) =>
  api.db.query(`SELECT enqueue_tenant_event($1, 'job.finished', jsonb_build_object('jobId', $2::text)) FROM generate_series(1, $3)`, [tenantId, randomUUID(), n]);
const deliveries = async (api: Api, headers: Record<string, string>, endpointId: string, query = '') =>
  (await api.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${endpointId}/deliveries${query}`, headers })).json();

beforeAll(async () => {
  strict = await createTestApi({ WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'false', WEBHOOK_ALLOWED_PORTS: '80,443' });
  lenient = await createTestApi();
});
afterAll(async () => {
  servers.forEach((s) => s.close());
  await strict?.close();
  await lenient?.close();
});

it('refuses endpoints inside the deployment with a 400 naming url, however spelled, and stores none of them', async () => {
  const tenant = await newTenant(strict.db, 'ssrf');
  const inside = [
    'http://127.0.0.1:5432/',
    `${stack.sandboxUrl}/__sandbox/reset`,
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://[::1]:7233/',
    'http://2130706433/',
    'http://10.0.0.1/',
    'http://0x7f.1/',
    'http://[::ffff:127.0.0.1]/',
    'http://100.64.0.1/',
    'http://[fd00::1]/',
    'http://localhost/hooks', // a name that resolves to loopback
    'http://no-such-host.invalid/hooks', // a name that resolves to nothing
    'https://93.184.215.14:8443/hooks', // a public address on a port not allowed
    'https://user:secret@93.184.215.14/hooks',
  ];
  for (const url of inside) {
    const res = await register(strict, tenant.headers, url);
    expect(res.statusCode, url).toBe(400);
    expect(res.json().error, url).toMatchObject({ code: 'invalid_request', fields: [{ field: 'url' }] });
  }
  const messages = await Promise.all(['http://2130706433/', 'http://localhost/hooks', 'http://no-such-host.invalid/hooks', 'https://93.184.215.14:8443/hooks'].map(async (url) => (await register(strict, tenant.headers, url)).json().error.fields[0].message));
  expect(messages[0]).toMatch(/^127\.0\.0\.1 is not a public address \(loopback\)/);
  expect(messages[1]).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), which is not a public address \(loopback\)/);
  expect(messages[2]).toMatch(/^no-such-host\.invalid does not resolve/);
  expect(messages[3]).toBe('port 8443 is not allowed (allowed: 80, 443)');

  // A public address on 443 is accepted (registration connects to nothing).
  const accepted = await register(strict, tenant.headers, 'https://93.184.215.14/hooks');
  expect(accepted.statusCode).toBe(201);
  const stored = (await strict.app.inject({ method: 'GET', url: '/v1/webhook-endpoints', headers: tenant.headers })).json().data;
  expect(stored.map((e: { url: string }) => e.url)).toEqual(['https://93.184.215.14/hooks']);
});

it('a delivery to an endpoint that now resolves to a private address fails at once with the reason, and nothing reaches it', async () => {
  // A database of its own: the test stack's worker (private addresses allowed) must not take this delivery.
  const dbName = `ssrf_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await strict.db.query(`CREATE DATABASE ${dbName}`);
  const databaseUrl = Object.assign(new URL(stack.databaseUrl), { pathname: `/${dbName}` }).toString();
  const setup = createPool(databaseUrl, 1);
  await migrate(setup);
  await setup.end();
  // Registered while allowed (as before this check existed), through the API on that database.
  const before = await createTestApi({ DATABASE_URL: databaseUrl });
  const target = await receiver();
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  try {
    const tenant = await newTenant(before.db, 'ssrf-delivery');
    const endpoint = (await register(before, tenant.headers, `http://localhost:${target.port}/hooks`)).json();
    expect(endpoint.id).toBeDefined();
    await enqueueEvent(before, tenant.tenantId);
    // Any port, so the refusal is the address's.
    worker = await startWorkerProcess(`ssrf-${randomUUID()}`, { DATABASE_URL: databaseUrl, WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'false', WEBHOOK_ALLOWED_PORTS: '*' });
    const failed = await waitFor(async () => {
      const page = await deliveries(before, tenant.headers, endpoint.id);
      return page.data[0]?.status === 'failed' ? page.data[0] : null;
    }, 'the delivery to fail', 60_000);
    expect(failed).toMatchObject({ attempts: 1, lastStatus: null, nextAttemptAt: null });
    expect(failed.lastError).toMatch(/^not sent: localhost resolves to (127\.0\.0\.1|::1), which is not a public address \(loopback\)/);
    expect(target.requests).toEqual([]);
  } finally {
    if (worker) await stopChild(worker);
    await before.close();
    await strict.db.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
  }
});

it('a redirect is a failed attempt saying so, and is not followed', async () => {
  const elsewhere = await receiver();
  const redirecting = await receiver((res) => res.writeHead(302, { location: `http://127.0.0.1:${elsewhere.port}/stolen` }).end());
  const tenant = await newTenant(lenient.db, 'ssrf-redirect');
  const endpoint = (await register(lenient, tenant.headers, `http://127.0.0.1:${redirecting.port}/hooks`)).json();
  await enqueueEvent(lenient, tenant.tenantId);
  const attempted = await waitFor(async () => {
    const d = (await deliveries(lenient, tenant.headers, endpoint.id)).data[0];
    return d?.attempts >= 1 ? d : null;
  }, 'the first attempt', 60_000);
  expect(attempted).toMatchObject({ status: 'pending', lastStatus: 302, lastError: 'answered 302: redirects are not followed' });
  expect(redirecting.requests).toEqual(['POST /hooks']);
  expect(elsewhere.requests).toEqual([]);
  await lenient.app.inject({ method: 'DELETE', url: `/v1/webhook-endpoints/${endpoint.id}`, headers: tenant.headers });
});

it('the delivery log pages through every delivery once with limit=1, and refuses cursors it did not return', async () => {
  const tenant = await newTenant(lenient.db, 'ssrf-paging');
  const endpoint = (await register(lenient, tenant.headers, 'http://127.0.0.1:9/paging')).json();
  await enqueueEvent(lenient, tenant.tenantId, 3);
  const all = (await deliveries(lenient, tenant.headers, endpoint.id, '?limit=10')).data.map((d: { id: string }) => d.id);
  expect(all).toHaveLength(3);

  const paged: string[] = [];
  let cursor: string | null = null;
  let deliveryCursor = '';
  for (let pages = 0; pages < 4; pages += 1) {
    const page = await deliveries(lenient, tenant.headers, endpoint.id, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.data.length, JSON.stringify(page)).toBeLessThanOrEqual(1);
    paged.push(...page.data.map((d: { id: string }) => d.id));
    cursor = page.nextCursor;
    if (cursor) deliveryCursor = cursor;
    if (!cursor) break;
  }
  expect(cursor).toBeNull();
  expect(paged).toEqual(all);

  // A cursor of another list (a UUID id) is refused here, and a delivery cursor is refused by a UUID list.
  const [ts] = JSON.parse(Buffer.from(deliveryCursor, 'base64url').toString()) as [string, string];
  const foreign = Buffer.from(JSON.stringify([ts, randomUUID()])).toString('base64url');
  for (const url of [`/v1/webhook-endpoints/${endpoint.id}/deliveries?cursor=${foreign}`, `/v1/jobs?cursor=${deliveryCursor}`]) {
    const res = await lenient.app.inject({ method: 'GET', url, headers: tenant.headers });
    expect(res.statusCode, url).toBe(400);
    expect(res.json().error.fields, url).toEqual([{ field: 'cursor', message: 'cursor is not one this API returned' }]);
  }
  await lenient.app.inject({ method: 'DELETE', url: `/v1/webhook-endpoints/${endpoint.id}`, headers: tenant.headers });
});
