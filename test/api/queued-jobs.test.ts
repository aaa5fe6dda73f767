import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startQueuedJobSweep } from '../../api/queued-jobs';
import { createJob } from '../../db/jobs';
import { jobWorkflowId } from '../../schemas/workflow-ids';
import { createTestApi, newTenant, ownedInSandbox } from '../helpers/stack';
import { waitForJob } from '../helpers/jobs';

let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => api.close());

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
  const log = { info: (o: object, m: string) => logs.push(m), warn: (o: object, m: string) => logs.push(m) } as never;
  // Two sweeps at once, as two API replicas would run them: the workflow still starts once.
  const stops = [1, 2].map(() => startQueuedJobSweep({ db: api.db, temporal: api.temporal, taskQueue: api.config.TEMPORAL_TASK_QUEUE, log }, 200));
  try {
    const job = await waitForJob(api.app, tenant.headers, id);
    expect(job.status).toBe('succeeded');
    expect(await ownedInSandbox('+1808')).toHaveLength(4);
    expect(logs.filter((m) => m.startsWith('started the workflow'))).toHaveLength(1);
  } finally {
    stops.forEach((stop) => stop());
  }
});
