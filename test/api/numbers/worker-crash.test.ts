import { expect, it } from 'vitest';
import { apiOnOwnQueue, newTenant, ownedInSandbox, sandboxControl, startWorkerProcess, stopChild, waitFor } from '../../helpers/stack';
import { getJob, waitForJob } from '../../helpers/jobs';

// A task queue of its own, so only the workers this test starts and kills serve the job.
const taskQueue = 'crash-test';
const api = apiOnOwnQueue(taskQueue);

it('a worker killed mid-job is replaced and the job ends with the exact count', async () => {
  const tenant = await newTenant(api().db, 'crash');
  await sandboxControl('POST', 'faults', { latencyMs: 150 });
  await sandboxControl('POST', 'stats/reset');
  const first = await startWorkerProcess(taskQueue);
  const res = await api().app.inject({
    method: 'POST', url: '/v1/jobs/bulk-buy', headers: tenant.headers, payload: { areaCode: '305', quantity: 60, concurrency: 5 },
  });
  const id = res.json().id;
  await waitFor(async () => (await getJob(api().app, tenant.headers, id)).counts.succeeded >= 10, 'purchases to start');
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));

  // With no worker at all, status still comes from PostgreSQL, and nothing moves.
  const during = await getJob(api().app, tenant.headers, id);
  expect(during.status).toBe('running');
  expect(during.counts.succeeded).toBeGreaterThanOrEqual(10);
  await new Promise((r) => setTimeout(r, 3000));
  expect((await getJob(api().app, tenant.headers, id)).counts.succeeded).toBe(during.counts.succeeded);

  const second = await startWorkerProcess(taskQueue);
  try {
    const job = await waitForJob(api().app, tenant.headers, id);
    expect(job.status).toBe('succeeded');
    expect(job.counts.succeeded).toBe(60);
    expect(await ownedInSandbox('+1305')).toHaveLength(60);
    const rows = await api().db.query("SELECT count(*) FROM phone_numbers WHERE job_id = $1 AND status = 'active'", [id]);
    expect(Number(rows.rows[0].count)).toBe(60);
    // The killed group activity resumed from its heartbeat: no purchase was sent twice (a second POST of an
    // owned number would have been answered 400 / 21422), so Twilio saw exactly 60 successful purchases.
    const stats = (await sandboxControl('GET', 'stats')) as { total: { byStatus: Record<string, number> } };
    expect(stats.total.byStatus['201']).toBe(60);
    expect(stats.total.byStatus['400'] ?? 0).toBe(0);
  } finally {
    await stopChild(second);
  }
});
