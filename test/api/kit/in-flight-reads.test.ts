import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApi, newTenant } from '../../helpers/stack';

/**
 * Reads that start a workflow (a lookup; a brand's status from Twilio) are named after what they ask, so
 * identical reads in flight share one workflow instead of each starting its own (issue #20 §2). No worker
 * polls this API's task queue, so the first read is certainly still in flight when the second comes.
 */
let api: Awaited<ReturnType<typeof createTestApi>>;
let t: Awaited<ReturnType<typeof newTenant>>;
beforeAll(async () => {
  api = await createTestApi({ TEMPORAL_TASK_QUEUE: `reads-idle-${Date.now()}`, API_SYNC_TIMEOUT_MS: '300' });
  t = await newTenant(api.db, 'in-flight-reads');
});
afterAll(async () => {
  for await (const w of api.temporal.workflow.list({ query: `WorkflowId STARTS_WITH "tenant-${t.tenantId}/" AND ExecutionStatus = "Running"` })) {
    await api.temporal.workflow.getHandle(w.workflowId).terminate('test over');
  }
  await api.close();
});

async function workflowsStartingWith(prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of api.temporal.workflow.list({ query: `WorkflowId STARTS_WITH "${prefix}"` })) ids.push(w.workflowId);
  return ids;
}

it('identical lookups in flight share one workflow; a different one gets its own', async () => {
  const get = (url: string) => api.app.inject({ method: 'GET', url, headers: t.headers });
  const answers = await Promise.all([get('/v1/lookups/+14155550100?fields=line_type_intelligence'), get('/v1/lookups/+14155550100?fields=line_type_intelligence')]);
  expect(answers.map((a) => a.statusCode)).toEqual([503, 503]);
  await get('/v1/lookups/+14155550101?fields=line_type_intelligence');
  const ids = await workflowsStartingWith(`tenant-${t.tenantId}/lookup-`);
  expect(ids).toHaveLength(2);
});

it('status reads of one brand in flight share one workflow', async () => {
  const sid = `BN${'a'.repeat(32)}`;
  await api.db.query(`INSERT INTO a2p_brands (tenant_id, brand_sid, status, brand_type) VALUES ($1, $2, 'PENDING', 'STANDARD')`, [t.tenantId, sid]);
  const get = () => api.app.inject({ method: 'GET', url: `/v1/a2p/brands/${sid}`, headers: t.headers });
  const answers = await Promise.all([get(), get(), get()]);
  expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
  expect(await workflowsStartingWith(`tenant-${t.tenantId}/a2p-status-`)).toHaveLength(1);
});
