import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startQueuedWorkSweep } from '../../api/queued-work';
import { createJob } from '../../db/jobs';
import { jobWorkflowId } from '../../schemas/workflow-ids';
import { createRegistration } from '../../db/a2p';
import { goodDraft } from '../fixtures/a2p-draft';
import { createTestApi, newTenant, ownedInSandbox, sandboxControl, waitFor } from '../helpers/stack';
import { waitForJob } from '../helpers/jobs';
import { waitForTrunk } from '../helpers/sip';
import { createTrunkWithOperation } from '../../db/sip';
import { operationWorkflowId } from '../../api/sip-requests';
import type { TrunkSpec } from '../../schemas/sip';

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
  const stops = [1, 2].map(() => startQueuedWorkSweep({ db: api.db, temporal: api.temporal, config: api.config, log }, 200));
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
  const stops = [1, 2].map(() => startQueuedWorkSweep({ db: api.db, temporal: api.temporal, config: api.config, log }, 200));
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
  const stops = [1, 2].map(() => startQueuedWorkSweep({ db: api.db, temporal: api.temporal, config: api.config, log }, 200));
  try {
    const done = await waitForTrunk(api.app, tenant.headers, trunkId);
    expect(done).toMatchObject({ status: 'active', operation: { status: 'succeeded' }, originationUris: [expect.objectContaining({ sipUrl: 'sip:swept.example.com' })] });
    expect(logs.filter((m) => m.startsWith('started the workflow of a trunk operation'))).toHaveLength(1);
  } finally {
    stops.forEach((stop) => stop());
  }
});
