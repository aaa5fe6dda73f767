import { inTransaction, type Db } from '../../db/kit/pool';
import { insertRegistrationEvents, recordRegistrationEvent } from '../../db/kit/registration-events';
import type { TollfreeDraft, TollfreeEdit, TollfreeProblem, TollfreeReview, TollfreeStatus } from '../../schemas/tollfree/verification';
import type { TwilioClient } from '../kit/twilio-client';
import { failOnDefinitive, goneIsDone } from '../kit/twilio-errors';
import { RowMissing } from '../kit/row-missing';

type Fields = Partial<Omit<TollfreeDraft, 'tollfreePhoneNumber' | 'business'>> & { business?: Partial<TollfreeDraft['business']> };

/** Our draft (or an edit's part of it) as the SDK's parameters; what is not given is left out. */
function toTwilio(d: Fields) {
  const b = d.business ?? {};
  const params = {
    businessName: b.name, businessWebsite: b.website, businessType: b.type, businessRegistrationNumber: b.registrationNumber,
    businessRegistrationAuthority: b.registrationAuthority, businessRegistrationCountry: b.registrationCountry, doingBusinessAs: b.doingBusinessAs,
    businessStreetAddress: b.address?.street, businessStreetAddress2: b.address?.street2, businessCity: b.address?.city,
    businessStateProvinceRegion: b.address?.region, businessPostalCode: b.address?.postalCode, businessCountry: b.address?.country,
    businessContactFirstName: b.contact?.firstName, businessContactLastName: b.contact?.lastName, businessContactEmail: b.contact?.email, businessContactPhone: b.contact?.phone,
    notificationEmail: d.notificationEmail, useCaseCategories: d.useCaseCategories, useCaseSummary: d.useCaseSummary, productionMessageSample: d.productionMessageSample,
    optInType: d.optIn?.type, optInImageUrls: d.optIn?.imageUrls, optInConfirmationMessage: d.optIn?.confirmationMessage, optInKeywords: d.optIn?.keywords,
    messageVolume: d.messageVolume, helpMessageSample: d.helpMessageSample, privacyPolicyUrl: d.privacyPolicyUrl, termsAndConditionsUrl: d.termsAndConditionsUrl,
    ageGatedContent: d.ageGatedContent, additionalInformation: d.additionalInformation,
    ...(d.campaignVerifyToken ? { vettingProvider: 'CAMPAIGN_VERIFY' as const, vettingId: d.campaignVerifyToken } : {}),
  };
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
}

/** Twilio's rejection reasons as problems: each with its code (30464, 30511, …). */
function problemsOf(reasons: unknown, code: number | null, reason: string | null): TollfreeProblem[] {
  const list = Array.isArray(reasons) ? (reasons as { code?: number; reason?: string; error_code?: number; description?: string }[]) : [];
  const mapped = list.map((r) => ({ field: null, code: 'twilio_rejection', message: r.reason ?? r.description ?? 'rejected', twilioCode: r.code ?? r.error_code ?? null }));
  return mapped.length ? mapped : reason ? [{ field: null, code: 'twilio_rejection', message: reason, twilioCode: code }] : [];
}

/**
 * Toll-free verifications over the official SDK. The verification carries our id as its ExternalReferenceId,
 * so a create whose answer was lost is found by it before any second create.
 */
