import { ApplicationFailure } from '@temporalio/common';
import { inTransaction, type Db } from '../../db/kit/pool';
import { forgetContainer, recordMembership } from '../../db/kit/memberships';
import { recordRegistrationEvent } from '../../db/kit/registration-events';
import type { A2pActivities, A2pOwner, BrandIdentity, BusinessProfileInput, CleanupAction, NumbersOutcome, ReviewStatus } from '../../schemas/a2p/workflow';
import type { TwilioClient } from '../kit/twilio-client';
import { PRIMARY_PROFILE_POLICY_SID } from './policies';
import { failOnDefinitive, isAccountPaused, isDefinitiveTwilioError, twilioErrorOf } from '../kit/twilio-errors';
import { RowMissing } from '../kit/row-missing';
import { assertTenant, scopedNameOr, sidByName, tenantMismatch, type SidSource, type TwilioObjectRegistry } from '../kit/twilio-objects';
import { asDeployment } from '../kit/audit';
import { ownPrimaryProfileOf } from '../../db/platform/twilio-bindings';

export interface A2pPolicies {
  secondaryProfile: string;
  trustProduct: string;
  /** Sole Proprietors: the starter customer profile and the Sole Proprietor trust product. */
  starterProfile: string;
  soleProprietorTrustProduct: string;
  /** The ISV's approved primary profile; discovered from Trust Hub when not configured. */
  primaryProfileSid?: string;
}

export const defaultPolicies: A2pPolicies = {
  secondaryProfile: 'RNdfbf3fae0e1107f8aded0e7cead80bf5',
  trustProduct: 'RNb0d4771c2c98518d916a3d4cd70a8f8b',
  starterProfile: 'RN806dd6cd175f314e1f96a9727ee271f4',
  soleProprietorTrustProduct: 'RN670d5d2e282a6130ae063b234b6019c8',
};

/** Where A2P keeps the SIDs of what it made for a tenant (besides twilio_objects): no other tenant may adopt them. */
export const a2pSidSources: SidSource[] = [
  { table: 'a2p_profiles', sidColumns: ['profile_sid'] },
  { table: 'a2p_brands', sidColumns: ['brand_sid'] },
];

/** Twilio's codes for a customer verification that lapsed (a resend starts it again) or failed outright. */
const expiredVerificationCodes = new Set([30752, 21737, 21739, 21741]);
const failedVerificationCodes = new Set([21736, 21738, 21740]);

/** Twilio's field names in brand errors, mapped to the draft's. */
const fieldMap: Record<string, string> = {
  business_name: 'business.name', business_registration_number: 'business.registrationNumber', business_type: 'business.type',
  website_url: 'business.websiteUrl', brand_contact_email: 'company.brandContactEmail', stock_ticker: 'company.stockTicker',
};
/** Campaign errors that mean "don't resubmit": ineligible, or a carrier rejection for support to handle. */
const terminalCampaignCodes = new Set([30885, 30899, 30902]);

/** The Event Streams types that carry brand, campaign and number-registration status. */
const E = 'com.twilio.messaging.compliance';
export const a2pEventTypes = [
  `${E}.brand-registration.brand-registered`, `${E}.brand-registration.brand-failure`, `${E}.brand-registration.brand-unverified`,
  `${E}.brand-registration.brand-verified`, `${E}.brand-registration.brand-vetted-verified`,
  `${E}.brand-registration.email-2fa-completed`, `${E}.brand-registration.email-2fa-timeout`,
  `${E}.campaign-registration.campaign-submitted`, `${E}.campaign-registration.campaign-approved`, `${E}.campaign-registration.campaign-failure`,
  `${E}.number-registration.pending`, `${E}.number-registration.successful`, `${E}.number-registration.failed`,
];

/**
 * Everything this service creates is named after its tenant and workflow, so a retry finds it and no other
 * tenant or request can. Workflows started before tenant-scoped names keep their old `tp:<key>` names.
 */
const tagOf = (o: A2pOwner) => scopedNameOr(o.tenantId, o.nameScope, () => `tp:${o.key ?? o.registrationId ?? ''}`);

/**
 * A2P activities over the official SDK: each create first looks for what an earlier attempt made, through
 * the Twilio object registry (activities/kit/twilio-objects.ts), named per tenant.
 */
