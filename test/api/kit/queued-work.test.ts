import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp, sweepRegistry } from '../../../api/app';
import { startQueuedWorkSweep } from '../../../api/kit/queued-work';
import { createJob } from '../../../db/kit/jobs';
import { jobWorkflowId } from '../../../schemas/kit/workflow-ids';
import { createRegistration } from '../../../db/a2p/registrations';
import { bulkBuyNumbers } from '../../../workflows/index';
import { goodDraft } from '../../fixtures/a2p-draft';
import { createTestApi, newTenant, ownedInSandbox, sandboxControl, testConfig, waitFor } from '../../helpers/stack';
import { getJob, waitForJob } from '../../helpers/jobs';
import { waitForTrunk } from '../../helpers/sip';
import { createTrunkWithOperation } from '../../../db/sip/trunks';
import { operationWorkflowId } from '../../../api/sip/requests';
import type { TrunkSpec } from '../../../schemas/sip/trunks';

let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  api = await createTestApi({ A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000' });
  await sandboxControl('POST', 'reviews', { preset: 'fast' });
});
afterAll(async () => {
  await sandboxControl('POST', 'reviews', { preset: 'realistic' });
  await api.close();
});

/** What the API leaves behind if it dies between writing a registration and starting its workflow. */
async function orphanRegistration(tenantId: string) {
  const id = randomUUID();
  await createRegistration(api.db, { id, tenantId, draft: { ...goodDraft(), phoneNumbers: [] }, idempotencyKey: null, workflowId: `tenant-${tenantId}/a2p-${id}` });
  await api.db.query("UPDATE a2p_registrations SET created_at = now() - interval '1 minute' WHERE id = $1", [id]);
  return id;
}

it('a job whose API died before starting its workflow is started by the sweep, once', async () => {
  const tenant = await newTenant(api.db, 'sweep');
  const id = randomUUID();
  // What the API leaves behind if it dies between writing the job and starting the workflow.
  await createJob(api.db, {
    id,
    tenantId: tenant.tenantId,
    kind: 'bulk_buy',
    params: { areaCode: '808', quantity: 4, fallbackAreaCodes: [], config: {}, concurrency: 4 },
    requested: 4,
    idempotencyKey: null,
    workflowId: jobWorkflowId(tenant.tenantId, id),
  });
  await api.db.query("UPDATE jobs SET created_at = now() - interval '1 minute' WHERE id = $1", [id]);
  const logs: string[] = [];
  // Only this job's lines: other tests may leave queued rows the sweep also starts.
  const mine = (o: { jobId?: string }, m: string) => void (o.jobId === id && logs.push(m));
  const log = { info: mine, warn: mine } as never;
  // Two sweeps at once, as two API replicas would run them: the workflow still starts once.
  const stops = [1, 2].map(() => startQueuedWorkSweep({ ...sweepRegistry, db: api.db, temporal: api.temporal, config: api.config, log }, 200));
  try {
    const job = await waitForJob(api.app, tenant.headers, id);
    expect(job.status).toBe('succeeded');
    expect(await ownedInSandbox('+1808')).toHaveLength(4);
    expect(logs.filter((m) => m.startsWith('started the workflow'))).toHaveLength(1);
  } finally {
    stops.forEach((stop) => stop());
  }
});

it('a registration whose API died before starting its workflow is started by the sweep, once, and completes', async () => {
  const tenant = await newTenant(api.db, 'sweep-a2p');
  const id = await orphanRegistration(tenant.tenantId);
  const logs: string[] = [];
  // Only this registration's lines: other tests may leave queued rows the sweep also starts.
  const mine = (o: { registrationId?: string }, m: string) => void (o.registrationId === id && logs.push(m));
  const log = { info: mine, warn: mine } as never;
  const stops = [1, 2].map(() => startQueuedWorkSweep({ ...sweepRegistry, db: api.db, temporal: api.temporal, config: api.config, log }, 200));
  try {
    const done = await waitFor(async () => {
      const r = (await api.app.inject({ method: 'GET', url: `/v1/a2p/registrations/${id}`, headers: tenant.headers })).json();
      return r.finishedAt ? r : null;
    }, 'the swept registration to finish', 90_000);
    expect(done).toMatchObject({ status: 'completed', step: 'done' });
    expect(logs.filter((m) => m.startsWith('started the workflow of a registration'))).toHaveLength(1);
  } finally {
    stops.forEach((stop) => stop());
  }
});