export function createTollfreeActivities({ db, twilio }: { db: Db; twilio: TwilioClient }) {
  const tf = twilio.messaging.v1.tollfreeVerifications;

  async function row(id: string) {
    const { rows } = await db.query<{ draft: TollfreeDraft; number_sid: string; verification_sid: string | null }>(
      'SELECT draft, number_sid, verification_sid FROM tollfree_verifications WHERE id = $1',
      [id],
    );
    if (!rows[0]) throw new RowMissing(`toll-free verification ${id} is not recorded`);
    return rows[0];
  }
  async function timeline(id: string, type: string, message: string) {
    await recordRegistrationEvent(db, { product: 'tollfree', registrationId: id, type, message });
  }

  return {
    async tollfreeSubmit({ verificationId }: { verificationId: string }): Promise<{ verificationSid: string }> {
      const r = await row(verificationId);
      if (r.verification_sid) return { verificationSid: r.verification_sid };
      const existing = (await tf.list({ externalReferenceId: verificationId, limit: 5 }))[0];
      const v = existing ?? (await tf.create({ ...toTwilio(r.draft), tollfreePhoneNumberSid: r.number_sid, externalReferenceId: verificationId } as Parameters<typeof tf.create>[0]).catch(failOnDefinitive));
      await db.query('UPDATE tollfree_verifications SET verification_sid = $2, twilio_status = $3, updated_at = now() WHERE id = $1', [verificationId, v.sid, v.status]);
      await timeline(verificationId, 'submitted', `verification ${v.sid} submitted for ${r.draft.tollfreePhoneNumber}`);
      return { verificationSid: v.sid };
    },

    async tollfreeReviewStatus({ verificationId }: { verificationId: string }): Promise<TollfreeReview> {
      const r = await row(verificationId);
      const v = await tf(r.verification_sid!).fetch();
      const problems = v.status === 'TWILIO_REJECTED' ? problemsOf(v.rejectionReasons, v.errorCode ?? null, v.rejectionReason ?? null) : [];
      const editExpiration = v.editExpiration ? Date.parse(v.editExpiration as unknown as string) : null;
      // One transaction, as voice trust's: the retry after a failure between the two records both.
      await inTransaction(db, async (tx) => {
        const { rows } = await tx.query<{ old: string | null }>(
          `WITH old AS (SELECT twilio_status FROM tollfree_verifications WHERE id = $1)
           UPDATE tollfree_verifications SET twilio_status = $2, edit_expiration = $3, updated_at = now() WHERE id = $1 RETURNING (SELECT twilio_status FROM old) AS old`,
          [verificationId, v.status, editExpiration ? new Date(editExpiration) : null],
        );
        if (rows[0]?.old !== v.status) {
          const why = problems.length ? `: ${problems.map((p) => `${p.twilioCode ?? ''} ${p.message}`.trim()).join('; ')}` : '';
          const message = `verification ${v.sid} ${rows[0]?.old ?? 'new'} → ${v.status}${why}`;
          await recordRegistrationEvent(tx, { product: 'tollfree', registrationId: verificationId, type: 'twilio_status', message });
        }
      });
      return {
        outcome: v.status === 'TWILIO_APPROVED' ? 'approved' : v.status === 'TWILIO_REJECTED' ? 'rejected' : 'pending',
        twilioStatus: v.status, problems, editAllowed: Boolean(v.editAllowed), editExpiration,
      };
    },

    /** An edit of a rejected verification: the changed fields and the reason go to Twilio (202), the draft changes with them. */
    async tollfreeEdit({ verificationId, edit }: { verificationId: string; edit: TollfreeEdit }): Promise<void> {
      const r = await row(verificationId);
      const { editReason, business, ...rest } = edit;
      const draft = { ...r.draft, ...rest, business: { ...r.draft.business, ...business } } as TollfreeDraft;
      const current = await tf(r.verification_sid!).fetch();
      // A retried edit whose first attempt Twilio took finds the verification back in review: nothing to send again.
      if (current.status === 'TWILIO_REJECTED') {
        await tf(r.verification_sid!).update({ ...toTwilio({ ...rest, business }), editReason } as Parameters<ReturnType<typeof tf>['update']>[0]).catch(failOnDefinitive);
      }
      await db.query(`UPDATE tollfree_verifications SET draft = $2, problems = '[]', updated_at = now() WHERE id = $1`, [verificationId, JSON.stringify(draft)]);
      await timeline(verificationId, 'edited', `edited and resubmitted: ${editReason}`);
    },

    /** A cancelled verification is withdrawn at Twilio (deleted); so is one that failed on a step Twilio refused (`reason`). */
    async tollfreeWithdraw({ verificationId, reason = 'cancelled' }: { verificationId: string; reason?: 'cancelled' | 'failed' }): Promise<void> {
      const r = await row(verificationId);
      const sid = r.verification_sid ?? (await tf.list({ externalReferenceId: verificationId, limit: 5 }))[0]?.sid;
      if (sid) await tf(sid).remove().catch(goneIsDone);
      await timeline(verificationId, reason, sid ? `verification ${sid} withdrawn at Twilio` : `${reason} before it reached Twilio`);
    },

    async tollfreeRecord({ verificationId, status, problems, message }: { verificationId: string; status: TollfreeStatus; problems?: TollfreeProblem[]; message?: string }): Promise<void> {
      const finished = ['completed', 'cancelled', 'failed'].includes(status);
      // One statement: a reader never sees the new status without the timeline entry that explains it.
      await db.query(
        `WITH updated AS (
           UPDATE tollfree_verifications SET status = $2, problems = COALESCE($3, problems), updated_at = now(),
                  finished_at = CASE WHEN $4 THEN COALESCE(finished_at, now()) ELSE finished_at END WHERE id = $1
           RETURNING tenant_id, id)
         ${insertRegistrationEvents('tollfree', `SELECT tenant_id, id, 'status', $5::text, '{}' FROM updated WHERE $5::text IS NOT NULL`)}`,
        [verificationId, status, problems ? JSON.stringify(problems) : null, finished, message ?? null],
      );
    },
  };
}