export function createA2pActivities({
  db,
  twilio,
  twilioObjects,
  policies = defaultPolicies,
}: {
  db: Db;
  twilio: TwilioClient;
  twilioObjects: TwilioObjectRegistry;
  policies?: A2pPolicies;
}): A2pActivities {
  const th = twilio.trusthub.v1;
  const msg = twilio.messaging.v1;
  const account = () => twilio.api.v2010.accounts(twilio.accountSid);

  /**
   * The primary (ISV) profile the tenant's secondary profile connects to: a `byo` account's own (given with its
   * credentials, or found in it); for the others the deployment's, read from the deployment's account even
   * for a tenant working in a subaccount (Twilio's ISV model keeps the primary profile in the parent).
   */
  async function primaryProfile(tenantId: string): Promise<string> {
    const own = await ownPrimaryProfileOf(db, tenantId);
    if (own.kind === 'byo') return own.primaryProfileSid ?? approvedPrimaryProfile('the tenant’s own Twilio account');
    if (policies.primaryProfileSid) return policies.primaryProfileSid;
    return asDeployment(() => approvedPrimaryProfile('this Twilio account'));
  }

  /** Approved after the worker started (or given no SID): looked for in the account the call goes to. */
  async function approvedPrimaryProfile(where: string): Promise<string> {
    const found = (await th.customerProfiles.list({ policySid: PRIMARY_PROFILE_POLICY_SID, limit: 20 })).find((p) => p.status === 'twilio-approved');
    if (!found) throw ApplicationFailure.nonRetryable(`no approved primary (ISV) customer profile in ${where}`, 'ConfigurationError');
    return found.sid;
  }

  /** Workflows started before owners carried a tenant id still find it through their registration. */
  async function tenantOf(o: A2pOwner): Promise<string> {
    if (!o.registrationId) {
      if (!o.tenantId) throw tenantMismatch('an A2P action without a tenant');
      return o.tenantId;
    }
    // Re-derived from the registration's row: an input naming another tenant is refused.
    const { rows } = await db.query('SELECT tenant_id FROM a2p_registrations WHERE id = $1', [o.registrationId]);
    if (!rows[0]) throw new RowMissing(`registration ${o.registrationId} is not recorded`);
    assertTenant(rows[0].tenant_id, o.tenantId || undefined, `registration ${o.registrationId}`);
    return rows[0].tenant_id as string;
  }

  /** Assigns objects not yet assigned (a retry sees the earlier assignments). */
  async function assignAll(bundle: { entityAssignments: (o: { objectSid: string }) => Promise<unknown>; assigned: () => Promise<string[]> }, sids: string[]) {
    const have = new Set(await bundle.assigned());
    for (const sid of sids) if (!have.has(sid)) await bundle.entityAssignments({ objectSid: sid }).catch(failOnDefinitive);
  }

  async function endUser(owner: A2pOwner, type: string, attributes: Record<string, unknown>) {
    const name = `${tagOf(owner)}:${type}`;
    return twilioObjects.createOnce({
      tenantId: await tenantOf(owner),
      kind: 'end_user',
      name,
      // Trust Hub can't filter end users by name: this pages through all of them.
      find: () => sidByName(th.endUsers.list(), name),
      create: async () => (await th.endUsers.create({ friendlyName: name, type, attributes }).catch(failOnDefinitive)).sid,
    });
  }

  const businessAttributes = (d: Extract<BusinessProfileInput, { authorizedRepresentatives: unknown }>) => ({
    business_name: d.business.name, business_type: d.business.type, business_industry: d.business.industry,
    business_registration_identifier: d.business.registrationIdentifier, business_registration_number: d.business.registrationNumber,
    business_identity: 'direct_customer', business_regions_of_operation: d.business.regionsOfOperation.join(','),
    website_url: d.business.websiteUrl, social_media_profile_urls: (d.business.socialMediaProfileUrls ?? []).join(','),
  });

  async function recordProfile(owner: A2pOwner, kind: 'customer_profile' | 'trust_product', sid: string, d: { profile: BusinessProfileInput['profile']; business?: { name: string } }) {
    await db.query(
      `INSERT INTO a2p_profiles (tenant_id, registration_id, profile_sid, kind, friendly_name, email, status, business_name)
       VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7) ON CONFLICT (profile_sid) DO NOTHING`,
      [await tenantOf(owner), owner.registrationId, sid, kind, d.profile.friendlyName, d.profile.email, d.business?.name ?? null],
    );
  }

  /** Appends to the registration's timeline (registrations only; single actions have none). */
  async function timeline(registrationId: string | null, type: string, message: string, data: object = {}) {
    if (!registrationId) return;
    await recordRegistrationEvent(db, { product: 'a2p', registrationId, type, message, data });
  }

  /** Stores a resource's status; when it changed, the change goes on its registration's timeline. */
  async function recordStatus(table: 'a2p_profiles' | 'a2p_brands' | 'a2p_campaigns', column: string, label: string, sid: string, status: string, reasons: ReviewStatus['reasons']) {
    const { rows } = await db.query(
      `WITH old AS (SELECT registration_id, status FROM ${table} WHERE ${column} = $1)
       UPDATE ${table} t SET status = $2, failure_reasons = $3, updated_at = now() FROM old
        WHERE t.${column} = $1 RETURNING old.registration_id, old.status AS old_status`,
      [sid, status, JSON.stringify(reasons)],
    );
    const row = rows[0];
    if (row && row.old_status !== status) {
      const why = reasons.length ? `: ${reasons.map((r) => r.message).join('; ')}` : '';
      await timeline(row.registration_id, 'twilio_status', `${label} ${sid} ${row.old_status ?? 'new'} → ${status}${why}`, { sid, status, reasons });
    }
  }

  return {
    async a2pEnsureEventStreams({ destination }) {
      const sinks = await twilio.events.v1.sinks.list({ limit: 1000 });
      const existing = sinks.find((s) => (s.sinkConfiguration as { destination?: string } | null)?.destination === destination);
      const sink = existing ?? (await twilio.events.v1.sinks.create({
        description: 'twilio-pro A2P status events', sinkType: 'webhook', sinkConfiguration: { destination, method: 'POST', batch_events: false },
      }).catch(failOnDefinitive));
      const subscribed = (await twilio.events.v1.subscriptions.list({ sinkSid: sink.sid, limit: 20 })).length > 0;
      if (!subscribed) {
        await twilio.events.v1.subscriptions.create({
          description: 'twilio-pro A2P status events', sinkSid: sink.sid,
          types: a2pEventTypes.map((type) => ({ type, schema_version: 1 })),
        }).catch(failOnDefinitive);
      }
      return { sinkSid: sink.sid };
    },

    async a2pCreateCustomerProfile({ draft, statusCallback, ...owner }) {
      const name = tagOf(owner);
      const soleProprietor = draft.brandType === 'sole_proprietor';
      const profile = {
        sid: await twilioObjects.findOrCreate({
          tenantId: await tenantOf(owner),
          kind: 'customer_profile',
          name,
          find: async () => (await th.customerProfiles.list({ friendlyName: name, limit: 5 }))[0]?.sid,
          create: async () => (await th.customerProfiles
            .create({ friendlyName: name, email: draft.profile.email, policySid: soleProprietor ? policies.starterProfile : policies.secondaryProfile, statusCallback })
            .catch(failOnDefinitive)).sid,
        }),
      };
      const people: string[] = [];
      if (draft.brandType === 'sole_proprietor') {
        // A starter profile describes the person: name, e-mail and phone (the mobile the OTP goes to).
        const p = draft.soleProprietor;
        people.push(await endUser(owner, 'starter_customer_profile_information', { first_name: p.firstName, last_name: p.lastName, email: draft.profile.email, phone_number: p.mobilePhoneNumber }));
      } else {
        people.push(await endUser(owner, 'customer_profile_business_information', businessAttributes(draft)));
        for (const [i, r] of draft.authorizedRepresentatives.entries()) {
          people.push(await endUser(owner, `authorized_representative_${i + 1}`, {
            first_name: r.firstName, last_name: r.lastName, email: r.email, phone_number: r.phoneNumber, business_title: r.businessTitle, job_position: r.jobPosition,
          }));
        }
      }
      const address = {
        sid: await twilioObjects.findOrCreate({
          tenantId: await tenantOf(owner),
          kind: 'address',
          name,
          find: async () => (await account().addresses.list({ friendlyName: name, limit: 1 }))[0]?.sid,
          create: async () => (await account().addresses.create({
            friendlyName: name, customerName: draft.address.customerName ?? (draft.brandType === 'sole_proprietor' ? `${draft.soleProprietor.firstName} ${draft.soleProprietor.lastName}` : draft.business.name), street: draft.address.street, streetSecondary: draft.address.streetSecondary,
            city: draft.address.city, region: draft.address.region, postalCode: draft.address.postalCode, isoCountry: draft.address.isoCountry,
          }).catch(failOnDefinitive)).sid,
        }),
      };
      const docName = `${name}:address`;
      const docSid = await twilioObjects.createOnce({
        tenantId: await tenantOf(owner),
        kind: 'supporting_document',
        name: docName,
        find: () => sidByName(th.supportingDocuments.list(), docName),
        create: async () => (await th.supportingDocuments.create({ friendlyName: docName, type: 'customer_profile_address', attributes: { address_sids: address.sid } }).catch(failOnDefinitive)).sid,
      });
      const p = th.customerProfiles(profile.sid);
      await assignAll(
        { entityAssignments: (o) => p.customerProfilesEntityAssignments.create(o), assigned: async () => (await p.customerProfilesEntityAssignments.list()).map((a) => a.objectSid) },
        [...people, docSid, await primaryProfile(await tenantOf(owner))],
      );
      await recordProfile(owner, 'customer_profile', profile.sid, draft);
      return { sid: profile.sid };
    },

    async a2pCreateTrustProduct({ draft, customerProfileSid, statusCallback, ...owner }) {
      const name = tagOf(owner);
      const soleProprietor = draft.brandType === 'sole_proprietor';
      const product = {
        sid: await twilioObjects.findOrCreate({
          tenantId: await tenantOf(owner),
          kind: 'trust_product',
          name,
          find: async () => (await th.trustProducts.list({ friendlyName: name, limit: 5 }))[0]?.sid,
          create: async () => (await th.trustProducts
            .create({ friendlyName: name, email: draft.profile.email, policySid: soleProprietor ? policies.soleProprietorTrustProduct : policies.trustProduct, statusCallback })
            .catch(failOnDefinitive)).sid,
        }),
      };
      const info = draft.brandType === 'sole_proprietor'
        ? await endUser(owner, 'sole_proprietor_information', { brand_name: draft.business.name, mobile_phone_number: draft.soleProprietor.mobilePhoneNumber, vertical: draft.business.industry })
        : await endUser(owner, 'us_a2p_messaging_profile_information', {
            company_type: draft.company.type, brand_contact_email: draft.company.brandContactEmail,
            ...(draft.company.stockExchange ? { stock_exchange: draft.company.stockExchange, stock_ticker: draft.company.stockTicker } : {}),
          });
      const p = th.trustProducts(product.sid);
      await assignAll(
        { entityAssignments: (o) => p.trustProductsEntityAssignments.create(o), assigned: async () => (await p.trustProductsEntityAssignments.list()).map((a) => a.objectSid) },
        [info, customerProfileSid],
      );
      await recordProfile(owner, 'trust_product', product.sid, draft);
      return { sid: product.sid };
    },

    async a2pSubmitBundle({ kind, sid }) {
      const bundle = kind === 'customer_profile' ? th.customerProfiles(sid) : th.trustProducts(sid);
      const current = await bundle.fetch();
      if (current.status === 'pending-review' || current.status === 'in-review' || current.status === 'twilio-approved') return;
      const evaluation = kind === 'customer_profile'
        ? await th.customerProfiles(sid).customerProfilesEvaluations.create({ policySid: current.policySid })
        : await th.trustProducts(sid).trustProductsEvaluations.create({ policySid: current.policySid });
      if (evaluation.status !== 'compliant') {
        const invalid = (evaluation.results as { requirement_friendly_name?: string; failure_reason?: string; invalid?: { object_field: string }[] }[])
          .filter((r) => r.failure_reason)
          .map((r) => `${r.requirement_friendly_name}: ${r.failure_reason}${r.invalid?.length ? ` (${r.invalid.map((i) => i.object_field).join(', ')})` : ''}`);
        throw ApplicationFailure.nonRetryable(`Trust Hub evaluation is noncompliant: ${invalid.join('; ')}`, 'EvaluationFailed', evaluation.results);
      }
      const submitted = kind === 'customer_profile'
        ? th.customerProfiles(sid).update({ status: 'pending-review' })
        : th.trustProducts(sid).update({ status: 'pending-review' });
      await submitted.catch(failOnDefinitive);
    },

    async a2pReviewStatus({ kind, sid, serviceSid }): Promise<ReviewStatus> {
      let review: ReviewStatus;
      if (kind === 'customer_profile' || kind === 'trust_product') {
        const b = await (kind === 'customer_profile' ? th.customerProfiles(sid) : th.trustProducts(sid)).fetch();
        const reasons = ((b.errors ?? []) as { code?: number; message?: string }[]).map((e) => ({ code: e.code ?? null, message: e.message ?? 'rejected', fields: ['business'] }));
        review = { outcome: b.status === 'twilio-approved' ? 'approved' : b.status === 'twilio-rejected' ? 'rejected' : 'pending', twilioStatus: b.status, reasons };
        await recordStatus('a2p_profiles', 'profile_sid', kind === 'customer_profile' ? 'customer profile' : 'trust product', sid, b.status, reasons);
      } else if (kind === 'brand') {
        const b = await msg.brandRegistrations(sid).fetch();
        const reasons = ((b.errors ?? []) as { code?: number; description?: string; fields?: string[] }[]).map((e) => ({
          code: e.code ?? null, message: e.description ?? 'brand registration failed', fields: (e.fields ?? []).map((f) => fieldMap[f] ?? f),
        }));
        const outcome = b.status === 'APPROVED' ? 'approved' : b.status === 'FAILED' ? 'rejected' : ['SUSPENDED', 'DELETION_PENDING', 'DELETION_FAILED'].includes(b.status) ? 'terminal' : 'pending';
        review = { outcome, twilioStatus: b.status, reasons };
        await recordStatus('a2p_brands', 'brand_sid', 'brand', sid, b.status, reasons);
      } else {
        const c = await msg.services(serviceSid!).usAppToPerson(sid).fetch();
        const errors = (c.errors ?? []) as { error_code?: number; description?: string }[];
        const reasons = errors.map((e) => ({ code: e.error_code ?? null, message: e.description ?? 'campaign failed', fields: ['campaign'] }));
        const outcome = c.campaignStatus === 'VERIFIED' ? 'approved' : c.campaignStatus === 'FAILED'
          ? (errors.some((e) => terminalCampaignCodes.has(e.error_code ?? 0)) ? 'terminal' : 'rejected') : 'pending';
        review = { outcome, twilioStatus: c.campaignStatus, reasons };
        await recordStatus('a2p_campaigns', 'campaign_sid', 'campaign', sid, c.campaignStatus, reasons);
      }
      return review;
    },

    async a2pRegisterBrand({ customerProfileSid, trustProductSid, lowVolume, soleProprietor = false, ...owner }) {
      const brandType = soleProprietor ? 'SOLE_PROPRIETOR' : 'STANDARD';
      // Brands have no friendly name: the claim is on the profile it is made from, and so is the search.
      let status: string | undefined;
      const brandSid = await twilioObjects.createOnce({
        tenantId: await tenantOf(owner),
        kind: 'brand',
        name: customerProfileSid,
        find: async () => {
          const found = (await msg.brandRegistrations.list()).find((b) => b.customerProfileBundleSid === customerProfileSid);
          status = found?.status;
          return found?.sid;
        },
        create: async () => {
          const created = await msg.brandRegistrations
            .create({ customerProfileBundleSid: customerProfileSid, a2PProfileBundleSid: trustProductSid, brandType, ...(soleProprietor ? {} : { skipAutomaticSecVet: lowVolume }) })
            .catch(failOnDefinitive);
          status = created.status;
          return created.sid;
        },
      });
      // Only a SID read back from PostgreSQL needs the brand's status fetched.
      const brand = { sid: brandSid, status: status ?? (await msg.brandRegistrations(brandSid).fetch()).status };
      await db.query(
        `INSERT INTO a2p_brands (tenant_id, registration_id, brand_sid, profile_sid, status, brand_type)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (brand_sid) DO NOTHING`,
        [await tenantOf(owner), owner.registrationId, brand.sid, customerProfileSid, brand.status, soleProprietor ? 'SOLE_PROPRIETOR' : lowVolume ? 'LOW_VOLUME_STANDARD' : 'STANDARD'],
      );
      return { sid: brand.sid };
    },

    async a2pUpdateBusinessInformation({ customerProfileSid, business }) {
      const assigned = await th.customerProfiles(customerProfileSid).customerProfilesEntityAssignments.list();
      for (const a of assigned) {
        // One that can't be read is not the business information; a paused account is no answer at all.
        const u = await th.endUsers(a.objectSid).fetch().catch((err) => (isAccountPaused(err) ? Promise.reject(err) : null));
        if (!u || u.type !== 'customer_profile_business_information') continue;
        const patch: Record<string, unknown> = {};
        if (business.name) patch.business_name = business.name;
        if (business.registrationNumber) patch.business_registration_number = business.registrationNumber;
        if (business.type) patch.business_type = business.type;
        if (business.websiteUrl) patch.website_url = business.websiteUrl;
        await th.endUsers(u.sid).update({ attributes: { ...(u.attributes as object), ...patch } }).catch(failOnDefinitive);
      }
    },

    async a2pBrandIdentity({ brandSid }): Promise<BrandIdentity> {
      const b = await msg.brandRegistrations(brandSid).fetch();
      const kind = b.brandType === 'SOLE_PROPRIETOR' ? 'sole_proprietor_otp' : 'authentication_plus';
      if (b.identityStatus === 'VERIFIED' || b.identityStatus === 'VETTED_VERIFIED') return { kind, state: 'verified', code: null, message: null };
      const errors = (b.errors ?? []) as { code?: number; description?: string }[];
      const lapsed = errors.find((e) => expiredVerificationCodes.has(e.code ?? 0));
      if (lapsed) return { kind, state: 'expired', code: lapsed.code ?? null, message: lapsed.description ?? null };
      const failed = errors.find((e) => failedVerificationCodes.has(e.code ?? 0));
      if (failed) return { kind, state: 'failed', code: failed.code ?? null, message: failed.description ?? null };
      return { kind, state: 'pending', code: null, message: null };
    },

    async a2pResendVerification({ brandSid, kind }) {
      // Resending is idempotent for the customer: a repeat only sends the same request again.
      if (kind === 'sole_proprietor_otp') {
        await msg.brandRegistrations(brandSid).brandRegistrationOtps.create().catch(failOnDefinitive);
        return;
      }
      // Twilio documents POST …/2fa, but its OpenAPI spec (and so the SDK) has no operation for it: the SDK's own
      // Messaging v1 request, which answers Twilio's errors as the generated calls do.
      await msg.create({ method: 'post', uri: `/a2p/BrandRegistrations/${brandSid}/2fa` }).catch(failOnDefinitive);
    },

    async a2pImportCampaignVerifyToken({ brandSid, token }) {
      const vettings = msg.brandRegistrations(brandSid).brandVettings;
      // A brand has a handful of vettings at most: listing them is how a retry finds its earlier import.
      const existing = (await vettings.list({ vettingProvider: 'campaign-verify', limit: 50 })).find((v) => v.vettingId === token);
      let status = existing?.vettingStatus;
      if (!existing) {
        try {
          status = (await vettings.create({ vettingProvider: 'campaign-verify', vettingId: token })).vettingStatus;
        } catch (err) {
          const info = twilioErrorOf(err);
          // 21721: the brand can't take a token; 21722: the token is invalid or another brand's.
          if (info && (info.code === 21721 || info.code === 21722)) return { ok: false, code: info.code, message: info.message };
          throw err;
        }
      }
      if (status === 'FAILED') return { ok: false, code: 30713, message: 'Campaign Verify did not accept the token (expired, or not issued for this organization)' };
      return { ok: true };
    },

    async a2pResubmitBrand({ sid }) {
      const b = await msg.brandRegistrations(sid).fetch();
      if (b.status !== 'FAILED') return; // an earlier attempt already resubmitted it
      try {
        await msg.brandRegistrations(sid).update();
      } catch (err) {
        // Twilio may answer 202 with no body, which the SDK can't parse: the resubmission still happened.
        if (err instanceof SyntaxError) return;
        const info = twilioErrorOf(err);
        if (info?.code === 21724 || info?.code === 21725) throw ApplicationFailure.nonRetryable(info.message, 'TwilioError', info);
        failOnDefinitive(err);
      }
    },

    async a2pEnsureMessagingService({ friendlyName, ...owner }) {
      // The whole tag, never a prefix of it (two requests could share a prefix); Twilio allows 64 characters.
      const name = owner.nameScope ? `${friendlyName.slice(0, 64 - 1 - tagOf(owner).length)} ${tagOf(owner)}` : `${friendlyName.slice(0, 40)} ${tagOf(owner).slice(0, 11)}`;
      const sid = await twilioObjects.createOnce({
        tenantId: await tenantOf(owner),
        kind: 'messaging_service',
        name,
        find: () => sidByName(msg.services.list(), name),
        create: async () => (await msg.services.create({ friendlyName: name, usecase: 'notifications' }).catch(failOnDefinitive)).sid,
      });
      return { sid };
    },

    async a2pCheckUsecase({ serviceSid, brandSid, usecase }) {
      const result = await msg.services(serviceSid).usAppToPersonUsecases.fetch({ brandRegistrationSid: brandSid });
      const entry = (result.usAppToPersonUsecases as { code: string; post_approval_required?: boolean }[]).find((u) => u.code === usecase);
      if (!entry) return { allowed: false, message: `use case ${usecase} is not available to this brand` };
      if (entry.post_approval_required) return { allowed: false, message: `use case ${usecase} needs carrier post-approval` };
      return { allowed: true, message: '' };
    },

    async a2pCreateCampaign({ serviceSid, brandSid, campaign, ...owner }) {
      const existing = (await msg.services(serviceSid).usAppToPerson.list({ limit: 5 }))[0];
      const c = existing ?? (await msg.services(serviceSid).usAppToPerson.create({
        brandRegistrationSid: brandSid, description: campaign.description, messageFlow: campaign.messageFlow, messageSamples: campaign.messageSamples,
        usAppToPersonUsecase: campaign.usecase, hasEmbeddedLinks: campaign.hasEmbeddedLinks, hasEmbeddedPhone: campaign.hasEmbeddedPhone,
        optInMessage: campaign.optInMessage, optOutMessage: campaign.optOutMessage, helpMessage: campaign.helpMessage,
        optInKeywords: campaign.optInKeywords, optOutKeywords: campaign.optOutKeywords, helpKeywords: campaign.helpKeywords,
        privacyPolicyUrl: campaign.privacyPolicyUrl, termsAndConditionsUrl: campaign.termsAndConditionsUrl,
        subscriberOptIn: campaign.subscriberOptIn, ageGated: campaign.ageGated, directLending: campaign.directLending,
      }).catch(failOnDefinitive));
      await db.query(
        `INSERT INTO a2p_campaigns (tenant_id, registration_id, campaign_sid, brand_sid, messaging_service_sid, usecase, usecase_description, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (campaign_sid) DO NOTHING`,
        [await tenantOf(owner), owner.registrationId, c.sid, brandSid, serviceSid, campaign.usecase, campaign.description, c.campaignStatus],
      );
      return { sid: c.sid };
    },

    async a2pUpdateCampaign({ serviceSid, sid, campaign }) {
      const current = await msg.services(serviceSid).usAppToPerson(sid).fetch();
      if (current.campaignStatus !== 'FAILED') return; // already resubmitted by an earlier attempt: don't pay twice
      await msg.services(serviceSid).usAppToPerson(sid).update({
        hasEmbeddedLinks: campaign.hasEmbeddedLinks, hasEmbeddedPhone: campaign.hasEmbeddedPhone, messageSamples: campaign.messageSamples,
        messageFlow: campaign.messageFlow, description: campaign.description, ageGated: campaign.ageGated, directLending: campaign.directLending,
      }).catch(failOnDefinitive);
    },

    async a2pAddNumbers({ tenantId, serviceSid, phoneNumbers }) {
      const result: NumbersOutcome = { attached: [], refused: [] };
      const { rows } = await db.query(
        `SELECT phone_number FROM phone_numbers WHERE tenant_id = $1 AND status = 'active' AND phone_number = ANY($2)`,
        [tenantId, phoneNumbers],
      );
      const mine = new Set(rows.map((r) => r.phone_number as string));
      const attached = new Map((await msg.services(serviceSid).phoneNumbers.list({ limit: 1000 })).map((p) => [p.phoneNumber, p.sid]));
      // Each number in the service is recorded as its membership (release and rotation read it instead of Twilio).
      const member = (twilioSid: string) => recordMembership(db, { twilioSid, kind: 'messaging_service', containerSid: serviceSid, membershipSid: twilioSid });
      for (const phoneNumber of phoneNumbers) {
        if (!mine.has(phoneNumber)) {
          result.refused.push({ phoneNumber, reason: 'not an active number of this tenant (released, or never bought here)', code: null });
        } else if (attached.has(phoneNumber)) {
          await member(attached.get(phoneNumber)!);
          result.attached.push(phoneNumber); // an earlier attempt added it
        } else {
          const [owned] = await account().incomingPhoneNumbers.list({ phoneNumber, limit: 1 });
          const added = owned
            ? await msg.services(serviceSid).phoneNumbers.create({ phoneNumberSid: owned.sid }).then(() => null, (err) => {
                if (!isDefinitiveTwilioError(err)) throw err;
                return twilioErrorOf(err)!;
              })
            : { code: null, message: 'not a number of this Twilio account' };
          if (added) result.refused.push({ phoneNumber, reason: added.message, code: added.code });
          else {
            await member(owned!.sid);
            result.attached.push(phoneNumber);
          }
        }
      }
      return result;
    },

    async a2pCleanUpCancelled({ registrationId, sids }) {
      const done: CleanupAction[] = [];
      const note = async (a: CleanupAction, table?: 'a2p_profiles' | 'a2p_campaigns', column?: string) => {
        done.push(a);
        if (a.action === 'deleted' && table) await db.query(`UPDATE ${table} SET status = 'deleted', updated_at = now() WHERE ${column} = $1`, [a.sid]);
        await timeline(registrationId, 'cleanup', `${a.kind.replaceAll('_', ' ')} ${a.sid} ${a.action}: ${a.reason}`, a);
      };
      /** Deletes; a resource already gone (an earlier attempt) counts as deleted. */
      const remove = async (del: () => Promise<boolean>) => {
        try {
          await del();
        } catch (err) {
          if (twilioErrorOf(err)?.status !== 404) failOnDefinitive(err);
        }
      };
      if (sids.campaign && sids.messagingService) {
        // A campaign bills monthly from its approval: deleting it is the only way to stop that.
        await remove(() => msg.services(sids.messagingService!).usAppToPerson(sids.campaign!).remove());
        await note({ kind: 'campaign', sid: sids.campaign, action: 'deleted', reason: 'deleted so no campaign fee accrues' }, 'a2p_campaigns', 'campaign_sid');
      }
      if (sids.messagingService) {
        await remove(() => msg.services(sids.messagingService!).remove());
        await forgetContainer(db, 'messaging_service', sids.messagingService);
        await note({ kind: 'messaging_service', sid: sids.messagingService, action: 'deleted', reason: 'created for this registration and no longer used' });
      }
      if (sids.brand) {
        await note({ kind: 'brand', sid: sids.brand, action: 'kept', reason: 'Twilio has no API to delete a brand registration; it costs nothing more and can carry a later campaign' });
      }
      // Trust product before the profile it references.
      for (const [kind, sid] of [['trust_product', sids.trustProduct], ['customer_profile', sids.customerProfile]] as const) {
        if (!sid) continue;
        const bundle = kind === 'customer_profile' ? th.customerProfiles(sid) : th.trustProducts(sid);
        const status = await bundle.fetch().then((b) => b.status, (err) => {
          if (twilioErrorOf(err)?.status === 404) return 'gone';
          return failOnDefinitive(err);
        });
        if (status === 'draft' || status === 'gone') {
          if (status === 'draft') await remove(() => bundle.remove());
          await note({ kind, sid, action: 'deleted', reason: 'never submitted for review' }, 'a2p_profiles', 'profile_sid');
        } else {
          await note({ kind, sid, action: 'kept', reason: `already ${status}: Twilio keeps submitted bundles, and an approved one can be reused` });
        }
      }
      return done;
    },

    async a2pRecordState({ registrationId, state }) {
      const finished = ['completed', 'failed', 'cancelled'].includes(state.status);
      // One transaction: a reader never sees the new state without its timeline entry, and a failure between the
      // two (a lost connection, a killed worker) leaves neither, so the retry records both.
      await inTransaction(db, async (tx) => {
        const { rows } = await tx.query(
          `WITH old AS (SELECT id, status, step FROM a2p_registrations WHERE id = $1)
           UPDATE a2p_registrations r SET status = $2, step = $3, state = $4, updated_at = now(),
                  finished_at = CASE WHEN $5 THEN COALESCE(r.finished_at, now()) ELSE NULL END
             FROM old WHERE r.id = old.id
           RETURNING old.status AS old_status, old.step AS old_step`,
          [registrationId, state.status, state.step, JSON.stringify(state), finished],
        );
        // A retried call after its commit finds nothing changed, so the timeline gets no duplicate.
        const old = rows[0];
        if (old && (old.old_status !== state.status || old.old_step !== state.step)) {
          const hint = state.actionRequired ? ` — ${state.actionRequired.hint}` : '';
          const message = `${state.step.replaceAll('_', ' ')}: ${state.status.replaceAll('_', ' ')}${hint}`;
          await recordRegistrationEvent(tx, { product: 'a2p', registrationId, type: 'state', message, data: { status: state.status, step: state.step } });
        }
      });
    },
  };
}
