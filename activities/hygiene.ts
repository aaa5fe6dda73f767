import { randomUUID } from 'node:crypto';
import { createJob, markJobRunning } from '../db/jobs';
import { healthOf } from '../db/number-health';
import type { Db } from '../db/pool';

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

    async runHealthPass({ tenantId, jobId, threshold }: { tenantId: string; jobId: string; threshold: number | null }): Promise<{ checked: number; quarantined: number; restored: number }> {
      const totals = { checked: 0, quarantined: 0, restored: 0 };
      const restDays = (await db.query<{ rest_days: number }>('SELECT rest_days FROM hygiene_policies WHERE tenant_id = $1', [tenantId])).rows[0]?.rest_days ?? 0;
      let after = '';
      for (;;) {
        // rested: quarantined long enough to be restored. A rotated number's service has moved: it stays out.
        const { rows } = await db.query<{ phone_number: string; hygiene_state: string; rested: boolean; replaced_by: string | null }>(
          `SELECT phone_number, hygiene_state, replaced_by, COALESCE(quarantined_at <= now() - make_interval(days => $3), true) AS rested
             FROM phone_numbers WHERE tenant_id = $1 AND status = 'active' AND phone_number > $2 ORDER BY phone_number LIMIT ${PASS_CHUNK}`,
          [tenantId, after, restDays],
        );
        if (rows.length === 0) return totals;
        after = rows[rows.length - 1]!.phone_number;
        const scored = await healthOf(db, tenantId, rows.map((r) => r.phone_number));
        const items = scored.map((h, i) => {
          const { hygiene_state: was, rested, replaced_by: replacedBy } = rows[i]!;
          const below = threshold !== null && h.score < threshold;
          const recovered = !below && was === 'quarantined';
          const action = below && was === 'ok' ? 'quarantined' : recovered && replacedBy ? 'none' : recovered && !rested ? 'resting' : recovered ? 'restored' : 'none';
          return { phoneNumber: h.phoneNumber, score: h.score, factors: h.factors.map((f) => f.factor), action };
        });
        const moving = items.filter((i) => i.action === 'quarantined' || i.action === 'restored');
        await db.query(
          `UPDATE phone_numbers p SET hygiene_state = CASE WHEN m.action = 'quarantined' THEN 'quarantined' ELSE 'ok' END,
                  quarantined_at = CASE WHEN m.action = 'quarantined' THEN now() ELSE NULL END, updated_at = now()
             FROM jsonb_to_recordset($2) AS m("phoneNumber" text, action text)
            WHERE p.tenant_id = $1 AND p.phone_number = m."phoneNumber" AND p.status = 'active'`,
          [tenantId, JSON.stringify(moving)],
        );
        await db.query(
          `INSERT INTO job_items (job_id, item_key, phone_number, status, detail)
           SELECT $1, i."phoneNumber", i."phoneNumber", 'succeeded', jsonb_build_object('score', i.score, 'factors', i.factors, 'action', i.action)
             FROM jsonb_to_recordset($2) AS i("phoneNumber" text, score int, factors jsonb, action text)
           ON CONFLICT (job_id, item_key) DO NOTHING`,
          [jobId, JSON.stringify(items)],
        );
        totals.checked += items.length;
        totals.quarantined += items.filter((i) => i.action === 'quarantined').length;
        totals.restored += items.filter((i) => i.action === 'restored').length;
      }
    },
  };
}
