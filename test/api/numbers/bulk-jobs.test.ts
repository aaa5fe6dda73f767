import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, newTenant, ownedInSandbox, sandboxControl, waitFor } from '../../helpers/stack';
import { getJob, waitForJob } from '../../helpers/jobs';

let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;

beforeAll(async () => {
  api = await createTestApi();
  tenant = await newTenant(api.db, 'bulk');
});
afterEach(async () => {
  await sandboxControl('DELETE', 'faults');
});
afterAll(async () => api.close());

const post = (url: string, payload: object, headers = tenant.headers) =>
  api.app.inject({ method: 'POST', url, headers, payload });

const liveRowsOfJob = async (jobId: string) =>
  Number(
    (await api.db.query("SELECT count(*) FROM phone_numbers WHERE job_id = $1 AND status = 'active'", [jobId])).rows[0]
      .count,
  );

describe('bulk buy', () => {
  it('buys exactly 200 numbers under 5xx, timeout-after-commit and a concurrency cap', async () => {
    await sandboxControl('POST', 'faults', {
      errorRate5xx: 0.1,
      timeoutAfterCommitRate: 0.05,
      timeoutMode: 'drop',
      concurrencyLimit: 10,
      latencyMs: 20,
      seed: 7,
    });
    const res = await post('/v1/jobs/bulk-buy', { areaCode: '209', quantity: 200, concurrency: 10 });
    expect(res.statusCode).toBe(202);
    const job = await waitForJob(api.app, tenant.headers, res.json().id);
    expect(job.status).toBe('succeeded');
    expect(job.counts).toMatchObject({ requested: 200, succeeded: 200, pending: 0 });
    expect(job.outcome?.stopReason).toBe('completed');

    const stats = (await sandboxControl('GET', 'stats')) as Record<string, unknown>;
    await sandboxControl('DELETE', 'faults');
    // Faults really happened, and still: exactly 200 owned in Twilio (counted through the SDK) and in PostgreSQL.
    expect(JSON.stringify(stats)).toMatch(/droppedAfterCommit/);
    expect(await ownedInSandbox('+1209')).toHaveLength(200);
    expect(await liveRowsOfJob(job.id)).toBe(200);
    // The job's counts (kept by a trigger) agree with its per-item rows, failed candidates included.
    const { rows } = await api.db.query(
      `SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded, count(*) FILTER (WHERE status = 'failed')::int AS failed
         FROM job_items WHERE job_id = $1`,
      [job.id],
    );
    expect(job.counts).toMatchObject(rows[0]);
  });

  it('reports inventory exhaustion instead of hanging, and uses fallback area codes', async () => {
    await sandboxControl('POST', 'inventory', { areaCode: '385', count: 5 });
    const short = await post('/v1/jobs/bulk-buy', { areaCode: '385', quantity: 8 });
    const job = await waitForJob(api.app, tenant.headers, short.json().id);
    expect(job.status).toBe('partial');
    expect(job.counts.succeeded).toBe(5);
    expect(job.outcome).toMatchObject({ stopReason: 'inventory_exhausted', exhaustedAreaCodes: ['385'] });
    expect(job.outcome?.message).toContain('385');

    await sandboxControl('POST', 'inventory', { areaCode: '386', count: 3 });
    const withFallback = await post('/v1/jobs/bulk-buy', { areaCode: '386', quantity: 6, fallbackAreaCodes: ['387'] });
    const done = await waitForJob(api.app, tenant.headers, withFallback.json().id);
    expect(done.status).toBe('succeeded');
    expect(done.outcome).toMatchObject({ exhaustedAreaCodes: ['386'] });
    expect(await ownedInSandbox('+1386')).toHaveLength(3);
    expect(await ownedInSandbox('+1387')).toHaveLength(3);
  });

  it('cancels: no new purchases start, what was bought is reported and owned', async () => {
    await sandboxControl('POST', 'faults', { latencyMs: 200 });
    const res = await post('/v1/jobs/bulk-buy', { areaCode: '412', quantity: 150, concurrency: 2 });
    const id = res.json().id;
    await waitFor(async () => (await getJob(api.app, tenant.headers, id)).counts.succeeded >= 3, 'some purchases');
    const cancel = await post(`/v1/jobs/${id}/cancel`, {});
    expect(cancel.statusCode).toBe(202);
    const job = await waitForJob(api.app, tenant.headers, id);
    expect(job.status).toBe('cancelled');
    expect(job.counts.succeeded).toBeLessThan(150);
    expect(await ownedInSandbox('+1412')).toHaveLength(job.counts.succeeded);
    expect(await liveRowsOfJob(id)).toBe(job.counts.succeeded);
    expect((await post(`/v1/jobs/${id}/cancel`, {})).statusCode).toBe(409);
  });

  it('an idempotency key returns the same job; reusing it for another request is a conflict', async () => {
    const body = { areaCode: '503', quantity: 2, idempotencyKey: 'order-503' };
    const first = await post('/v1/jobs/bulk-buy', body);
    const second = await post('/v1/jobs/bulk-buy', body);
    expect(second.json().id).toBe(first.json().id);
    expect(second.headers['idempotent-replayed']).toBe('true');
    await waitForJob(api.app, tenant.headers, first.json().id);
    expect(await ownedInSandbox('+1503')).toHaveLength(2);
    const conflict = await post('/v1/jobs/bulk-buy', { ...body, quantity: 3 });
    expect(conflict.statusCode).toBe(409);
  });

  it('refuses bad input with 400 naming the field and starts nothing', async () => {
    const count = async () => Number((await api.db.query('SELECT count(*) FROM jobs WHERE tenant_id = $1', [tenant.tenantId])).rows[0].count);
    const before = await count();
    for (const [payload, field] of [
      [{ areaCode: '41', quantity: 5 }, 'areaCode'],
      [{ areaCode: '415', quantity: 0 }, 'quantity'],
      [{ areaCode: '415', quantity: 1001 }, 'quantity'],
      [{ areaCode: '415', quantity: 2.5 }, 'quantity'],
      [{ areaCode: '415', quantity: 5, config: { voiceUrl: 'ftp:/x' } }, 'voiceUrl'],
      [{ quantity: 5 }, 'areaCode'],
    ] as const) {
      const res = await post('/v1/jobs/bulk-buy', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(JSON.stringify(res.json().error.fields)).toContain(field);
    }
    const rel = await post('/v1/jobs/bulk-release', { phoneNumbers: ['+14155550100', '415'] });
    expect(rel.statusCode).toBe(400);
    expect(JSON.stringify(rel.json().error.fields)).toContain('phoneNumbers.1');
    const dup = await post('/v1/jobs/bulk-release', { phoneNumbers: ['+14155550100', '+14155550100'] });
    expect(dup.statusCode).toBe(400);
    expect(await count()).toBe(before);
  });
});

describe('bulk release', () => {
  it('releases the listed numbers, skips ones the tenant does not own, and reports per number', async () => {
    const buy = await post('/v1/jobs/bulk-buy', { areaCode: '602', quantity: 12 });
    await waitForJob(api.app, tenant.headers, buy.json().id);
    const owned = await ownedInSandbox('+1602');
    expect(owned).toHaveLength(12);

    const other = await newTenant(api.db, 'other');
    const foreign = await api.app.inject({
      method: 'POST', url: '/v1/jobs/bulk-release', headers: other.headers, payload: { phoneNumbers: owned.slice(0, 2) },
    });
    const foreignJob = await waitForJob(api.app, other.headers, foreign.json().id);
    expect(foreignJob.counts).toMatchObject({ succeeded: 0, skipped: 2 });
    expect(await ownedInSandbox('+1602')).toHaveLength(12);

    await sandboxControl('POST', 'faults', { timeoutAfterCommitRate: 0.2, errorRate5xx: 0.1, seed: 3 });
    const res = await post('/v1/jobs/bulk-release', { phoneNumbers: [...owned, '+16020000000'] });
    expect(res.statusCode).toBe(202);
    const job = await waitForJob(api.app, tenant.headers, res.json().id);
    expect(job.counts).toMatchObject({ requested: 13, succeeded: 12, skipped: 1, failed: 0 });
    expect(job.status).toBe('partial');
    await sandboxControl('DELETE', 'faults');
    expect(await ownedInSandbox('+1602')).toHaveLength(0);

    const items = await api.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}/items?status=skipped`, headers: tenant.headers });
    expect(items.json().data).toEqual([expect.objectContaining({ phoneNumber: '+16020000000', status: 'skipped' })]);
    expect((await api.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}`, headers: other.headers })).statusCode).toBe(404);
  });

  it('lists jobs newest first with a cursor', async () => {
    const page1 = await api.app.inject({ method: 'GET', url: '/v1/jobs?limit=2', headers: tenant.headers });
    expect(page1.statusCode).toBe(200);
    expect(page1.json().data).toHaveLength(2);
    const page2 = await api.app.inject({ method: 'GET', url: `/v1/jobs?limit=2&cursor=${page1.json().nextCursor}`, headers: tenant.headers });
    const ids = [...page1.json().data, ...page2.json().data].map((j: { id: string }) => j.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