it('cancelling a registration whose workflow never started ends it through the workflow, without touching Twilio', async () => {
  const tenant = await newTenant(api.db, 'cancel-orphan');
  const id = await orphanRegistration(tenant.tenantId);
  const cancel = await api.app.inject({ method: 'POST', url: `/v1/a2p/registrations/${id}/cancel`, headers: tenant.headers });
  expect(cancel.statusCode).toBe(202);
  const ended = await waitFor(async () => {
    const r = (await api.app.inject({ method: 'GET', url: `/v1/a2p/registrations/${id}`, headers: tenant.headers })).json();
    return r.finishedAt ? r : null;
  }, 'the cancelled registration', 30_000);
  expect(ended).toMatchObject({ status: 'cancelled', sids: {}, cleanup: [] });
  const again = await api.app.inject({ method: 'POST', url: `/v1/a2p/registrations/${id}/cancel`, headers: tenant.headers });
  expect(again.statusCode).toBe(409);
});

it('a trunk whose API died before starting its operation is provisioned by the sweep, once', async () => {
  const tenant = await newTenant(api.db, 'sweep-sip');
  const trunkId = randomUUID();
  const operationId = randomUUID();
  const spec: TrunkSpec = {
    friendlyName: 'Swept', domainName: `swept-${trunkId.slice(0, 8)}.pstn.twilio.com`, secure: false, cnamLookupEnabled: false,
    transfer: { mode: 'disable-all', callerId: 'from-transferee' }, recording: { mode: 'do-not-record', trim: 'do-not-trim' }, disasterRecovery: null,
    originationUris: [{ sipUrl: 'sip:swept.example.com', priority: 10, weight: 10, enabled: true }], termination: { credentialLists: [], ipAccessControlLists: [] },
  };
  const workflowId = operationWorkflowId(tenant.tenantId, trunkId, operationId);
  const input = { tenantId: tenant.tenantId, trunkId, operationId, kind: 'create' as const, spec, numbers: [], move: false, secretRefs: [] };
  await createTrunkWithOperation(api.db, { id: trunkId, tenantId: tenant.tenantId, spec, idempotencyKey: null, operation: { id: operationId, workflowId, input } });
  await api.db.query("UPDATE sip_operations SET created_at = now() - interval '1 minute' WHERE id = $1", [operationId]);
  const logs: string[] = [];
  // Only this operation's lines: other tests may leave queued rows the sweep also starts.
  const mine = (o: { operationId?: string }, m: string) => void (o.operationId === operationId && logs.push(m));
  const log = { info: mine, warn: mine } as never;
  const stops = [1, 2].map(() => startQueuedWorkSweep({ ...sweepRegistry, db: api.db, temporal: api.temporal, config: api.config, log }, 200));
  try {
    const done = await waitForTrunk(api.app, tenant.headers, trunkId);
    expect(done).toMatchObject({ status: 'active', operation: { status: 'succeeded' }, originationUris: [expect.objectContaining({ sipUrl: 'sip:swept.example.com' })] });
    expect(logs.filter((m) => m.startsWith('started the workflow of a trunk operation'))).toHaveLength(1);
  } finally {
    stops.forEach((stop) => stop());
  }
});

const bulkBuyParams = (quantity: number) => ({ areaCode: '919', quantity, fallbackAreaCodes: [], config: {}, concurrency: 4 });

/** A job row as the API writes it, made to look `age` old (the sweep leaves the API's own requests 10 s). */
async function jobRow(tenantId: string, opts: { workflowId?: string; status?: 'queued' | 'cancelling' | 'running'; age?: string; quantity?: number } = {}) {
  const id = randomUUID();
  const quantity = opts.quantity ?? 1;
  await createJob(api.db, {
    id, tenantId, kind: 'bulk_buy', params: bulkBuyParams(quantity), requested: quantity, idempotencyKey: null, workflowId: opts.workflowId ?? jobWorkflowId(tenantId, id),
  });
  await api.db.query(`UPDATE jobs SET status = $2, created_at = now() - $3::interval, updated_at = now() - $3::interval WHERE id = $1`, [id, opts.status ?? 'queued', opts.age ?? '1 minute']);
  return id;
}

