import { inTransaction, type Db } from '../../db/kit/pool';
import { forgetContainer, recordTrustProductMemberships } from '../../db/kit/memberships';
import { insertRegistrationEvents, recordRegistrationEvent } from '../../db/kit/registration-events';
import type { VoiceTrustCorrections, VoiceTrustDraft, VoiceTrustProblem, VoiceTrustProduct, VoiceTrustReview, VoiceTrustStatus } from '../../schemas/voice-trust/registration';
import { activityAttempt } from '../kit/attempt';
import { scopedNameOr, sidByName, type SidSource, type TwilioObjectRegistry } from '../kit/twilio-objects';
import type { TwilioClient } from '../kit/twilio-client';
import { failOnDefinitive, goneIsDone } from '../kit/twilio-errors';
import { RowMissing } from '../kit/row-missing';

/** The Trust Hub policy of each voice trust product (checked against Twilio at worker start-up). */
export type VoiceTrustPolicies = Record<VoiceTrustProduct, string>;
export const defaultVoiceTrustPolicies: VoiceTrustPolicies = {
  shaken_stir: 'RN7a97559effdf62d00f4298208492a5ea',
  cnam: 'RNf3db3cd1fe25fcfd3c3ded065c8fea53',
  voice_integrity: 'RN5b3660f9598883b1df4e77f77acefba0',
};

/** Takes numbers off a trust product at Twilio (one, or all of them); what is already gone counts as done. */
export async function removeFromTrustProduct(twilio: TwilioClient, trustProductSid: string, numberSid?: string): Promise<void> {
  const assignments = twilio.trusthub.v1.trustProducts(trustProductSid).trustProductsChannelEndpointAssignment;
  const onIt = await assignments.list(numberSid ? { channelEndpointSid: numberSid } : {}).catch((err) => (goneIsDone(err), []));
  for (const a of onIt) await assignments(a.sid).remove().catch(goneIsDone);
}

/** A registration's number shows as detached, and its timeline says why (once, however often this runs). */
export async function markDetached(db: Db, registrationId: string, phoneNumber: string, message: string, data: object = {}): Promise<void> {
  await db.query(
    `WITH d AS (UPDATE voice_trust_numbers SET detached_at = now() WHERE registration_id = $1 AND phone_number = $2 AND detached_at IS NULL RETURNING tenant_id)
     ${insertRegistrationEvents('voice_trust', `SELECT tenant_id, $1, 'number', $3, $4 FROM d`)}`,
    [registrationId, phoneNumber, message, JSON.stringify(data)],
  );
}

/** Where voice trust keeps the SIDs of what it made for a tenant: no other tenant may adopt them. */
export const voiceTrustSidSources: SidSource[] = [{ table: 'voice_trust_registrations', sidColumns: ['trust_product_sid', 'end_user_sid'] }];

interface Row {
  id: string;
  tenant_id: string;
  product: VoiceTrustProduct;
  draft: VoiceTrustDraft;
  business_profile_sid: string;
  trust_product_sid: string | null;
  end_user_sid: string | null;
}

/** The end user a product asks for, from the draft (SHAKEN/STIR asks for none). */
function endUserOf(draft: VoiceTrustDraft): { type: string; attributes: Record<string, unknown> } | null {
  if (draft.product === 'cnam') return { type: 'cnam_information', attributes: { cnam_display_name: draft.displayName } };
  if (draft.product === 'voice_integrity') {
    return {
      type: 'voice_integrity_information',
      attributes: { use_case: draft.useCase, business_employee_count: draft.employeeCount, average_business_day_call_volume: draft.averageDailyCallVolume, ...(draft.notes ? { notes: draft.notes } : {}) },
    };
  }
  return null;
}

/**
 * Voice trust registrations over the official SDK. Twilio's order is kept: each number goes on the business
 * profile, then the trust product (with its end user and the profile) is made, then the numbers join it,
 * then it is evaluated and submitted. Every write first reads what an earlier attempt may have made: channel
 * endpoint assignments are listed by number, the trust product is found by its name, the end user's SID is
 * kept in PostgreSQL as soon as Twilio answers (and looked for by name when an answer was lost).
 */
