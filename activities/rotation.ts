import { overBudget } from '../db/costs';
import { randomUUID } from 'node:crypto';
import { createJob, markJobRunning } from '../db/jobs';
import type { Db } from '../db/pool';
import { isTollFree } from '../schemas/common';
import type { NumberConfig } from '../schemas/numbers';
import { replacementPurchaseKey } from '../schemas/workflow-ids';
import { tenantMessagingServices } from './release-blockers';
import { markDetached, removeFromTrustProduct } from './voice-trust';
import type { TwilioClient } from './twilio-client';
import { failOnDefinitive, goneIsDone, isTwilioNotFound } from './twilio-errors';

/** What one run of the rotation pass does to one quarantined number. */
export interface RotationPlanItem {
  phoneNumber: string;
  /** Buy a replacement and move the number's service to it (policy rotate, not rotated yet). */
  rotate: boolean;
  /** Quarantined releaseAfterDays or longer: released (after its rotation, when it has one). */
  release: boolean;
}

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
export function createRotationActivities({ db, twilio, numberMonthlyUsd }: { db: Db; twilio: TwilioClient; numberMonthlyUsd: number }) {
  const account = () => twilio.api.v2010.accounts(twilio.accountSid);

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
     * Moves the number's SIP trunk and Messaging Service memberships to its replacement: the replacement joins
     * each first, then the old number leaves, then the old number records its replacement (event number.rotated).
     */
    async moveServiceTo({ tenantId, from, to }: { tenantId: string; from: string; to: string }): Promise<{ trunkSid: string | null; messagingServices: string[]; trustProducts: string[] }> {
      const { rows } = await db.query<{ phone_number: string; twilio_sid: string; sip_trunk_id: string | null; trunk_sid: string | null }>(
        `SELECT n.phone_number, n.twilio_sid, n.sip_trunk_id, t.trunk_sid FROM phone_numbers n LEFT JOIN sip_trunks t ON t.id = n.sip_trunk_id
          WHERE n.tenant_id = $1 AND n.phone_number = ANY($2) AND n.status = 'active'`,
        [tenantId, [from, to]],
      );
      const old = rows.find((r) => r.phone_number === from);
      const next = rows.find((r) => r.phone_number === to);
      if (!next) throw new Error(`replacement ${to} is not an active number of the tenant`);
      const moved = { trunkSid: null as string | null, messagingServices: [] as string[], trustProducts: [] as string[] };
      if (!old) return moved; // moved and released already

      // The trunk: the replacement joins (unless Twilio shows it there), the old number leaves.
      const trunkSid = old.trunk_sid ?? next.trunk_sid;
      if (trunkSid) {
        const current = await account().incomingPhoneNumbers(next.twilio_sid).fetch().catch(failOnDefinitive);
        if (current.trunkSid !== trunkSid) {
          await db.query(`UPDATE phone_numbers SET sip_prior_voice = $2 WHERE twilio_sid = $1 AND status = 'active'`, [
            next.twilio_sid, JSON.stringify({ priorTrunkSid: current.trunkSid ?? null, priorVoiceApplicationSid: current.voiceApplicationSid || null }),
          ]);
          await twilio.trunking.v1.trunks(trunkSid).phoneNumbers.create({ phoneNumberSid: next.twilio_sid }).catch(failOnDefinitive);
        }
        await db.query(`UPDATE phone_numbers SET sip_trunk_id = (SELECT id FROM sip_trunks WHERE trunk_sid = $2), updated_at = now() WHERE twilio_sid = $1 AND status = 'active'`, [next.twilio_sid, trunkSid]);
        await twilio.trunking.v1.trunks(trunkSid).phoneNumbers(old.twilio_sid).remove().catch(goneIsDone);
        await db.query('UPDATE phone_numbers SET sip_trunk_id = NULL, sip_prior_voice = NULL, updated_at = now() WHERE twilio_sid = $1', [old.twilio_sid]);
        moved.trunkSid = trunkSid;
      }

      // Messaging Services the old number sends from: the replacement joins each, then the old number leaves.
      for (const serviceSid of (await tenantMessagingServices(db, tenantId)).keys()) {
        const service = twilio.messaging.v1.services(serviceSid);
        const isMember = (sid: string) => service.phoneNumbers(sid).fetch().then(() => true, (err) => {
          if (isTwilioNotFound(err)) return false;
          throw err;
        });
        const [oldIn, nextIn] = [await isMember(old.twilio_sid), await isMember(next.twilio_sid)];
        if (!oldIn && !nextIn) continue;
        if (!nextIn) await service.phoneNumbers.create({ phoneNumberSid: next.twilio_sid }).catch(failOnDefinitive);
        if (oldIn) await service.phoneNumbers(old.twilio_sid).remove().catch(goneIsDone);
        moved.messagingServices.push(serviceSid);
      }
      // Voice trust products (SHAKEN/STIR, CNAM, Voice Integrity): the replacement joins the business profile and the
      // trust product, then the old number leaves the product and its registration shows it detached.
      const th = twilio.trusthub.v1;
      const onTrust = await db.query<{ registration_id: string; business_profile_sid: string; trust_product_sid: string }>(
        `SELECT n.registration_id, r.business_profile_sid, r.trust_product_sid FROM voice_trust_numbers n JOIN voice_trust_registrations r ON r.id = n.registration_id
          WHERE n.tenant_id = $1 AND n.phone_number = $2 AND n.on_trust_product AND n.detached_at IS NULL AND r.trust_product_sid IS NOT NULL`,
        [tenantId, from],
      );
      for (const t of onTrust.rows) {
        const profile = th.customerProfiles(t.business_profile_sid).customerProfilesChannelEndpointAssignment;
        const product = th.trustProducts(t.trust_product_sid).trustProductsChannelEndpointAssignment;
        const assign = { channelEndpointType: 'phone-number', channelEndpointSid: next.twilio_sid };
        if ((await profile.list({ channelEndpointSid: next.twilio_sid, limit: 1 })).length === 0) await profile.create(assign).catch(failOnDefinitive);
        if ((await product.list({ channelEndpointSid: next.twilio_sid, limit: 1 })).length === 0) await product.create(assign).catch(failOnDefinitive);
        await db.query(
          `INSERT INTO voice_trust_numbers (registration_id, tenant_id, phone_number, twilio_sid, on_business_profile, on_trust_product) VALUES ($1, $2, $3, $4, true, true)
           ON CONFLICT (registration_id, phone_number) DO UPDATE SET on_business_profile = true, on_trust_product = true, detached_at = NULL`,
          [t.registration_id, tenantId, to, next.twilio_sid],
        );
        await removeFromTrustProduct(twilio, t.trust_product_sid, old.twilio_sid);
        await markDetached(db, t.registration_id, from, `${from} rotated out: ${to} took its place on trust product ${t.trust_product_sid}`);
        moved.trustProducts.push(t.trust_product_sid);
      }
      await db.query(`UPDATE phone_numbers SET replaced_by = $3, updated_at = now() WHERE tenant_id = $1 AND phone_number = $2 AND status = 'active' AND replaced_by IS NULL`, [tenantId, from, to]);
      return moved;
    },

    /** One number's result in the run's job. */
    async recordRotationItem({ jobId, phoneNumber, ok, detail }: { jobId: string; phoneNumber: string; ok: boolean; detail: Record<string, unknown> }): Promise<void> {
      await db.query(
        `INSERT INTO job_items (job_id, item_key, phone_number, status, detail, error_message) VALUES ($1, $2, $2, $3, $4, $5)
         ON CONFLICT (job_id, item_key) DO UPDATE SET status = EXCLUDED.status, detail = EXCLUDED.detail, error_message = EXCLUDED.error_message, updated_at = now()`,
        [jobId, phoneNumber, ok ? 'succeeded' : 'failed', JSON.stringify(detail), ok ? null : String(detail.reason ?? 'failed')],
      );
    },
  };
}
