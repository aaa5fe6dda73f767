import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../../dev/processes';
import { waitForJob } from '../../helpers/jobs';
import { createTestApi, newTenant, waitFor } from '../../helpers/stack';

let api: Awaited<ReturnType<typeof createTestApi>>;
let receiver: Server;
let url: string;
/** What the tenant's endpoint received, and how many of the first requests it answers with a 500. */
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
let failFirst = 1;

beforeAll(async () => {
  api = await createTestApi();
  const port = await freePort();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += String(d)));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(received.length <= failFirst ? 500 : 200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));
  url = `http://127.0.0.1:${port}/hooks`;
});
afterAll(async () => {
  receiver?.close();
  await api?.close();
});

it('a finished job is POSTed to the tenant’s endpoint, signed the Standard Webhooks way, retried after a failure, logged and resendable', async () => {
  const tenant = await newTenant(api.db, 'hooks');
  const other = await newTenant(api.db, 'hooks-other');
  const created = await api.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: tenant.headers, payload: { url, eventTypes: ['job.finished'] } });
  expect(created.statusCode).toBe(201);
  const endpoint = created.json();
  expect(endpoint.secret).toMatch(/^whsec_/);
  // Subscribed to something else: gets nothing for a job.
  const quiet = (await api.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: tenant.headers, payload: { url: `${url}?quiet`, eventTypes: ['registration.status_changed'] } })).json();
  expect(JSON.stringify((await api.app.inject({ method: 'GET', url: '/v1/webhook-endpoints', headers: tenant.headers })).json())).not.toContain('whsec_');

  const job = await api.app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers: tenant.headers, payload: { areaCode: '319', quantity: 1 } });
  const jobId = job.json().id as string;
  expect((await waitForJob(api.app, tenant.headers, jobId)).status).toBe('succeeded');

  // First attempt answered 500, the retry (after the back-off) 200: the same message both times.
  await waitFor(async () => received.length >= 2, 'the retried delivery', 60_000);
  expect(received[0]!.headers['webhook-id']).toBe(received[1]!.headers['webhook-id']);
  const wh = new Webhook(endpoint.secret);
  const event = wh.verify(received[1]!.body, received[1]!.headers as Record<string, string>) as { type: string; data: { jobId: string; status: string } };
  expect(event).toMatchObject({ type: 'job.finished', data: { jobId, status: 'succeeded' } });
  // A tampered body or a replayed old timestamp fails verification.
  expect(() => wh.verify(received[1]!.body.replace('succeeded', 'failed'), received[1]!.headers as Record<string, string>)).toThrow();
  expect(() => wh.verify(received[1]!.body, { ...(received[1]!.headers as Record<string, string>), 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3600) })).toThrow();

  // The delivery log, and a resend with the same id.
  const log = await waitFor(async () => {
    const page = (await api.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${endpoint.id}/deliveries`, headers: tenant.headers })).json();
    return page.data[0]?.status === 'delivered' ? page : null;
  }, 'the delivery to be logged as delivered', 30_000);
  expect(log.data).toHaveLength(1);
  expect(log.data[0]).toMatchObject({ eventType: 'job.finished', status: 'delivered', attempts: 2, lastStatus: 200, lastError: null });
  const resent = await api.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${endpoint.id}/deliveries/${log.data[0].id}/resend`, headers: tenant.headers });
  expect(resent.statusCode).toBe(202);
  await waitFor(async () => received.length >= 3, 'the resend', 30_000);
  expect(received[2]!.headers['webhook-id']).toBe(log.data[0].id);
  expect(received.some((r) => r.headers['webhook-id'] && r.body.includes('registration'))).toBe(false);
  expect((await api.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${quiet.id}/deliveries`, headers: tenant.headers })).json().data).toEqual([]);

  // Another tenant sees and touches none of it.
  expect((await api.app.inject({ method: 'GET', url: '/v1/webhook-endpoints', headers: other.headers })).json().data).toEqual([]);
  expect((await api.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${endpoint.id}/deliveries`, headers: other.headers })).statusCode).toBe(404);
  expect((await api.app.inject({ method: 'DELETE', url: `/v1/webhook-endpoints/${endpoint.id}`, headers: other.headers })).statusCode).toBe(404);
  expect((await api.app.inject({ method: 'DELETE', url: `/v1/webhook-endpoints/${endpoint.id}`, headers: tenant.headers })).statusCode).toBe(200);
  // A bad URL is a 400 naming the field.
  const bad = await api.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: tenant.headers, payload: { url: 'ftp://x' } });
  expect(bad.statusCode).toBe(400);
  expect(bad.json().error.fields[0].field).toBe('url');
});

it('registration status changes and finished trunk operations are queued for the endpoints subscribed to them, in the same transaction', async () => {
  const tenant = await newTenant(api.db, 'hooks-events');
  const endpoint = (await api.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: tenant.headers, payload: { url: `${url}?events`, eventTypes: ['registration.status_changed', 'trunk.operation_succeeded'] } })).json();
  // A trunk provisioned through the API.
  const trunk = await api.app.inject({ method: 'POST', url: '/v1/sip/trunks', headers: tenant.headers, payload: { friendlyName: 'Hooked', originationUris: [{ sipUrl: 'sip:hooked.example.com' }], termination: {} } });
  expect(trunk.statusCode).toBe(202);
  // A registration's status moving (as its workflow records it).
  const id = randomUUID();
  await api.db.query(`INSERT INTO a2p_registrations (id, tenant_id, status, step, draft, workflow_id) VALUES ($1, $2, 'running', 'brand', '{}', $3)`, [id, tenant.tenantId, `wf-${id}`]);
  await api.db.query(`UPDATE a2p_registrations SET status = 'action_required' WHERE id = $1`, [id]);
  const events = await waitFor(async () => {
    const page = (await api.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${endpoint.id}/deliveries?limit=10`, headers: tenant.headers })).json();
    return page.data.length >= 2 ? (page.data as { eventType: string; payload: { data: Record<string, unknown> } }[]) : null;
  }, 'both events', 60_000);
  expect(events.map((e) => e.eventType).sort()).toEqual(['registration.status_changed', 'trunk.operation_succeeded']);
  expect(events.find((e) => e.eventType === 'registration.status_changed')!.payload.data).toMatchObject({ registrationId: id, status: 'action_required', previousStatus: 'running' });
  expect(events.find((e) => e.eventType === 'trunk.operation_succeeded')!.payload.data).toMatchObject({ trunkId: trunk.json().id, kind: 'create' });
});