/** A job's workflow that started and then never ran (no worker polls its task queue), as Temporal holds it. */
async function workflowNobodyRuns(tenantId: string, options: { workflowExecutionTimeout?: string } = {}) {
  const workflowId = `stuck-${randomUUID()}`;
  await api.temporal.workflow.start(bulkBuyNumbers, {
    taskQueue: 'nobody-polls-this', workflowId, ...options,
    args: [{ tenantId, jobId: randomUUID(), request: bulkBuyParams(1) as never }],
  });
  return api.temporal.workflow.getHandle(workflowId);
}

const statusIn = (ids: string[]) => api.db.query<{ id: string; status: string; outcome: { stopReason: string; message: string } | null; finished_at: Date | null }>(
  'SELECT id, status, outcome, finished_at FROM jobs WHERE id = ANY($1)', [ids]).then((r) => new Map(r.rows.map((row) => [row.id, row])));

const quietLog = { info: () => undefined, warn: () => undefined } as never;

it('110 jobs stuck queued behind workflows that never run do not starve newer work', async () => {
  const tenant = await newTenant(api.db, 'sweep-starve');
  // Older than anything else: the old sweep took the 100 oldest queued rows every time, so these were all it saw.
  const handles = [];
  for (let i = 0; i < 110; i += 10) handles.push(...(await Promise.all(Array.from({ length: 10 }, () => workflowNobodyRuns(tenant.tenantId)))));
  const stuck = await Promise.all(handles.map((h) => jobRow(tenant.tenantId, { workflowId: h.workflowId, age: '1 hour' })));
  const newer = await jobRow(tenant.tenantId, { quantity: 2 });
  const stop = startQueuedWorkSweep({ ...sweepRegistry, db: api.db, temporal: api.temporal, config: api.config, log: quietLog }, 200);
  try {
    expect(await waitForJob(api.app, tenant.headers, newer, 120_000)).toMatchObject({ status: 'succeeded', counts: { succeeded: 2 } });
    // The stuck ones were looked at and left as they are: their workflows are still running.
    const rows = await api.db.query('SELECT status, sweep_attempts FROM jobs WHERE id = ANY($1)', [stuck]);
    expect(rows.rows.every((r) => r.status === 'queued' && r.sweep_attempts >= 1)).toBe(true);
  } finally {
    stop();
    await Promise.all(handles.map((h) => h.terminate('test over').catch(() => undefined)));
    await api.db.query('DELETE FROM jobs WHERE id = ANY($1)', [stuck]); // not left for another test's sweep
  }
});

it('a job whose workflow closed before it left queued, or while it was cancelling, ends with the reason Temporal gives', async () => {
  const tenant = await newTenant(api.db, 'sweep-closed');
  const terminated = await workflowNobodyRuns(tenant.tenantId);
  await terminated.terminate('operator stopped it');
  const timedOut = await workflowNobodyRuns(tenant.tenantId, { workflowExecutionTimeout: '1s' });
  await waitFor(async () => (await timedOut.describe()).status.name === 'TIMED_OUT', 'the workflow to time out', 30_000);
  const cancellingTerminated = await workflowNobodyRuns(tenant.tenantId);
  await cancellingTerminated.terminate('stuck while cancelling');
  const jobs = {
    terminated: await jobRow(tenant.tenantId, { workflowId: terminated.workflowId }),
    timedOut: await jobRow(tenant.tenantId, { workflowId: timedOut.workflowId }),
    cancellingTerminated: await jobRow(tenant.tenantId, { workflowId: cancellingTerminated.workflowId, status: 'cancelling' }),
    // Cancelled while Temporal was away, before its workflow ever started: nothing ran.
    cancellingNeverStarted: await jobRow(tenant.tenantId, { workflowId: `never-${randomUUID()}`, status: 'cancelling' }),
  };
  const stop = startQueuedWorkSweep({ ...sweepRegistry, db: api.db, temporal: api.temporal, config: api.config, log: quietLog }, 200);
  try {
    const ended = await waitFor(async () => {
      const rows = await statusIn(Object.values(jobs));
      return [...rows.values()].every((r) => r.finished_at) ? rows : null;
    }, 'the sweep to end the stranded jobs', 60_000);
    expect(ended.get(jobs.terminated)).toMatchObject({ status: 'failed', outcome: { stopReason: 'failed', message: 'its workflow was terminated in Temporal: operator stopped it before the job started' } });
    expect(ended.get(jobs.timedOut)).toMatchObject({ status: 'failed', outcome: { stopReason: 'failed', message: 'its workflow timed out in Temporal before the job started' } });
    expect(ended.get(jobs.cancellingTerminated)).toMatchObject({ status: 'cancelled', outcome: { stopReason: 'cancelled' } });
    expect(ended.get(jobs.cancellingTerminated)?.outcome?.message).toContain('terminated in Temporal: stuck while cancelling');
    expect(ended.get(jobs.cancellingNeverStarted)).toMatchObject({ status: 'cancelled', outcome: { message: 'cancelled before it started' } });
  } finally {
    stop();
  }
});

