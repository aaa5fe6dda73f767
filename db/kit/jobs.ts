import type pg from 'pg';
import type { Job, JobItem, JobKind, JobOutcome, JobStatus } from '../../schemas/kit/jobs';
import type { TwilioErrorInfo } from '../../schemas/kit/common';
import { afterCursor, pageOf } from './cursor';
import type { Db } from './pool';

interface JobRow {
  id: string;
  tenant_id: string;
  kind: JobKind;
  status: JobStatus;
  params: Record<string, unknown>;
  requested: number;
  idempotency_key: string | null;
  workflow_id: string;
  outcome: JobOutcome | null;
  created_at: Date;
  started_at: Date | null;
  updated_at: Date;
  finished_at: Date | null;
  cursor_ts: string;
  succeeded: number;
  failed: number;
  skipped: number;
}

// Counts come from job_item_counts, which a trigger keeps in step with job_items in the same transaction.
const jobColumns = `j.id, j.tenant_id, j.kind, j.status, j.params, j.requested, j.idempotency_key, j.workflow_id,
  j.outcome, j.created_at, j.started_at, j.updated_at, j.finished_at, j.created_at::text AS cursor_ts,
  c.succeeded, c.failed, c.skipped`;
/** A handful of counter rows per job, however many items it has: a 10 000-number job is read while it runs. */
const jobCounts = `CROSS JOIN LATERAL (
  SELECT COALESCE(sum(c.n) FILTER (WHERE c.status = 'succeeded'), 0)::int AS succeeded,
         COALESCE(sum(c.n) FILTER (WHERE c.status = 'failed'), 0)::int AS failed,
         COALESCE(sum(c.n) FILTER (WHERE c.status = 'skipped'), 0)::int AS skipped
    FROM job_item_counts c WHERE c.job_id = j.id) c`;

export const isFinished = (s: JobStatus) => ['succeeded', 'partial', 'cancelled', 'failed'].includes(s);

function toJob(r: JobRow): Job {
  // A bulk buy needs `requested` successes; failed candidates are replaced, so they don't count as pending work.
  const done = r.kind === 'bulk_buy' ? r.succeeded : r.succeeded + r.failed + r.skipped;
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    params: r.params,
    counts: {
      requested: r.requested,
      succeeded: r.succeeded,
      failed: r.failed,
      skipped: r.skipped,
      pending: isFinished(r.status) ? 0 : Math.max(0, r.requested - done),
    },
    outcome: r.outcome,
    idempotencyKey: r.idempotency_key,
    workflowId: r.workflow_id,
    createdAt: r.created_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    updatedAt: r.updated_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}

export interface NewJob {
  id: string;
  tenantId: string;
  kind: JobKind;
  params: Record<string, unknown>;
  requested: number;
  idempotencyKey: string | null;
  workflowId: string;
}

