import { TypedSearchAttributes } from '@temporalio/common';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { healthPassScheduleId } from '../../../api/number-health/schedules';
import { withTenantSearchAttribute } from '../../../api/kit/tenant-search-attribute';
import { TENANT_ID_SEARCH_ATTRIBUTE } from '../../../schemas/kit/workflow-ids';
import { waitForJob } from '../../helpers/jobs';
import { createTestApi, newTenant, waitFor } from '../../helpers/stack';

/**
 * Every workflow carries its tenant as the `TenantId` search attribute (issue #21 §2), so the Temporal UI
 * and `temporal workflow list --query 'TenantId="…"'` show one tenant's work: workflows the API starts,
 * their child workflows, and the runs of a tenant's Schedules.
 */
let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => api.close());

async function workflowIdsOf(tenantId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of api.temporal.workflow.list({ query: `TenantId = "${tenantId}"` })) ids.push(w.workflowId);
  return ids.sort();
}

it("lists a tenant's job and its child batch by TenantId, and none of another tenant's", async () => {
  const [a, b] = [await newTenant(api.db, 'sa-a'), await newTenant(api.db, 'sa-b')];
  const jobOf = async (t: typeof a) => {
    const res = await api.app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers: t.headers, payload: { areaCode: '747', quantity: 2 } });
    expect(res.statusCode).toBe(202);
    return (await waitForJob(api.app, t.headers, res.json().id)).id as string;
  };
  const [jobA, jobB] = [await jobOf(a), await jobOf(b)];
  const jobWorkflow = (t: typeof a, job: string) => `tenant-${t.tenantId}/job-${job}`;
  // Visibility is eventually consistent: wait until both of A's workflows are listed.
  const listedForA = await waitFor(async () => {
    const ids = await workflowIdsOf(a.tenantId);
    return ids.length >= 2 && ids;
  }, "tenant A's workflows in visibility");
  expect(listedForA).toEqual([jobWorkflow(a, jobA), `${jobWorkflow(a, jobA)}/batch-0`]);
  const listedForB = await waitFor(async () => {
    const ids = await workflowIdsOf(b.tenantId);
    return ids.length >= 2 && ids;
  }, "tenant B's workflows in visibility");
  expect(listedForB).toEqual([jobWorkflow(b, jobB), `${jobWorkflow(b, jobB)}/batch-0`]);
});

it("a tenant's hygiene Schedule starts its runs with the tenant's TenantId", async () => {
  const t = await newTenant(api.db, 'sa-schedule');
  const set = await api.app.inject({ method: 'PUT', url: '/v1/number-health/policy', headers: t.headers, payload: { quarantineBelowScore: 80 } });
  expect(set.statusCode).toBe(200);
  const described = await api.temporal.schedule.getHandle(healthPassScheduleId(t.tenantId)).describe();
  const given = described.action.typedSearchAttributes;
  const pairs = given instanceof TypedSearchAttributes ? given.getAll() : (given ?? []);
  expect(pairs.map((p) => [p.key.name, p.value])).toEqual([['TenantId', t.tenantId]]);
});

it('takes the tenant from the workflow id, keeps one already given, and leaves ids outside a tenant alone', () => {
  const key = TENANT_ID_SEARCH_ATTRIBUTE;
  const started = (o: { workflowId: string; typedSearchAttributes?: { key: typeof key; value: string }[] }) => withTenantSearchAttribute(o);
  expect(started({ workflowId: 'tenant-abc/job-1' }).typedSearchAttributes).toEqual([{ key, value: 'abc' }]);
  expect(started({ workflowId: 'tenant-abc/job-1', typedSearchAttributes: [{ key, value: 'given' }] }).typedSearchAttributes).toEqual([{ key, value: 'given' }]);
  expect(started({ workflowId: 'sweep' })).toEqual({ workflowId: 'sweep' });
});
