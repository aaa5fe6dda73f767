import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ReviewClock } from '../review-clock';
import type { SandboxState } from '../state';
import type { TrustHubStore } from '../trusthub-store';
import { formBool, formString, iso, newSid, originOf, pageV1, TwilioError } from '../wire';

type Form = Record<string, unknown>;
type Query = Record<string, string | undefined>;
const DAY = 86_400_000;
/** Twilio's edit window after a rejection: seven days, then 30824 and a new verification. */
export const EDIT_WINDOW_MS = 7 * DAY;

export type TollfreeStatus = 'PENDING_REVIEW' | 'IN_REVIEW' | 'TWILIO_APPROVED' | 'TWILIO_REJECTED';

export interface TollfreeVerification {
  sid: string;
  accountSid: string;
  numberSid: string;
  phoneNumber: string;
  fields: Record<string, unknown>;
  status: TollfreeStatus;
  rejectionReasons: { code: number; reason: string }[];
  editExpiration: Date | null;
  dateCreated: Date;
  dateUpdated: Date;
}

/** Form field → resource field, for everything a create or an edit may carry. */
const FIELDS: Record<string, string> = {
  BusinessName: 'business_name', BusinessWebsite: 'business_website', NotificationEmail: 'notification_email', UseCaseSummary: 'use_case_summary',
  ProductionMessageSample: 'production_message_sample', OptInType: 'opt_in_type', MessageVolume: 'message_volume', CustomerProfileSid: 'customer_profile_sid',
  BusinessStreetAddress: 'business_street_address', BusinessStreetAddress2: 'business_street_address2', BusinessCity: 'business_city',
  BusinessStateProvinceRegion: 'business_state_province_region', BusinessPostalCode: 'business_postal_code', BusinessCountry: 'business_country',
  AdditionalInformation: 'additional_information', BusinessContactFirstName: 'business_contact_first_name', BusinessContactLastName: 'business_contact_last_name',
  BusinessContactEmail: 'business_contact_email', BusinessContactPhone: 'business_contact_phone', ExternalReferenceId: 'external_reference_id',
  BusinessRegistrationNumber: 'business_registration_number', BusinessRegistrationAuthority: 'business_registration_authority',
  BusinessRegistrationCountry: 'business_registration_country', BusinessType: 'business_type', BusinessRegistrationPhoneNumber: 'business_registration_phone_number',
  DoingBusinessAs: 'doing_business_as', OptInConfirmationMessage: 'opt_in_confirmation_message', HelpMessageSample: 'help_message_sample',
  PrivacyPolicyUrl: 'privacy_policy_url', TermsAndConditionsUrl: 'terms_and_conditions_url', VettingProvider: 'vetting_provider', VettingId: 'vetting_id',
};
const LIST_FIELDS: Record<string, string> = { UseCaseCategories: 'use_case_categories', OptInImageUrls: 'opt_in_image_urls', OptInKeywords: 'opt_in_keywords' };
const REQUIRED = ['BusinessName', 'BusinessWebsite', 'NotificationEmail', 'UseCaseCategories', 'UseCaseSummary', 'ProductionMessageSample', 'OptInImageUrls', 'OptInType', 'MessageVolume', 'TollfreePhoneNumberSid'];
const TOLL_FREE = /^\+18(00|33|44|55|66|77|88)\d{7}$/;

/**
 * The review's documented rules (Twilio's real rejection codes): forbidden content in the summary or sample
 * (30464 cryptocurrency, 30466 debt reduction, 30460 third-party debt collection), a political use case without
 * a Campaign Verify token (30501), verbal opt-in without the script in AdditionalInformation (30511).
 */