/** Inserts a queued job; with an idempotency key already used by this tenant, returns that job instead. */
export async function createJob(db: Db, j: NewJob): Promise<{ job: Job; workflowId: string; created: boolean }> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO jobs (id, tenant_id, kind, status, params, requested, idempotency_key, workflow_id)
     VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7)
     ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id`,
    [j.id, j.tenantId, j.kind, JSON.stringify(j.params), j.requested, j.idempotencyKey, j.workflowId],
  );
  const created = rows.length > 0;
  const id = created
    ? j.id
    : (await db.query('SELECT id FROM jobs WHERE tenant_id = $1 AND idempotency_key = $2', [j.tenantId, j.idempotencyKey]))
        .rows[0].id;
  const row = (await db.query<JobRow>(`SELECT ${jobColumns} FROM jobs j ${jobCounts} WHERE j.id = $1`, [id])).rows[0]!;
  return { job: toJob(row), workflowId: row.workflow_id, created };
}

export async function getJob(db: Db, tenantId: string, jobId: string): Promise<Job | null> {
  const { rows } = await db.query<JobRow>(`SELECT ${jobColumns} FROM jobs j ${jobCounts} WHERE j.id = $1 AND j.tenant_id = $2`, [
    jobId,
    tenantId,
  ]);
  return rows[0] ? toJob(rows[0]) : null;
}

export async function listJobs(
  db: Db,
  tenantId: string,
  q: { limit: number; cursor?: string; kind?: string; status?: string },
) {
  const page = afterCursor(q.cursor, 4);
  const { rows } = await db.query<JobRow>(
    // The page is chosen first, then counted: counting never runs for jobs outside the page.
    `SELECT ${jobColumns} FROM (
       SELECT * FROM jobs j
        WHERE j.tenant_id = $1 AND ($2::text IS NULL OR j.kind = $2) AND ($3::text IS NULL OR j.status = $3)
          AND ${page.sql.replace('(created_at, id)', '(j.created_at, j.id)')}
        ORDER BY j.created_at DESC, j.id DESC LIMIT ${q.limit + 1}) j ${jobCounts}
      ORDER BY j.created_at DESC, j.id DESC`,
    [tenantId, q.kind ?? null, q.status ?? null, ...page.params],
  );
  const { page: data, nextCursor } = pageOf(rows, q.limit);
  return { data: data.map(toJob), nextCursor };
}

interface ItemRow {
  item_key: string;
  phone_number: string | null;
  status: JobItem['status'];
  twilio_sid: string | null;
  error_code: number | null;
  error_status: number | null;
  error_message: string | null;
  error_more_info: string | null;
  detail: Record<string, unknown> | null;
  updated_at: Date;
}

/** Items in key order; `after` is the last key of the previous page. */
export async function listJobItems(db: Db, jobId: string, q: { limit: number; after?: string; status?: string }) {
  const { rows } = await db.query<ItemRow>(
    `SELECT * FROM job_items WHERE job_id = $1 AND ($2::text IS NULL OR item_key > $2)
        AND ($3::text IS NULL OR status = $3)
      ORDER BY item_key LIMIT ${q.limit + 1}`,
    [jobId, q.after ?? null, q.status ?? null],
  );
  const page = rows.slice(0, q.limit);
  return {
    data: page.map(
      (r): JobItem => ({
        itemKey: r.item_key,
        phoneNumber: r.phone_number,
        status: r.status,
        twilioSid: r.twilio_sid,
        error:
          r.error_message === null
            ? null
            : { code: r.error_code, status: r.error_status, message: r.error_message, moreInfo: r.error_more_info },
        detail: r.detail ?? null,
        updatedAt: r.updated_at.toISOString(),
      }),
    ),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.item_key : null,
  };
}

/** Upserts one item's outcome; a later definitive outcome overwrites a pending one. */
export async function recordJobItem(
  c: Db | pg.PoolClient,
  i: {
    jobId: string;
    itemKey: string;
    phoneNumber: string | null;
    status: JobItem['status'];
    twilioSid: string | null;
    error: TwilioErrorInfo | null;
  },
): Promise<void> {
  await c.query(
    `INSERT INTO job_items (job_id, item_key, phone_number, status, twilio_sid, error_code, error_status, error_message, error_more_info)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (job_id, item_key) DO UPDATE SET status = EXCLUDED.status, twilio_sid = EXCLUDED.twilio_sid,
       error_code = EXCLUDED.error_code, error_status = EXCLUDED.error_status, error_message = EXCLUDED.error_message,
       error_more_info = EXCLUDED.error_more_info, updated_at = now()`,
    [
      i.jobId,
      i.itemKey,
      i.phoneNumber,
      i.status,
      i.twilioSid,
      i.error?.code ?? null,
      i.error?.status ?? null,
      i.error?.message ?? null,
      i.error?.moreInfo ?? null,
    ],
  );
}

export async function markJobRunning(db: Db, jobId: string): Promise<void> {
  await db.query(
    `UPDATE jobs SET status = CASE WHEN status = 'queued' THEN 'running' ELSE status END,
            started_at = COALESCE(started_at, now()), updated_at = now()
      WHERE id = $1`,
    [jobId],
  );
}

/** A cancel asked for: the sweep delivers it if the signal doesn't get through, on its first turn, not after a back-off. */
export async function markJobCancelling(db: Db, tenantId: string, jobId: string): Promise<void> {
  await db.query(
    `UPDATE jobs SET status = 'cancelling', updated_at = now(), sweep_attempts = 0, sweep_next_at = NULL
      WHERE id = $1 AND tenant_id = $2 AND status IN ('queued','running')`,
    [jobId, tenantId],
  );
}

export async function finishJob(db: Db, jobId: string, status: JobStatus, outcome: JobOutcome): Promise<void> {
  await db.query(
    `UPDATE jobs SET status = $2, outcome = $3, finished_at = COALESCE(finished_at, now()), updated_at = now()
      WHERE id = $1`,
    [jobId, status, JSON.stringify(outcome)],
  );
}

export interface JobToSweep {
  id: string;
  tenant_id: string;
  kind: JobKind;
  status: 'queued' | 'cancelling' | 'running';
  params: Record<string, unknown>;
  workflow_id: string;
}

/** The sweep's back-off: a job it took waits this long for its next turn, doubling from `firstSeconds`. */
export interface SweepBackoff {
  firstSeconds: number;
  maxSeconds: number;
}

/**
 * Takes the jobs the sweep must look at, oldest turn first: queued ones (the API may have died between
 * insert and workflow start), cancelling ones (the cancel signal may not have reached Temporal) and running
 * ones (their workflow may have been terminated, which no workflow code sees), each
 * left `olderThanSeconds` to the request that wrote it. Taking a job puts its next turn off (doubling up to
 * `maxSeconds`), so jobs that can't move yet are taken once per back-off, never every sweep, and can't starve
 * newer ones; SKIP LOCKED gives each job to one API replica.
 */
export async function takeJobsToSweep(db: Db, olderThanSeconds: number, limit: number, backoff: SweepBackoff): Promise<JobToSweep[]> {
  const { rows } = await db.query<JobToSweep>(
    `UPDATE jobs j SET sweep_attempts = j.sweep_attempts + 1,
            sweep_next_at = now() + make_interval(secs => least($4::float8, $3::float8 * power(2, least(j.sweep_attempts, 20))))
       FROM (SELECT id FROM jobs
              WHERE status IN ('queued', 'cancelling', 'running')
                AND (CASE WHEN status = 'queued' THEN created_at ELSE updated_at END) < now() - make_interval(secs => $1)
                AND COALESCE(sweep_next_at, created_at) <= now()
              ORDER BY COALESCE(sweep_next_at, created_at), id LIMIT $2
                FOR UPDATE SKIP LOCKED) due
      WHERE j.id = due.id
      RETURNING j.id, j.tenant_id, j.kind, j.status, j.params, j.workflow_id`,
    [olderThanSeconds, limit, backoff.firstSeconds, backoff.maxSeconds],
  );
  return rows;
}

/** Ends a queued, cancelling or running job whose workflow closed without ending it; a job already final is left as it is. */
export async function finishStrandedJob(db: Db, jobId: string, status: JobStatus, outcome: JobOutcome): Promise<void> {
  await db.query(
    `UPDATE jobs SET status = $2, outcome = $3, finished_at = now(), updated_at = now()
      WHERE id = $1 AND status IN ('queued', 'cancelling', 'running')`,
    [jobId, status, JSON.stringify(outcome)],
  );
}

/** Ends a job whose workflow never started; a job that started is left to its workflow. */
export async function cancelUnstartedJob(db: Db, tenantId: string, jobId: string): Promise<void> {
  await db.query(
    `UPDATE jobs SET status = 'cancelled', outcome = $3, finished_at = now(), updated_at = now()
      WHERE id = $1 AND tenant_id = $2 AND started_at IS NULL AND finished_at IS NULL`,
    [jobId, tenantId, JSON.stringify({ stopReason: 'cancelled', message: 'cancelled before it started' })],
  );
}
