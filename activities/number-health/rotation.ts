import { overBudget } from '../../db/platform/costs';
import { randomUUID } from 'node:crypto';
import { createJob, markJobRunning } from '../../db/kit/jobs';
import type { Db } from '../../db/kit/pool';
import { isTollFree, type TwilioErrorInfo } from '../../schemas/kit/common';
import type { NumberConfig } from '../../schemas/numbers/numbers';
import { replacementPurchaseKey } from '../../schemas/kit/workflow-ids';
import type { MembershipRegistry } from '../kit/memberships';
import type { TwilioClient } from '../kit/twilio-client';
import { RowMissing } from '../kit/row-missing';

/** What one run of the rotation pass does to one quarantined number. */
export interface RotationPlanItem {
  phoneNumber: string;
  /** Buy a replacement and move the number's service to it (policy rotate, not rotated yet). */
  rotate: boolean;
  /** Quarantined releaseAfterDays or longer: released (after its rotation, when it has one). */
  release: boolean;
}

/** A rotation pass's policy, as read when the pass starts. */
export interface RotationPolicy {
  rotate: boolean;
  releaseAfterDays: number | null;
}

/** Most plan entries one page returns, whatever the workflow asks. */
const MAX_PLAN_PAGE = 100;

/** A live quarantined number of tenant $1 that policy ($2 rotate, $3 releaseAfterDays) has work for. */
const DUE_FOR_ROTATION = `tenant_id = $1 AND status = 'active' AND hygiene_state = 'quarantined'
  AND (($2 AND replaced_by IS NULL) OR COALESCE(quarantined_at <= now() - make_interval(days => $3::int), false))`;

/** Where a number's rotation stands, read again on every attempt (so a retried or re-run rotation resumes). */
export interface RotationState {
  /** False when it is no longer a live quarantined number of the tenant (released, restored meanwhile). */
  quarantined: boolean;
  areaCode: string;
  tollFree: boolean;
  config: NumberConfig;
  /** Already moved to this number (a finished rotation). */
  replacedBy: string | null;
  /** A replacement purchase started for it and not failed: resumed under its key, never a second one bought. */
  pendingPurchase: { phoneNumber: string; purchaseKey: string } | null;
}

/**
 * The rotation pass: for each quarantined number, a replacement bought in the same area code takes over its
 * service (voice/SMS URLs at purchase, then its SIP trunk, Messaging Services and voice trust products) before the old number leaves
 * them; numbers quarantined long enough are released. Every step reads Twilio before it writes, so a retry or
 * a killed worker never adds a second replacement or a second membership.
 */