function reviewFindings(f: Record<string, unknown>): { code: number; reason: string }[] {
  const text = `${f.use_case_summary ?? ''} ${f.production_message_sample ?? ''}`;
  const found: { code: number; reason: string }[] = [];
  if (/crypto|bitcoin/i.test(text)) found.push({ code: 30464, reason: 'Disallowed: Cryptocurrency' });
  if (/debt (relief|reduction|consolidation|settlement)|consolidate (your )?debts?|credit repair/i.test(text)) found.push({ code: 30466, reason: 'Disallowed: Debt Reduction' });
  if (/debt collection/i.test(text)) found.push({ code: 30460, reason: 'Disallowed: Third Party Debt Collection' });
  if ((f.use_case_categories as string[] | undefined)?.includes('POLITICAL_ELECTION_CAMPAIGNS') && !f.vetting_id) found.push({ code: 30501, reason: 'Political campaigns require a Campaign Verify token' });
  if (f.opt_in_type === 'VERBAL' && !f.additional_information) found.push({ code: 30511, reason: 'Verbal consent script must be provided' });
  return found;
}

/**
 * Messaging v1 Tollfree/Verifications: created PENDING_REVIEW, IN_REVIEW a tenth of the review later, then
 * TWILIO_APPROVED or TWILIO_REJECTED (the rules above, or a forced outcome through `POST /__sandbox/outcomes`)
 * on the virtual clock. A rejected one may be edited (202) while `edit_allowed`, for seven days; after that
 * an edit is refused with 30824. A verification is kept per request: two creates make two.
 */