it('a cancel the API could not signal (Temporal not answering) reaches the job through the sweep, with no second call', async () => {
  const tenant = await newTenant(api.db, 'sweep-cancel');
  await sandboxControl('POST', 'faults', { latencyMs: 200 });
  const blackHole = createServer(() => undefined); // accepts connections, never answers: Temporal in a blip
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(blackHole.address() as { port: number }).port}`;
  const connection = Connection.lazy({ address, connectTimeout: 500 });
  const blip = await buildApp({ config: testConfig({ TEMPORAL_ADDRESS: address, API_TEMPORAL_TIMEOUT_MS: '800' }), db: api.db, temporal: new Client({ connection }) }, { logger: false });
  let stop = () => undefined as void;
  try {
    const res = await api.app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers: tenant.headers, payload: { areaCode: '413', quantity: 150, concurrency: 2 } });
    const id = res.json().id as string;
    await waitFor(async () => (await getJob(api.app, tenant.headers, id)).counts.succeeded >= 2, 'some purchases');
    const cancel = await blip.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel`, headers: tenant.headers });
    expect(cancel.statusCode).toBe(503); // the signal did not get through...
    expect((await getJob(api.app, tenant.headers, id)).status).toBe('cancelling'); // ...but the cancel is recorded
    await api.db.query("UPDATE jobs SET updated_at = now() - interval '1 minute' WHERE id = $1", [id]); // past the API's own 10 s
    stop = startQueuedWorkSweep({ ...sweepRegistry, db: api.db, temporal: api.temporal, config: api.config, log: quietLog }, 200);
    const job = await waitForJob(api.app, tenant.headers, id);
    expect(job.status).toBe('cancelled');
    expect(job.counts.succeeded).toBeLessThan(150);
    expect(await ownedInSandbox('+1413')).toHaveLength(job.counts.succeeded);
  } finally {
    stop();
    await sandboxControl('DELETE', 'faults');
    await blip.close();
    await connection.close().catch(() => undefined);
    blackHole.close();
  }
});

it('a running job whose workflow was terminated ends failed with the reason; one whose workflow runs is left running', async () => {
  const tenant = await newTenant(api.db, 'sweep-running');
  const terminated = await workflowNobodyRuns(tenant.tenantId);
  await terminated.terminate('operator stopped a stuck job');
  const alive = await workflowNobodyRuns(tenant.tenantId);
  const jobs = {
    terminated: await jobRow(tenant.tenantId, { workflowId: terminated.workflowId, status: 'running' }),
    alive: await jobRow(tenant.tenantId, { workflowId: alive.workflowId, status: 'running' }),
  };
  const stop = startQueuedWorkSweep({ ...sweepRegistry, db: api.db, temporal: api.temporal, config: api.config, log: quietLog }, 200);
  try {
    const ended = await waitFor(async () => {
      const rows = await statusIn([jobs.terminated]);
      return rows.get(jobs.terminated)?.finished_at ? rows : null;
    }, 'the sweep to end the terminated job', 60_000);
    expect(ended.get(jobs.terminated)).toMatchObject({
      status: 'failed',
      outcome: { stopReason: 'failed', message: 'its workflow was terminated in Temporal: operator stopped a stuck job while the job ran' },
    });
    // The live one was looked at (its turn taken) and left to its workflow.
    const aliveRow = await waitFor(async () => {
      const r = (await api.db.query('SELECT status, sweep_attempts, finished_at FROM jobs WHERE id = $1', [jobs.alive])).rows[0];
      return r.sweep_attempts >= 1 && r;
    }, 'the sweep to look at the running job', 60_000);
    expect(aliveRow).toMatchObject({ status: 'running', finished_at: null });
  } finally {
    stop();
    await alive.terminate('test over').catch(() => undefined);
    await api.db.query('DELETE FROM jobs WHERE id = ANY($1)', [Object.values(jobs)]);
  }
});