export function createRotationActivities({
  db,
  twilio,
  numberMonthlyUsd,
  memberships,
}: {
  db: Db;
  twilio: TwilioClient;
  numberMonthlyUsd: number;
  /** The products that hold numbers (activities/index.ts registers them): what a replacement takes over. */
  memberships: MembershipRegistry;
}) {

  return {
    /** Whether the tenant's monthly budget has room for one more number (a replacement is a purchase like any other). */
    async replacementFitsBudget({ tenantId }: { tenantId: string }): Promise<boolean> {
      return !(await overBudget(db, tenantId, numberMonthlyUsd, numberMonthlyUsd));
    },

    /** The run's job (once per run, keyed by its workflow id) and what it will do, number by number. */
    async startRotationPassJob({ tenantId, runId }: { tenantId: string; runId: string }): Promise<{ jobId: string; plan: RotationPlanItem[]; policy: { rotate: boolean; releaseAfterDays: number | null } | null }> {
      const policy = (await db.query<{ rotate: boolean; release_after_days: number | null }>('SELECT rotate, release_after_days FROM hygiene_policies WHERE tenant_id = $1', [tenantId])).rows[0];
      const { rows } = await db.query<RotationPlanItem>(
        `SELECT phone_number AS "phoneNumber", ($2 AND replaced_by IS NULL) AS rotate,
                COALESCE(quarantined_at <= now() - make_interval(days => $3::int), false) AS release
           FROM phone_numbers WHERE tenant_id = $1 AND status = 'active' AND hygiene_state = 'quarantined' ORDER BY phone_number`,
        [tenantId, policy?.rotate ?? false, policy?.release_after_days ?? null],
      );
      const plan = policy ? rows.filter((r) => r.rotate || r.release) : [];
      const { job } = await createJob(db, {
        id: randomUUID(), tenantId, kind: 'rotation_pass', params: { rotate: policy?.rotate ?? null, releaseAfterDays: policy?.release_after_days ?? null },
        requested: plan.length, idempotencyKey: `rotation-pass:${runId}`, workflowId: runId,
      });
      await markJobRunning(db, job.id);
      return { jobId: job.id, plan, policy: policy ? { rotate: policy.rotate, releaseAfterDays: policy.release_after_days } : null };
    },

    /**
     * The paged pass's job (once per run, keyed by its workflow id), the policy it follows and how many numbers are
     * due; the plan itself is read a page at a time (rotationPlanPage), so no activity result grows with the tenant.
     */
    async startRotationPass({ tenantId, runId }: { tenantId: string; runId: string }): Promise<{ jobId: string; policy: RotationPolicy | null; due: number }> {
      const row = (await db.query<{ rotate: boolean; release_after_days: number | null }>('SELECT rotate, release_after_days FROM hygiene_policies WHERE tenant_id = $1', [tenantId])).rows[0];
      const policy = row ? { rotate: row.rotate, releaseAfterDays: row.release_after_days } : null;
      const due = policy
        ? (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM phone_numbers WHERE ${DUE_FOR_ROTATION}`, [tenantId, policy.rotate, policy.releaseAfterDays])).rows[0]!.n
        : 0;
      const { job } = await createJob(db, {
        id: randomUUID(), tenantId, kind: 'rotation_pass', params: { rotate: policy?.rotate ?? null, releaseAfterDays: policy?.releaseAfterDays ?? null },
        requested: due, idempotencyKey: `rotation-pass:${runId}`, workflowId: runId,
      });
      await markJobRunning(db, job.id);
      return { jobId: job.id, policy, due };
    },

    /**
     * The next numbers of the plan after `after`, in number order: quarantined when the pass's job was made (one
     * quarantined since waits for the next pass) and due for rotation or release under the pass's policy.
     */
    async rotationPlanPage({ tenantId, jobId, policy, after, limit }: { tenantId: string; jobId: string; policy: RotationPolicy; after: string; limit: number }): Promise<RotationPlanItem[]> {
      const { rows } = await db.query<RotationPlanItem>(
        `SELECT phone_number AS "phoneNumber", ($2 AND replaced_by IS NULL) AS rotate,
                COALESCE(quarantined_at <= now() - make_interval(days => $3::int), false) AS release
           FROM phone_numbers
          WHERE ${DUE_FOR_ROTATION} AND phone_number > $4 AND quarantined_at <= (SELECT created_at FROM jobs WHERE id = $5 AND tenant_id = $1)
          ORDER BY phone_number LIMIT $6`,
        [tenantId, policy.rotate, policy.releaseAfterDays, after, jobId, Math.min(limit, MAX_PLAN_PAGE)],
      );
      return rows;
    },

    async rotationStateOf({ tenantId, phoneNumber }: { tenantId: string; phoneNumber: string }): Promise<RotationState> {
      const row = (await db.query<{ id: string; config: NumberConfig; replaced_by: string | null; quarantined: boolean }>(
        `SELECT id, config, replaced_by, (status = 'active' AND hygiene_state = 'quarantined') AS quarantined
           FROM phone_numbers WHERE tenant_id = $1 AND phone_number = $2 AND status IN ('active','releasing') ORDER BY created_at DESC LIMIT 1`,
        [tenantId, phoneNumber],
      )).rows[0];
      const areaCode = phoneNumber.slice(2, 5);
      const base = { areaCode, tollFree: isTollFree(phoneNumber) };
      if (!row) return { ...base, quarantined: false, config: {}, replacedBy: null, pendingPurchase: null };
      const pending = (await db.query<{ phone_number: string; purchase_key: string }>(
        `SELECT phone_number, purchase_key FROM phone_numbers WHERE purchase_key LIKE $1 AND status IN ('purchasing','active') ORDER BY created_at LIMIT 1`,
        [`${replacementPurchaseKey(row.id, '')}%`],
      )).rows[0];
      return {
        ...base,
        quarantined: row.quarantined,
        config: row.config,
        replacedBy: row.replaced_by,
        pendingPurchase: pending ? { phoneNumber: pending.phone_number, purchaseKey: pending.purchase_key } : null,
      };
    },

    /** The number's row id, for its replacement's purchase key. */
    async numberIdOf({ tenantId, phoneNumber }: { tenantId: string; phoneNumber: string }): Promise<string | null> {
      const { rows } = await db.query<{ id: string }>(`SELECT id FROM phone_numbers WHERE tenant_id = $1 AND phone_number = $2 AND status = 'active'`, [tenantId, phoneNumber]);
      return rows[0]?.id ?? null;
    },

    /**
     * Moves the number's memberships (SIP trunk, Messaging Service, voice trust products) to its replacement: the replacement joins
     * each first, then the old number leaves, then the old number records its replacement (event number.rotated).
     */
    async moveServiceTo({ tenantId, from, to }: { tenantId: string; from: string; to: string }): Promise<{ trunkSid: string | null; messagingServices: string[]; trustProducts: string[] }> {
      const { rows } = await db.query<{ phone_number: string; twilio_sid: string }>(
        `SELECT phone_number, twilio_sid FROM phone_numbers WHERE tenant_id = $1 AND phone_number = ANY($2) AND status = 'active'`,
        [tenantId, [from, to]],
      );
      const old = rows.find((r) => r.phone_number === from);
      const next = rows.find((r) => r.phone_number === to);
      if (!next) throw new RowMissing(`replacement ${to} is not an active number of the tenant`);
      const moved = { trunkSid: null as string | null, messagingServices: [] as string[], trustProducts: [] as string[] };
      if (!old) return moved; // moved and released already

      // Each product holding the old number (its trunk, Messaging Service, voice trust products) takes the replacement
      // in, then lets the old number go, asking only about this number's memberships. What the replacement holds
      // afterwards is what moved, also on a retry that finds the old number gone from some of them already.
      const held = await memberships.move({ tenantId, phoneNumber: from, twilioSid: old.twilio_sid }, { tenantId, phoneNumber: to, twilioSid: next.twilio_sid });
      moved.trunkSid = held.find((m) => m.kind === 'sip_trunk')?.containerSid ?? null;
      moved.messagingServices = held.filter((m) => m.kind === 'messaging_service').map((m) => m.containerSid);
      moved.trustProducts = held.filter((m) => m.kind === 'trust_product').map((m) => m.containerSid);
      await db.query(`UPDATE phone_numbers SET replaced_by = $3, updated_at = now() WHERE tenant_id = $1 AND phone_number = $2 AND status = 'active' AND replaced_by IS NULL`, [tenantId, from, to]);
      return moved;
    },

    /** One number's result in the run's job. */
    async recordRotationItem({ jobId, phoneNumber, ok, detail, error }: { jobId: string; phoneNumber: string; ok: boolean; detail: Record<string, unknown>; error?: TwilioErrorInfo | null }): Promise<void> {
      // A failure Twilio answered keeps Twilio's code, status and message on the item, like a bulk job's.
      const failure = ok ? null : { code: error?.code ?? null, status: error?.status ?? null, message: error?.message ?? String(detail.reason ?? 'failed'), moreInfo: error?.moreInfo ?? null };
      await db.query(
        `INSERT INTO job_items (job_id, item_key, phone_number, status, detail, error_code, error_status, error_message, error_more_info) VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (job_id, item_key) DO UPDATE SET status = EXCLUDED.status, detail = EXCLUDED.detail, error_code = EXCLUDED.error_code, error_status = EXCLUDED.error_status,
           error_message = EXCLUDED.error_message, error_more_info = EXCLUDED.error_more_info, updated_at = now()`,
        [jobId, phoneNumber, ok ? 'succeeded' : 'failed', JSON.stringify(detail), failure?.code ?? null, failure?.status ?? null, failure?.message ?? null, failure?.moreInfo ?? null],
      );
    },
  };
}