export const tollfreeProduct: FastifyPluginAsync<{ state: SandboxState; trustHub: TrustHubStore; clock: ReviewClock }> = async (app, { state, trustHub, clock }) => {
  const verifications = new Map<string, TollfreeVerification>();
  state.onReset(() => verifications.clear());
  const path = '/v1/Tollfree/Verifications';

  /** Enum fields the spec does not let be null: left out when not given. */
  const ENUMS = ['vetting_provider', 'business_registration_authority', 'business_type'];
  const json = (v: TollfreeVerification, origin: string) => {
    const body = resource(v, origin);
    for (const k of ENUMS) if (body[k as keyof typeof body] === null) delete body[k as keyof typeof body];
    return body;
  };
  const resource = (v: TollfreeVerification, origin: string) => {
    const editAllowed = v.status === 'TWILIO_REJECTED' && v.editExpiration !== null && clock.now() < v.editExpiration;
    const url = `${origin}${path}/${v.sid}`;
    return {
      sid: v.sid, account_sid: v.accountSid, customer_profile_sid: null, trust_product_sid: null, regulated_item_sid: null,
      ...Object.fromEntries(Object.values(FIELDS).map((k) => [k, v.fields[k] ?? null])),
      ...Object.fromEntries(Object.values(LIST_FIELDS).map((k) => [k, v.fields[k] ?? null])),
      age_gated_content: v.fields.age_gated_content ?? false,
      tollfree_phone_number_sid: v.numberSid, tollfree_phone_number: v.phoneNumber, status: v.status, url,
      rejection_reason: v.rejectionReasons[0]?.reason ?? null, error_code: v.rejectionReasons[0]?.code ?? null,
      rejection_reasons: v.rejectionReasons.length ? v.rejectionReasons.map((r) => ({ code: r.code, reason: r.reason })) : null,
      edit_expiration: v.editExpiration ? iso(v.editExpiration) : null, edit_allowed: editAllowed,
      business_registration_country: v.fields.business_registration_country ?? null, vetting_id_expiration: null,
      resource_links: { customer_profile: null, trust_product: null, campaign: null },
      date_created: iso(v.dateCreated), date_updated: iso(v.dateUpdated),
    };
  };

  /** Applies a create's or an edit's fields; lists arrive as repeated form keys. */
  function apply(v: Pick<TollfreeVerification, 'fields'>, form: Form) {
    for (const [param, field] of Object.entries(FIELDS)) {
      const value = formString(form[param]);
      if (value !== undefined) v.fields[field] = value;
    }
    for (const [param, field] of Object.entries(LIST_FIELDS)) {
      if (form[param] !== undefined) v.fields[field] = [form[param]].flat().map(String);
    }
    const gated = formBool(form.AgeGatedContent);
    if (gated !== undefined) v.fields.age_gated_content = gated;
  }

  function review(v: TollfreeVerification) {
    const duration = clock.durations.tollfreeVerification;
    const submittedAt = v.dateUpdated.getTime();
    clock.schedule(duration * 0.1, () => {
      if (v.status === 'PENDING_REVIEW' && v.dateUpdated.getTime() === submittedAt) set(v, 'IN_REVIEW');
    });
    clock.schedule(duration, () => {
      if ((v.status !== 'PENDING_REVIEW' && v.status !== 'IN_REVIEW') || !verifications.has(v.sid)) return;
      const forced = trustHub.forcedOutcomes.get(v.sid);
      if (forced) trustHub.forcedOutcomes.delete(v.sid);
      const findings = forced ? (forced.outcome === 'reject' ? [{ code: 30466, reason: forced.reason ?? 'Rejected' }] : []) : reviewFindings(v.fields);
      if (findings.length === 0) return set(v, 'TWILIO_APPROVED');
      v.rejectionReasons = findings;
      v.editExpiration = new Date(clock.now().getTime() + EDIT_WINDOW_MS);
      set(v, 'TWILIO_REJECTED');
    });
  }
  const set = (v: TollfreeVerification, status: TollfreeStatus) => {
    v.status = status;
    v.dateUpdated = clock.now();
  };
  const owned = (req: FastifyRequest) => {
    const sid = (req.params as { Sid: string }).Sid;
    const v = verifications.get(sid);
    if (!v || v.accountSid !== req.accountSid) throw new TwilioError(404, 20404, `The requested resource ${path}/${sid} was not found`);
    return v;
  };

  app.post(path, async (req, reply) => {
    const form = (req.body ?? {}) as Form;
    const missing = REQUIRED.filter((k) => form[k] === undefined || form[k] === '');
    if (missing.length) throw new TwilioError(400, 20001, `Missing required parameter ${missing[0]} in the post body`);
    const numberSid = formString(form.TollfreePhoneNumberSid)!;
    const number = state.numbers.get(numberSid);
    if (!number || number.accountSid !== req.accountSid) throw new TwilioError(400, 20001, `TollfreePhoneNumberSid ${numberSid} is not a phone number of this account`);
    if (!TOLL_FREE.test(number.inventory.phoneNumber)) throw new TwilioError(400, 20001, `${number.inventory.phoneNumber} is not a toll-free number`);
    const now = clock.now();
    const v: TollfreeVerification = {
      sid: newSid('HH'), accountSid: req.accountSid, numberSid, phoneNumber: number.inventory.phoneNumber, fields: {},
      status: 'PENDING_REVIEW', rejectionReasons: [], editExpiration: null, dateCreated: now, dateUpdated: now,
    };
    apply(v, form);
    verifications.set(v.sid, v);
    review(v);
    return reply.code(201).send(json(v, originOf(req)));
  });

  app.get(path, async (req) => {
    const q = req.query as Query;
    const list = [...verifications.values()]
      .filter((v) => v.accountSid === req.accountSid)
      .filter((v) => !q.TollfreePhoneNumberSid || v.numberSid === q.TollfreePhoneNumberSid)
      .filter((v) => !q.Status || v.status === q.Status)
      .filter((v) => !q.ExternalReferenceId || v.fields.external_reference_id === q.ExternalReferenceId)
      .map((v) => json(v, originOf(req)));
    return pageV1('verifications', list, originOf(req), path, q);
  });

  app.get(`${path}/:Sid`, async (req) => json(owned(req), originOf(req)));

  /** An edit of a rejected verification, within its window: the fields change and the review starts again. */
  app.post(`${path}/:Sid`, async (req, reply) => {
    const v = owned(req);
    if (v.status !== 'TWILIO_REJECTED') throw new TwilioError(400, 20001, `Verification ${v.sid} is ${v.status}: only a rejected verification can be edited`);
    if (!v.editExpiration || clock.now() >= v.editExpiration) throw new TwilioError(400, 30824, 'Verification rejection - Edit time expired: submit a new verification');
    apply(v, (req.body ?? {}) as Form);
    v.rejectionReasons = [];
    v.editExpiration = null;
    set(v, 'PENDING_REVIEW');
    review(v);
    return reply.code(202).send(json(v, originOf(req)));
  });

  app.delete(`${path}/:Sid`, async (req, reply) => {
    verifications.delete(owned(req).sid);
    return reply.code(204).send();
  });
};
