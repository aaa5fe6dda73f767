/**
 * Issue #24 §1–2 through the API, on the real stack: a bound tenant's work runs in its own Twilio account — a
 * `byo` account (auth token or API key) or a subaccount of the deployment's — read back at the sandbox with the
 * official SDK under that account's credentials; a `shared` tenant's still runs in the deployment's (this file's
 * slot account). When a `byo` account's token is rotated mid-job, the job pauses (no item failed), the binding
 * says `credentials_invalid` with Twilio's 20003, the tenant's webhook endpoint gets `account.credentials_invalid`,
 * and new credentials resume the job, which then holds exactly N numbers.
 */
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioClient } from '../../../activities/kit/twilio-client';
import { freePort } from '../../../dev/processes';
import { bindAccount, type TwilioCredential } from '../../../db/platform/twilio-bindings';
import { SecretBox } from '../../../db/platform/secrets';
import { getJob, waitForJob } from '../../helpers/jobs';
import { buyThroughApi, createTestApi, newTenant, ownedInSandbox, stack, startWorkerProcess, stopChild, twilioSdk, waitFor } from '../../helpers/stack';

type Api = Awaited<ReturnType<typeof createTestApi>>;
let api: Api;
let box: SecretBox;

beforeAll(async () => {
  api = await createTestApi();
  // The workers' key ring (the stack's): what the worker opens is what this seals.
  box = SecretBox.fromConfig(api.config, 'twilio-credential');
});
afterAll(async () => api?.close());

/** A new top-level sandbox account: a tenant's own Twilio account (`byo`). */
async function newTwilioAccount(): Promise<{ sid: string; authToken: string }> {
  const res = await fetch(`${stack.sandboxUrl}/__sandbox/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (!res.ok) throw new Error(`creating a sandbox account: ${res.status} ${await res.text()}`);
  return (await res.json()) as { sid: string; authToken: string };
}

/** The sandbox's control API for one account other than the slot's. */
async function controlOf(accountSid: string, method: 'POST' | 'DELETE', path: string, body?: unknown) {
  const res = await fetch(`${stack.sandboxUrl}/__sandbox/accounts/${accountSid}/${path}`, {
    method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`sandbox control ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** The official SDK signed in as `username` (the account, or one of its API keys) of `accountSid`. */
const sdkAs = (accountSid: string, password: string, username = accountSid) =>
  createTwilioClient({ accountSid, username, authToken: password, baseUrl: stack.sandboxUrl, timeoutMs: 10_000 });

/** What an account holds at the sandbox, read with its own credentials. */
async function heldBy(accountSid: string, password: string, prefix: string, username = accountSid): Promise<string[]> {
  const list = await sdkAs(accountSid, password, username).api.v2010.accounts(accountSid).incomingPhoneNumbers.list({ phoneNumber: prefix, pageSize: 1000 });
  return list.map((n) => n.phoneNumber).sort();
}

/** The request slots the limiter keeps for an account (made on the first request that takes one). */
const slotsOf = async (accountSid: string) =>
  (await api.db.query<{ n: number }>('SELECT count(*)::int AS n FROM twilio_slots WHERE account_sid = $1', [accountSid])).rows[0]!.n;

const bind = (tenantId: string, kind: 'byo' | 'subaccount', accountSid: string, credential: TwilioCredential) =>
  bindAccount(api.db, box, tenantId, { kind, accountSid, credential });

/** A bulk buy through the API, to its end; the numbers its job bought (from PostgreSQL). */
async function bulkBuy(a: Api, headers: Record<string, string>, areaCode: string, quantity: number, concurrency = 2) {
  const res = await a.app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers, payload: { areaCode, quantity, concurrency } });
  expect(res.statusCode, res.body).toBe(202);
  const job = await waitForJob(a.app, headers, res.json().id);
  const { rows } = await a.db.query<{ phone_number: string }>(`SELECT phone_number FROM phone_numbers WHERE job_id = $1 AND status = 'active' ORDER BY phone_number`, [job.id]);
  return { job, numbers: rows.map((r) => r.phone_number) };
}

