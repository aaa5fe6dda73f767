import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type pg from 'pg';
import { createJob, markJobRunning } from '../../db/kit/jobs';
import { healthOf } from '../../db/number-health/health';
import { inTransaction, type Db } from '../../db/kit/pool';

/** Numbers scored per query while a health pass runs. */
const PASS_CHUNK = 500;

/**
 * The scheduled health pass: every live number of the tenant scored, those below the policy's threshold put in
 * quarantine (kept, out of service) and those back at or above it restored once they have rested the policy's days (a rotated number stays out), each number an item of the run's
 * job with its score and what was done. A quarantine or restore enqueues the tenant's webhook event in the same
 * transaction (a trigger). Running the same pass again changes nothing more: it only moves numbers whose state differs.
 */
export function createHygieneActivities({ db }: { db: Db }) {
  return {
    /** The tenant's live numbers, in number order (what a job over "all my numbers" covers). */
    async liveNumbersOf({ tenantId }: { tenantId: string }): Promise<string[]> {
      const { rows } = await db.query<{ phone_number: string }>(`SELECT phone_number FROM phone_numbers WHERE tenant_id = $1 AND status = 'active' ORDER BY phone_number`, [tenantId]);
      return rows.map((r) => r.phone_number);
    },

    /** The run's job, made once per scheduled run (keyed by the run's workflow id). */
    async startHealthPassJob({ tenantId, runId }: { tenantId: string; runId: string }): Promise<{ jobId: string; threshold: number | null }> {
      const policy = (await db.query<{ quarantine_below: number }>('SELECT quarantine_below FROM hygiene_policies WHERE tenant_id = $1', [tenantId])).rows[0];
      const live = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM phone_numbers WHERE tenant_id = $1 AND status = 'active'`, [tenantId])).rows[0]!.n;
      const id = randomUUID();
      const { job } = await createJob(db, {
        id, tenantId, kind: 'health_pass', params: { quarantineBelowScore: policy?.quarantine_below ?? null }, requested: live,
        idempotencyKey: `health-pass:${runId}`, workflowId: runId,
      });
      await markJobRunning(db, job.id);
      return { jobId: job.id, threshold: policy?.quarantine_below ?? null };
    },

    /**
     * Scores the tenant's live numbers a chunk at a time, in number order. Each chunk's state changes and items
     * are one transaction, and the heartbeat then carries the last number done with the totals: a retried
     * attempt resumes after it instead of scoring the tenant's numbers again from the first.
     */
    async runHealthPass({ tenantId, jobId, threshold }: { tenantId: string; jobId: string; threshold: number | null }): Promise<HealthPassTotals> {
      const progress: HealthPassProgress = lastAttemptsProgress() ?? { after: '', totals: { checked: 0, quarantined: 0, restored: 0 } };
      const restDays = (await db.query<{ rest_days: number }>('SELECT rest_days FROM hygiene_policies WHERE tenant_id = $1', [tenantId])).rows[0]?.rest_days ?? 0;
      for (;;) {
        beat(progress);
        const rows = await nextChunk(db, tenantId, progress.after, restDays);
        if (rows.length === 0) return progress.totals;
        beat(progress);
        const items = await decide(db, tenantId, rows, threshold);
        beat(progress);
        stopIfCancelled();
        await inTransaction(db, (c) => applyChunk(c, tenantId, jobId, items));
        progress.after = rows[rows.length - 1]!.phone_number;
        progress.totals.checked += items.length;
        progress.totals.quarantined += items.filter((i) => i.action === 'quarantined').length;
        progress.totals.restored += items.filter((i) => i.action === 'restored').length;
        beat(progress);
      }
    },
  };
}

type HealthPassTotals = { checked: number; quarantined: number; restored: number };
/** A health pass's heartbeat details: the last number whose chunk was committed, and what the pass did so far. */
interface HealthPassProgress {
  after: string;
  totals: HealthPassTotals;
}
interface ChunkRow {
  phone_number: string;
  hygiene_state: string;
  rested: boolean;
  replaced_by: string | null;
}
type HealthItem = { phoneNumber: string; score: number; factors: string[]; action: 'quarantined' | 'restored' | 'resting' | 'none' };

/** The activity's Temporal context, or null outside one (unit tests call activities directly). */
function activityContext(): Context | null {
  try {
    return Context.current();
  } catch {
    return null;
  }
}

/** The previous attempt's last heartbeat, when this attempt is a retry. */
const lastAttemptsProgress = () => activityContext()?.info.heartbeatDetails as HealthPassProgress | undefined;

/** Heartbeats with the committed progress: each step is a sign of life, and a retry resumes from the last one. */
const beat = ({ after, totals }: HealthPassProgress) => activityContext()?.heartbeat({ after, totals: { ...totals } });

/** A pass cancelled through Temporal (learnt from a heartbeat's answer) stops between chunks. */
function stopIfCancelled(): void {
  const signal = activityContext()?.cancellationSignal;
  if (signal?.aborted) throw signal.reason;
}

/** The next chunk of live numbers after `after`. rested: quarantined long enough to be restored. */
async function nextChunk(db: Db, tenantId: string, after: string, restDays: number): Promise<ChunkRow[]> {
  const { rows } = await db.query<ChunkRow>(
    `SELECT phone_number, hygiene_state, replaced_by, COALESCE(quarantined_at <= now() - make_interval(days => $3), true) AS rested
       FROM phone_numbers WHERE tenant_id = $1 AND status = 'active' AND phone_number > $2 ORDER BY phone_number LIMIT ${PASS_CHUNK}`,
    [tenantId, after, restDays],
  );
  return rows;
}

/** Each number's score and what the policy does about it. A rotated number's service has moved: it stays out. */
async function decide(db: Db, tenantId: string, rows: ChunkRow[], threshold: number | null): Promise<HealthItem[]> {
  const scored = await healthOf(db, tenantId, rows.map((r) => r.phone_number));
  return scored.map((h, i) => {
    const { hygiene_state: was, rested, replaced_by: replacedBy } = rows[i]!;
    const below = threshold !== null && h.score < threshold;
    const recovered = !below && was === 'quarantined';
    const action = below && was === 'ok' ? 'quarantined' : recovered && replacedBy ? 'none' : recovered && !rested ? 'resting' : recovered ? 'restored' : 'none';
    return { phoneNumber: h.phoneNumber, score: h.score, factors: h.factors.map((f) => f.factor), action };
  });
}

/** Moves the chunk's numbers and records its items together: a retry never finds one done without the other. */
async function applyChunk(c: pg.PoolClient, tenantId: string, jobId: string, items: HealthItem[]): Promise<void> {
  const moving = items.filter((i) => i.action === 'quarantined' || i.action === 'restored');
  await c.query(
    `UPDATE phone_numbers p SET hygiene_state = CASE WHEN m.action = 'quarantined' THEN 'quarantined' ELSE 'ok' END,
            quarantined_at = CASE WHEN m.action = 'quarantined' THEN now() ELSE NULL END, updated_at = now()
       FROM jsonb_to_recordset($2) AS m("phoneNumber" text, action text)
      WHERE p.tenant_id = $1 AND p.phone_number = m."phoneNumber" AND p.status = 'active'`,
    [tenantId, JSON.stringify(moving)],
  );
  await c.query(
    `INSERT INTO job_items (job_id, item_key, phone_number, status, detail)
     SELECT $1, i."phoneNumber", i."phoneNumber", 'succeeded', jsonb_build_object('score', i.score, 'factors', i.factors, 'action', i.action)
       FROM jsonb_to_recordset($2) AS i("phoneNumber" text, score int, factors jsonb, action text)
     ON CONFLICT (job_id, item_key) DO NOTHING`,
    [jobId, JSON.stringify(items)],
  );
}
