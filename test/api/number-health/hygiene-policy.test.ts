import { afterAll, beforeAll, expect, it } from 'vitest';
import { buyThroughApi, createTestApi, newTenant, waitFor } from '../../helpers/stack';

/**
 * The hygiene policy on real parts: a Temporal Schedule per tenant runs the health pass (here triggered at once),
 * which quarantines and restores numbers by score, as a job with an item per number and webhook events.
 */
let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;
beforeAll(async () => {
  // The Schedule test below needs a policy due every minute: below the production minimum (hourly).
  api = await createTestApi({ HYGIENE_MIN_INTERVAL_MINUTES: '1' });
  tenant = await newTenant(api.db, 'hygiene-policy');
});
afterAll(async () => api.close());

const call = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object, headers = tenant.headers) => api.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
const passes = async () => (await call('GET', '/v1/jobs?kind=health_pass&limit=50')).json().data as { id: string; status: string; outcome: { message: string } | null }[];
/** Runs the pass now and waits for its job to finish. */
async function runNow(before: number) {
  expect((await call('POST', '/v1/number-health/policy/run')).statusCode).toBe(200);
  return waitFor(async () => {
    const jobs = await passes();
    return jobs.length > before && jobs[0]!.status === 'succeeded' ? jobs[0]! : null;
  }, 'the health pass', 60_000);
}
const stateOf = async (pn: string) => (await call('GET', `/v1/numbers/${encodeURIComponent(pn)}`)).json().hygieneState;

it('quarantines below the threshold and restores above it, on the tenant’s Schedule, with events and per-number results', async () => {
  // Only the queued events matter here; the URL must resolve (the test stack allows local addresses).
  const endpoint = await call('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hygiene-events', eventTypes: ['number.quarantined', 'number.restored'] });
  expect(endpoint.statusCode).toBe(201);
  const [bad, good] = [await buyThroughApi(api.app, tenant.headers, '316'), await buyThroughApi(api.app, tenant.headers, '316')];
  const at = new Date().toISOString();
  await call('POST', '/v1/number-health/call-outcomes', { outcomes: [1, 2, 3].map((i) => ({ phoneNumber: bad, at, outcome: 'blocked', externalId: `b-${i}` })) });

  expect((await call('GET', '/v1/number-health/policy')).statusCode).toBe(404);
  for (const cron of ['daily', '01*- /8-18/24/*19 9 0,-1 *7073-41*41/', '75 99 * * *']) {
    const refused = await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 80, cron });
    expect(refused.statusCode, cron).toBe(400);
    expect(JSON.stringify(refused.json())).toContain('cron');
  }
  expect((await call('GET', '/v1/number-health/policy')).statusCode).toBe(404); // a refused cron left nothing behind
  const set = await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 80 });
  expect(set.statusCode).toBe(200);
  expect(set.json()).toMatchObject({ quarantineBelowScore: 80, cron: '0 6 * * *', scheduleId: `tenant-${tenant.tenantId}/health-pass`, paused: false });
  // Temporal computed the next run from the cron: the next 06:00 UTC, within a day.
  const next = Date.parse(set.json().nextRunAt);
  expect(new Date(next).toISOString()).toMatch(/T06:00:00\.000Z$/);
  expect(next - Date.now()).toBeLessThanOrEqual(86_400_000);
  // Retimed: the same Schedule, the new timing.
  expect((await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 80, cron: '30 7 * * 1' })).json().nextRunAt).toMatch(/T07:30:00\.000Z$/);

  const first = await runNow(0);
  expect(first.outcome!.message).toBe('checked 2 numbers: 1 put in quarantine, 0 restored (threshold 80)');
  expect(await stateOf(bad)).toBe('quarantined');
  expect(await stateOf(good)).toBe('ok');
  expect((await call('GET', '/v1/numbers?hygieneState=quarantined')).json().data.map((n: { phoneNumber: string }) => n.phoneNumber)).toEqual([bad]);
  const items = (await call('GET', `/v1/jobs/${first.id}/items`)).json().data as { phoneNumber: string; detail: { score: number; action: string } }[];
  expect(Object.fromEntries(items.map((i) => [i.phoneNumber, [i.detail.score, i.detail.action]]))).toEqual({ [bad]: [70, 'quarantined'], [good]: [100, 'none'] });

  // A lower threshold: the next pass restores it. Each move went out as an event, in the same transaction.
  await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 60 });
  await runNow(1);
  expect(await stateOf(bad)).toBe('ok');
  const events = await api.db.query<{ event_type: string; phone: string }>(
    `SELECT event_type, payload->'data'->>'phoneNumber' AS phone FROM webhook_deliveries WHERE tenant_id = $1 ORDER BY created_at`,
    [tenant.tenantId],
  );
  expect(events.rows.map((e) => [e.event_type, e.phone])).toEqual([['number.quarantined', bad], ['number.restored', bad]]);
  expect(await passes()).toHaveLength(2);
});

