import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob, getJob, recordJobItem } from '../../../db/kit/jobs';
import { createPool, type Db } from '../../../db/kit/pool';
import { createTenant } from '../../../db/platform/tenants';
import { stack } from '../../helpers/stack';

let db: Db;
beforeAll(() => {
  db = createPool(stack.databaseUrl, 20);
});
afterAll(async () => {
  await db.end();
});

async function newJob() {
  const { tenant } = await createTenant(db, `counts-${randomUUID()}`);
  const id = randomUUID();
  await createJob(db, { id, tenantId: tenant.id, kind: 'bulk_release', params: {}, requested: 400, idempotencyKey: null, workflowId: `w-${id}` });
  return { tenantId: tenant.id, jobId: id };
}

describe("a job's item counts (sharded counters kept by a trigger)", () => {
  it('match the items exactly under hundreds of concurrent writes and status changes', async () => {
    const { tenantId, jobId } = await newJob();
    const keys = Array.from({ length: 400 }, (_, i) => `+1555${String(i).padStart(7, '0')}`);
    const item = (itemKey: string, status: 'pending' | 'succeeded' | 'failed' | 'skipped') =>
      recordJobItem(db, { jobId, itemKey, phoneNumber: itemKey, status, twilioSid: null, error: null });
    await Promise.all(keys.map((k) => item(k, 'pending')));
    // Every item moves on, some twice (a failure that a retry turns into a success), all at once.
    await Promise.all(keys.map((k, i) => item(k, i % 4 === 0 ? 'failed' : i % 4 === 1 ? 'skipped' : 'succeeded')));
    await Promise.all(keys.filter((_, i) => i % 8 === 0).map((k) => item(k, 'succeeded')));
    const { rows } = await db.query(`SELECT status, count(*)::int AS n FROM job_items WHERE job_id = $1 GROUP BY status`, [jobId]);
    const actual = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    const job = await getJob(db, tenantId, jobId);
    expect(job!.counts).toMatchObject({ succeeded: actual.succeeded, failed: actual.failed, skipped: actual.skipped });
    expect(job!.counts).toMatchObject({ succeeded: 250, failed: 50, skipped: 100 });
  });

  it('stay right for items counted under the earlier 8-shard layout when their status changes', async () => {
    const { tenantId, jobId } = await newJob();
    const keys = Array.from({ length: 50 }, (_, i) => `+1556${String(i).padStart(7, '0')}`);
    // Items written before migration 024: their counter rows sit on shard hashtext(key) & 7.
    await db.query('ALTER TABLE job_items DISABLE TRIGGER job_items_count');
    try {
      for (const k of keys) await db.query(`INSERT INTO job_items (job_id, item_key, phone_number, status) VALUES ($1, $2, $2, 'pending')`, [jobId, k]);
    } finally {
      await db.query('ALTER TABLE job_items ENABLE TRIGGER job_items_count');
    }
    await db.query(
      `INSERT INTO job_item_counts (job_id, status, shard, n)
       SELECT job_id, status, hashtext(item_key) & 7, count(*) FROM job_items WHERE job_id = $1 GROUP BY 1, 2, 3`,
      [jobId],
    );
    for (const k of keys) await recordJobItem(db, { jobId, itemKey: k, phoneNumber: k, status: 'succeeded', twilioSid: null, error: null });
    const pending = await db.query(`SELECT COALESCE(sum(n), 0)::int AS n FROM job_item_counts WHERE job_id = $1 AND status = 'pending'`, [jobId]);
    expect(pending.rows[0].n).toBe(0);
    expect((await getJob(db, tenantId, jobId))!.counts).toMatchObject({ succeeded: 50, failed: 0, skipped: 0 });
  });
});