describe('a bound tenant’s work runs in its own account', () => {
  it('byo (auth token): a bulk buy and a single purchase land in its account, not the deployment’s; a shared tenant’s still land in the deployment’s', async () => {
    const byo = await newTwilioAccount();
    const tenant = await newTenant(api.db, 'byo-token');
    await bind(tenant.tenantId, 'byo', byo.sid, { kind: 'auth_token', authToken: byo.authToken });

    const { job, numbers } = await bulkBuy(api, tenant.headers, '531', 2);
    expect(job).toMatchObject({ status: 'succeeded', counts: { succeeded: 2, failed: 0 } });
    // A search and a single purchase through the API: the search asks its account (whose inventory the sandbox keeps
    // apart from the deployment's), so the number found is one that account can buy.
    const single = await buyThroughApi(api.app, tenant.headers, '532');

    expect(await heldBy(byo.sid, byo.authToken, '+153')).toEqual([...numbers, single].sort());
    // Its requests took slots of its own account's pool (issue #24 §3), as many as the deployment's cap.
    expect(await slotsOf(byo.sid)).toBe(api.config.TWILIO_MAX_CONCURRENCY);
    expect(await ownedInSandbox('+153')).toEqual([]);

    const shared = await newTenant(api.db, 'shared');
    const bought = await buyThroughApi(api.app, shared.headers, '533');
    expect(await ownedInSandbox('+1533')).toEqual([bought]);
    expect(await heldBy(byo.sid, byo.authToken, '+1533')).toEqual([]);
  });

  it('subaccount: its purchases land in the subaccount (seen by it and by its parent), not in the parent’s own numbers', async () => {
    const sub = await twilioSdk().api.v2010.accounts.create({ friendlyName: `tenant ${randomUUID().slice(0, 8)}` });
    const tenant = await newTenant(api.db, 'subaccount');
    await bind(tenant.tenantId, 'subaccount', sub.sid, { kind: 'auth_token', authToken: sub.authToken });

    const { job, numbers } = await bulkBuy(api, tenant.headers, '534', 2);
    expect(job).toMatchObject({ status: 'succeeded', counts: { succeeded: 2, failed: 0 } });
    expect(await heldBy(sub.sid, sub.authToken, '+1534')).toEqual(numbers);
    const seenByParent = await twilioSdk().api.v2010.accounts(sub.sid).incomingPhoneNumbers.list({ phoneNumber: '+1534' });
    expect(seenByParent.map((n) => n.phoneNumber).sort()).toEqual(numbers);
    expect(await ownedInSandbox('+1534')).toEqual([]);
    // A subaccount shares its parent's pool by default (TWILIO_SUBACCOUNT_POOLS=shared): no slots of its own.
    expect(await slotsOf(sub.sid)).toBe(0);
  });

  it('byo with an API key: signed in as the key, the numbers land in the key’s account', async () => {
    const byo = await newTwilioAccount();
    const key = await sdkAs(byo.sid, byo.authToken).api.v2010.accounts(byo.sid).newKeys.create({ friendlyName: 'twilio-pro' });
    const tenant = await newTenant(api.db, 'byo-key');
    await bind(tenant.tenantId, 'byo', byo.sid, { kind: 'api_key', apiKeySid: key.sid, apiKeySecret: key.secret });

    const { job, numbers } = await bulkBuy(api, tenant.headers, '535', 2);
    expect(job).toMatchObject({ status: 'succeeded', counts: { succeeded: 2, failed: 0 } });
    expect(await heldBy(byo.sid, key.secret, '+1535', key.sid)).toEqual(numbers);
    expect(await ownedInSandbox('+1535')).toEqual([]);
  });
});