it('the Schedule is visible and pausable through the API, and one tenant’s policy is nobody else’s', async () => {
  expect((await call('POST', '/v1/number-health/policy/pause')).json()).toMatchObject({ paused: true });
  expect((await call('GET', '/v1/number-health/policy')).json()).toMatchObject({ paused: true });
  expect((await call('POST', '/v1/number-health/policy/resume')).json()).toMatchObject({ paused: false });
  const other = await newTenant(api.db, 'hygiene-policy-other');
  expect((await call('GET', '/v1/number-health/policy', undefined, other.headers)).statusCode).toBe(404);
  expect((await call('POST', '/v1/number-health/policy/run', undefined, other.headers)).statusCode).toBe(404);
  expect((await call('DELETE', '/v1/number-health/policy')).json()).toEqual({ deleted: true, scheduleId: `tenant-${tenant.tenantId}/health-pass`, rotationScheduleId: `tenant-${tenant.tenantId}/rotation-pass` });
  expect((await call('GET', '/v1/number-health/policy')).statusCode).toBe(404);
  await expect(api.temporal.schedule.getHandle(`tenant-${tenant.tenantId}/health-pass`).describe()).rejects.toThrow();
});

it('the Schedule itself fires: a policy due every minute starts its pass, a job, within the minute', async () => {
  // Temporal's time-skipping test server cannot run Schedules (sdk-java #1954, #2388): this waits on the dev server's clock.
  const ticking = await newTenant(api.db, 'hygiene-policy-tick');
  expect((await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 80, cron: '* * * * *' }, ticking.headers)).statusCode).toBe(200);
  try {
    const fired = await waitFor(async () => {
      const p = (await call('GET', '/v1/number-health/policy', undefined, ticking.headers)).json();
      return p.recentRuns.length > 0 ? p.recentRuns[0] : null;
    }, 'the Schedule to fire', 75_000);
    expect(fired.workflowId.startsWith(`tenant-${ticking.tenantId}/health-pass-`)).toBe(true);
    const job = await waitFor(async () => {
      const jobs = (await call('GET', '/v1/jobs?kind=health_pass', undefined, ticking.headers)).json().data;
      return jobs.find((j: { status: string }) => j.status === 'succeeded');
    }, 'the scheduled pass to finish', 30_000);
    expect(job.outcome.message).toBe('checked 0 numbers: 0 put in quarantine, 0 restored (threshold 80)');
  } finally {
    await call('DELETE', '/v1/number-health/policy', undefined, ticking.headers);
  }
}, 120_000);

it('a hygiene cron due more often than the minimum interval is a 400 naming its field', async () => {
  const strict = await createTestApi(); // the default minimum: hourly
  try {
    const t = await newTenant(strict.db, 'hygiene-interval');
    const put = (body: object) => strict.app.inject({ method: 'PUT', url: '/v1/number-health/policy', headers: t.headers, payload: body });
    for (const [body, field] of [[{ quarantineBelowScore: 80, cron: '*/5 * * * *' }, 'cron'], [{ quarantineBelowScore: 80, rotationCron: '0,30 * * * *' }, 'rotationCron']] as const) {
      const refused = await put(body);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.fields).toEqual([{ field, message: 'runs more often than every 60 minutes' }]);
    }
    expect((await strict.app.inject({ method: 'GET', url: '/v1/number-health/policy', headers: t.headers })).statusCode).toBe(404);
    expect((await put({ quarantineBelowScore: 80, cron: '15 * * * *' })).statusCode).toBe(200);
    await strict.app.inject({ method: 'DELETE', url: '/v1/number-health/policy', headers: t.headers });
  } finally {
    await strict.close();
  }
});

it('running a pass while one is running joins it instead of starting another', async () => {
  // No worker polls this queue: the first run stays running, so the second certainly meets it.
  const idle = await createTestApi({ TEMPORAL_TASK_QUEUE: `hygiene-idle-${Date.now()}` });
  const t = await newTenant(idle.db, 'hygiene-join');
  const call = (method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => idle.app.inject({ method, url, headers: t.headers, ...(payload ? { payload } : {}) });
  try {
    expect((await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 80 })).statusCode).toBe(200);
    expect((await call('POST', '/v1/number-health/policy/run')).statusCode).toBe(200);
    const handle = idle.temporal.workflow.getHandle(`tenant-${t.tenantId}/health-pass-now-0`);
    const first = (await handle.describe()).runId;
    expect((await call('POST', '/v1/number-health/policy/run')).statusCode).toBe(200);
    expect((await handle.describe()).runId).toBe(first);
    const runs = idle.temporal.workflow.list({ query: `WorkflowId STARTS_WITH "tenant-${t.tenantId}/health-pass"` });
    let n = 0;
    for await (const _ of runs) n += 1;
    expect(n).toBe(1);
    await handle.terminate('test over');
  } finally {
    await call('DELETE', '/v1/number-health/policy');
    await idle.close();
  }
});