export function createVoiceTrustActivities({
  db,
  twilio,
  twilioObjects,
  policies = defaultVoiceTrustPolicies,
}: {
  db: Db;
  twilio: TwilioClient;
  twilioObjects: TwilioObjectRegistry;
  policies?: VoiceTrustPolicies;
}) {
  const th = twilio.trusthub.v1;
  /** Registrations started before tenant-scoped names keep their old name. */
  const nameOf = (r: Row, nameScope?: string) => scopedNameOr(r.tenant_id, nameScope, () => `twilio-pro:voice-trust:${r.id}`);

  async function row(registrationId: string): Promise<Row> {
    const { rows } = await db.query<Row>(
      'SELECT id, tenant_id, product, draft, business_profile_sid, trust_product_sid, end_user_sid FROM voice_trust_registrations WHERE id = $1',
      [registrationId],
    );
    if (!rows[0]) throw new RowMissing(`voice trust registration ${registrationId} is not recorded`);
    return rows[0];
  }

  async function timeline(registrationId: string, type: string, message: string, data: object = {}) {
    await recordRegistrationEvent(db, { product: 'voice_trust', registrationId, type, message, data });
  }

  /** The registration's numbers still to do for a column, each with its PN SID. */
  async function numbersWhere(registrationId: string, column: 'on_business_profile' | 'on_trust_product') {
    const { rows } = await db.query<{ phone_number: string; twilio_sid: string }>(
      `SELECT phone_number, twilio_sid FROM voice_trust_numbers WHERE registration_id = $1 AND NOT ${column} AND detached_at IS NULL ORDER BY phone_number`,
      [registrationId],
    );
    return rows;
  }

  /** Channel endpoint assignments, as the SDK has them for profiles and trust products alike. */
  interface Assignments {
    list(o: { channelEndpointSid: string; limit: number }): Promise<unknown[]>;
    create(o: { channelEndpointType: string; channelEndpointSid: string }): Promise<unknown>;
  }

  /** Puts the registration's numbers not yet there on a bundle, each only if Twilio doesn't show it there already. */
  async function assignNumbers(registrationId: string, column: 'on_business_profile' | 'on_trust_product', where: string, assignments: Assignments) {
    let assigned = 0;
    for (const n of await numbersWhere(registrationId, column)) {
      if ((await assignments.list({ channelEndpointSid: n.twilio_sid, limit: 1 })).length === 0) {
        await assignments.create({ channelEndpointType: 'phone-number', channelEndpointSid: n.twilio_sid }).catch(failOnDefinitive);
        assigned += 1;
      }
      await db.query(`UPDATE voice_trust_numbers SET ${column} = true WHERE registration_id = $1 AND phone_number = $2`, [registrationId, n.phone_number]);
    }
    if (assigned) await timeline(registrationId, 'step', `${assigned} number(s) put on ${where}`);
    return { assigned };
  }

  return {
    /** Step 1: each number on the business profile (Twilio's precondition for any voice trust product). */
    async voiceTrustAssignToProfile({ registrationId }: { registrationId: string }): Promise<{ assigned: number }> {
      const r = await row(registrationId);
      const profile = th.customerProfiles(r.business_profile_sid).customerProfilesChannelEndpointAssignment;
      return assignNumbers(registrationId, 'on_business_profile', `business profile ${r.business_profile_sid}`, profile);
    },

    /** Step 2: the trust product, its end user (CNAM, Voice Integrity) and the business profile assigned to it. */
    async voiceTrustCreateTrustProduct({ registrationId, statusCallback, nameScope }: { registrationId: string; statusCallback: string | null; nameScope?: string }): Promise<{ trustProductSid: string }> {
      const r = await row(registrationId);
      const name = nameOf(r, nameScope);
      let sid = r.trust_product_sid;
      if (!sid) {
        sid = await twilioObjects.reconcile({
          tenantId: r.tenant_id,
          kind: 'trust product',
          // Trust Hub filters trust products by name: always cheap to look first.
          mayExist: true,
          find: async () => (await th.trustProducts.list({ friendlyName: name, limit: 5 }))[0]?.sid,
          create: async () => (await th.trustProducts.create({ friendlyName: name, email: r.draft.email, policySid: policies[r.product], ...(statusCallback ? { statusCallback } : {}) }).catch(failOnDefinitive)).sid,
        });
        await db.query('UPDATE voice_trust_registrations SET trust_product_sid = $2, updated_at = now() WHERE id = $1', [registrationId, sid]);
        await timeline(registrationId, 'step', `trust product ${sid} created`, { sid });
      }
      const objects = [r.business_profile_sid];
      const wanted = endUserOf(r.draft);
      if (wanted) {
        const endUser = r.end_user_sid ?? (await twilioObjects.reconcile({
          tenantId: r.tenant_id,
          kind: 'end user',
          // Trust Hub can't filter end users by name: only a retry (an answer may have been lost) pages through them.
          mayExist: activityAttempt() > 1,
          find: () => sidByName(th.endUsers.list(), name),
          create: async () => (await th.endUsers.create({ friendlyName: name, type: wanted.type, attributes: wanted.attributes }).catch(failOnDefinitive)).sid,
        }));
        await db.query('UPDATE voice_trust_registrations SET end_user_sid = $2 WHERE id = $1', [registrationId, endUser]);
        objects.unshift(endUser);
      }
      const assignments = th.trustProducts(sid).trustProductsEntityAssignments;
      const have = new Set((await assignments.list()).map((a) => a.objectSid));
      for (const objectSid of objects) if (!have.has(objectSid)) await assignments.create({ objectSid }).catch(failOnDefinitive);
      return { trustProductSid: sid };
    },

    /** Step 3: the numbers on the trust product (each already on the business profile). */
    async voiceTrustAssignToTrustProduct({ registrationId }: { registrationId: string }): Promise<{ assigned: number }> {
      const r = await row(registrationId);
      const product = th.trustProducts(r.trust_product_sid!).trustProductsChannelEndpointAssignment;
      const assigned = await assignNumbers(registrationId, 'on_trust_product', `trust product ${r.trust_product_sid}`, product);
      await recordTrustProductMemberships(db, registrationId); // Twilio has confirmed each: release and rotation read these
      return assigned;
    },

    /** Evaluates the trust product and submits it; a noncompliant one comes back with its failed fields instead. */
    async voiceTrustSubmit({ registrationId }: { registrationId: string }): Promise<{ submitted: true } | { submitted: false; problems: VoiceTrustProblem[] }> {
      const r = await row(registrationId);
      const product = th.trustProducts(r.trust_product_sid!);
      const current = await product.fetch();
      if (['pending-review', 'in-review', 'twilio-approved'].includes(current.status)) return { submitted: true };
      const evaluation = await product.trustProductsEvaluations.create({ policySid: current.policySid }).catch(failOnDefinitive);
      if (evaluation.status !== 'compliant') {
        const results = evaluation.results as { requirement_friendly_name?: string; failure_reason?: string | null; error_code?: number | null; invalid?: { object_field: string; failure_reason: string }[] }[];
        const problems = results.filter((x) => x.failure_reason).flatMap((x): VoiceTrustProblem[] =>
          x.invalid?.length
            ? x.invalid.map((i) => ({ field: i.object_field, message: `${x.requirement_friendly_name}: ${i.failure_reason}`, code: x.error_code ?? null }))
            : [{ field: null, message: `${x.requirement_friendly_name}: ${x.failure_reason}`, code: x.error_code ?? null }],
        );
        await timeline(registrationId, 'evaluation', `Trust Hub evaluation is noncompliant: ${problems.map((p) => p.message).join('; ')}`, { problems });
        return { submitted: false, problems };
      }
      await product.update({ status: 'pending-review' }).catch(failOnDefinitive);
      await timeline(registrationId, 'step', `trust product ${r.trust_product_sid} submitted for review`);
      return { submitted: true };
    },

    /** The trust product's review as Twilio has it now; a change goes on the timeline. */
    async voiceTrustReviewStatus({ registrationId }: { registrationId: string }): Promise<VoiceTrustReview> {
      const r = await row(registrationId);
      const b = await th.trustProducts(r.trust_product_sid!).fetch();
      const problems = ((b.errors ?? []) as { code?: number; message?: string }[]).map((e) => ({ field: null, message: e.message ?? 'rejected', code: e.code ?? null }));
      // One transaction: a failure between the new status and its timeline entry leaves neither, so the retry,
      // seeing a change again, records both (else the retry would find nothing changed and the entry be lost).
      await inTransaction(db, async (tx) => {
        const { rows } = await tx.query<{ old: string | null }>(
          `WITH old AS (SELECT twilio_status FROM voice_trust_registrations WHERE id = $1)
           UPDATE voice_trust_registrations SET twilio_status = $2, updated_at = now() WHERE id = $1 RETURNING (SELECT twilio_status FROM old) AS old`,
          [registrationId, b.status],
        );
        if (rows[0]?.old !== b.status) {
          const why = problems.length ? `: ${problems.map((p) => p.message).join('; ')}` : '';
          const message = `trust product ${b.sid} ${rows[0]?.old ?? 'new'} → ${b.status}${why}`;
          await recordRegistrationEvent(tx, { product: 'voice_trust', registrationId, type: 'twilio_status', message, data: { status: b.status, problems } });
        }
      });
      return { outcome: b.status === 'twilio-approved' ? 'approved' : b.status === 'twilio-rejected' ? 'rejected' : 'pending', twilioStatus: b.status, problems };
    },

    /** Corrections: the draft changes, and so does what Twilio holds (the end user's attributes, the e-mail). */
    async voiceTrustApplyCorrections({ registrationId, corrections }: { registrationId: string; corrections: VoiceTrustCorrections }): Promise<void> {
      const r = await row(registrationId);
      const draft = { ...r.draft, ...corrections } as VoiceTrustDraft;
      const wanted = endUserOf(draft);
      if (wanted && r.end_user_sid) await th.endUsers(r.end_user_sid).update({ attributes: wanted.attributes }).catch(failOnDefinitive);
      if (corrections.email && r.trust_product_sid) await th.trustProducts(r.trust_product_sid).update({ email: corrections.email }).catch(failOnDefinitive);
      await db.query(`UPDATE voice_trust_registrations SET draft = $2, problems = '[]', updated_at = now() WHERE id = $1`, [registrationId, JSON.stringify(draft)]);
      await timeline(registrationId, 'corrections', `corrections applied: ${Object.keys(corrections).join(', ') || 'none (resubmitted as is)'}`, { fields: Object.keys(corrections) });
    },

    /**
     * A cancelled registration leaves nothing at Twilio: its numbers off the trust product, the product and end user
     * deleted. So does one abandoned in action_required or ended by a refused step (`reason` says which, for the timeline).
     */
    async voiceTrustCleanUp({ registrationId, reason = 'cancelled' }: { registrationId: string; reason?: 'cancelled' | 'abandoned' | 'failed' }): Promise<void> {
      const r = await row(registrationId);
      if (r.trust_product_sid) {
        await removeFromTrustProduct(twilio, r.trust_product_sid);
        await th.trustProducts(r.trust_product_sid).remove().catch(goneIsDone);
        await forgetContainer(db, 'trust_product', r.trust_product_sid);
      }
      if (r.end_user_sid) await th.endUsers(r.end_user_sid).remove().catch(goneIsDone);
      await db.query('UPDATE voice_trust_numbers SET detached_at = COALESCE(detached_at, now()) WHERE registration_id = $1', [registrationId]);
      await timeline(registrationId, reason, `${reason}: numbers taken off the trust product, trust product and end user deleted (the numbers stay on the business profile)`);
    },

    /** The projection the API reads: status, step, problems; a finished registration gets its end time. */
    async voiceTrustRecord({ registrationId, status, step, problems, message }: { registrationId: string; status: VoiceTrustStatus; step: string; problems?: VoiceTrustProblem[]; message?: string }): Promise<void> {
      const finished = ['completed', 'cancelled', 'failed'].includes(status);
      // One statement: a reader never sees the new status without the timeline entry that explains it.
      await db.query(
        `WITH updated AS (
           UPDATE voice_trust_registrations SET status = $2, step = $3, problems = COALESCE($4, problems), updated_at = now(),
                  finished_at = CASE WHEN $5 THEN COALESCE(finished_at, now()) ELSE finished_at END WHERE id = $1
           RETURNING tenant_id, id)
         ${insertRegistrationEvents('voice_trust', `SELECT tenant_id, id, 'status', $6::text, '{}' FROM updated WHERE $6::text IS NOT NULL`)}`,
        [registrationId, status, step, problems ? JSON.stringify(problems) : null, finished, message ?? null],
      );
    },
  };
}