describe('a byo account whose token is rotated mid-job', () => {
  // A worker of its own, looking again after 1 s (not 30) at a paused account, with the API on its queue.
  const taskQueue = `tenant-accounts-${randomUUID().slice(0, 8)}`;
  let pausedApi: Api;
  let worker: ChildProcess;
  let receiver: Server;
  let hookUrl: string;
  const received: string[] = [];

  beforeAll(async () => {
    worker = await startWorkerProcess(taskQueue, { TWILIO_ACCOUNT_PAUSE_RETRY_MS: '1000' });
    pausedApi = await createTestApi({ TEMPORAL_TASK_QUEUE: taskQueue });
    const port = await freePort();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += String(d)));
      req.on('end', () => {
        received.push(body);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${port}/hooks`;
  });
  afterAll(async () => {
    receiver?.close();
    await pausedApi?.close();
    if (worker) await stopChild(worker);
  });

  it('pauses (nothing failed), says why, tells the tenant’s webhook, and resumes on new credentials to exactly N', async () => {
    const N = 30;
    const byo = await newTwilioAccount();
    const tenant = await newTenant(pausedApi.db, 'byo-rotated');
    await bind(tenant.tenantId, 'byo', byo.sid, { kind: 'auth_token', authToken: byo.authToken });
    const endpoint = await pausedApi.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: tenant.headers, payload: { url: hookUrl, eventTypes: ['account.credentials_invalid'] } });
    expect(endpoint.statusCode, endpoint.body).toBe(201);

    // Slow purchases, one at a time: the job takes ≥ 9 s, so the rotation below lands mid-job, seconds before its end.
    await controlOf(byo.sid, 'POST', 'faults', { latencyMs: 300 });
    const started = await pausedApi.app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers: tenant.headers, payload: { areaCode: '536', quantity: N, concurrency: 1 } });
    expect(started.statusCode, started.body).toBe(202);
    const jobId = started.json().id as string;
    await waitFor(async () => (await getJob(pausedApi.app, tenant.headers, jobId)).counts.succeeded >= 3, 'some purchases');
    const rotated = (await controlOf(byo.sid, 'POST', 'rotate-token')) as { authToken: string };
    expect(rotated.authToken).not.toBe(byo.authToken);
    const atRotation = await getJob(pausedApi.app, tenant.headers, jobId);
    expect(atRotation.status).toBe('running');
    expect(atRotation.counts.succeeded).toBeLessThan(N);

    // Twilio's 20003 marks the binding; GET /v1/account says so.
    const account = await waitFor(async () => {
      const body = (await pausedApi.app.inject({ method: 'GET', url: '/v1/account', headers: tenant.headers })).json();
      return body.binding.status === 'credentials_invalid' ? body : null;
    }, 'the binding to say credentials_invalid', 60_000);
    expect(account.binding).toMatchObject({ kind: 'byo', accountSid: byo.sid, statusReason: { code: 20003 } });

    // The job waits: its purchases' activity is retried, as a paused account, at the configured pace (1 s here) …
    const workflowId = (await pausedApi.db.query<{ workflow_id: string }>('SELECT workflow_id FROM jobs WHERE id = $1', [jobId])).rows[0]!.workflow_id;
    const waiting = await waitFor(async () => {
      // The job's purchases run in its batch, a child workflow.
      const { raw: job } = await pausedApi.temporal.workflow.getHandle(workflowId).describe();
      const batch = job.pendingChildren?.[0]?.workflowId;
      if (!batch) return null;
      const { raw } = await pausedApi.temporal.workflow.getHandle(batch).describe();
      const pending = raw.pendingActivities?.find((a) => a.activityType?.name === 'purchaseNumbersFromSearch');
      return pending && (pending.attempt ?? 0) >= 3 ? pending : null;
    }, 'the purchases to be retried while the account is paused', 30_000);
    expect(waiting.lastFailure?.applicationFailureInfo?.type).toBe('TwilioAccountPaused');
    expect(waiting.lastFailure?.applicationFailureInfo?.nonRetryable).toBeFalsy();
    // … and the job is still running with nothing failed.
    const paused = await getJob(pausedApi.app, tenant.headers, jobId);
    expect(paused.status).toBe('running');
    expect(paused.counts.failed).toBe(0);
    const { rows: failedItems } = await pausedApi.db.query(`SELECT item_key FROM job_items WHERE job_id = $1 AND status = 'failed'`, [jobId]);
    expect(failedItems).toEqual([]);

    // The event is queued for the endpoint (and delivered), carrying the account and Twilio's code, never a token.
    const delivery = await waitFor(async () => {
      const { rows } = await pausedApi.db.query<{ payload: { data: { accountSid: string; reason: { code: number } } } }>(
        `SELECT payload FROM webhook_deliveries WHERE endpoint_id = $1 AND event_type = 'account.credentials_invalid'`,
        [endpoint.json().id],
      );
      return rows[0] ?? null;
    }, 'the account.credentials_invalid delivery', 30_000);
    expect(delivery.payload.data).toMatchObject({ accountSid: byo.sid, reason: { code: 20003 } });
    await waitFor(async () => received.length > 0, 'the event at the endpoint', 60_000);
    for (const body of [JSON.stringify(delivery.payload), ...received]) {
      expect(body).not.toContain(byo.authToken);
      expect(body).not.toContain(rotated.authToken);
    }

    // New credentials resume the job where it stopped: exactly N numbers, every one in the tenant's account.
    await bind(tenant.tenantId, 'byo', byo.sid, { kind: 'auth_token', authToken: rotated.authToken });
    await controlOf(byo.sid, 'DELETE', 'faults');
    const job = await waitForJob(pausedApi.app, tenant.headers, jobId);
    expect(job).toMatchObject({ status: 'succeeded', counts: { requested: N, succeeded: N, failed: 0 } });
    const { rows } = await pausedApi.db.query<{ phone_number: string }>(`SELECT phone_number FROM phone_numbers WHERE job_id = $1 AND status = 'active' ORDER BY phone_number`, [jobId]);
    expect(rows).toHaveLength(N);
    expect(await heldBy(byo.sid, rotated.authToken, '+1536')).toEqual(rows.map((r) => r.phone_number));
    expect(await ownedInSandbox('+1536')).toEqual([]);
  });
});
