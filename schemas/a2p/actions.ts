import { z } from 'zod';
import { E164, SID_LENGTH } from '../kit/common';
import { RegistrationDraftFields, type RegistrationDraft } from './registration';
import type { BusinessProfileInput, ReviewKind, TrustProductInput } from './workflow';

/**
 * The seed's single A2P actions (create_business_profile, submit_business_profile, register_brand,
 * create_campaign, list_*, get_brand_status, assign_number_to_campaign): request bodies, views and
 * the inputs of the short workflows that run them over the registration's own activities.
 */
const sid = (prefix: string, what: string) => z.string().max(SID_LENGTH).regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`), `must be a ${what} SID (${prefix}…)`);
export const BundleSid = sid('BU', 'Trust Hub bundle');
export const BrandSid = sid('BN', 'brand registration');
export const CampaignSid = sid('QE', 'campaign');

const D = RegistrationDraftFields.shape;
export const CreateBusinessProfileBody = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('customer_profile'), profile: D.profile, business: D.business, address: D.address, authorizedRepresentatives: D.authorizedRepresentatives })
    .strict()
    .describe('A secondary customer profile: business information, representatives and address, assigned to the ISV primary profile'),
  z
    .object({ kind: z.literal('a2p_trust_product'), customerProfileSid: BundleSid, profile: D.profile, company: D.company })
    .strict()
    .describe('An A2P trust product for an existing customer profile: company type and brand contact'),
]);
export type CreateBusinessProfileBody = z.infer<typeof CreateBusinessProfileBody>;

export const RegisterBrandBody = z
  .object({ customerProfileSid: BundleSid, trustProductSid: BundleSid, brandType: D.brandType })
  .strict();
export const CreateCampaignBody = z
  .object({
    brandSid: BrandSid,
    friendlyName: z.string().min(1).max(40).default('twilio-pro campaign').describe('Name of the Messaging Service created for the campaign'),
    campaign: D.campaign,
  })
  .strict();
export const AssignNumbersBody = z.object({ phoneNumbers: z.array(E164).min(1).max(100) }).strict();

const FailureReason = z.object({ code: z.number().nullable(), message: z.string(), fields: z.array(z.string()) });
const common = {
  status: z.string().nullable(),
  failureReasons: z.array(FailureReason),
  registrationId: z.string().nullable().describe('The registration that created it; null for single actions'),
  createdAt: z.string(),
  updatedAt: z.string(),
};
export const BusinessProfileView = z.object({
  sid: z.string(),
  kind: z.enum(['customer_profile', 'trust_product']),
  friendlyName: z.string().nullable(),
  email: z.string().nullable(),
  businessName: z.string().nullable(),
  ...common,
});
export const BrandView = z.object({ sid: z.string(), customerProfileSid: z.string().nullable(), brandType: z.string().nullable(), ...common });
export const CampaignView = z.object({
  sid: z.string(),
  brandSid: z.string().nullable(),
  messagingServiceSid: z.string().nullable(),
  usecase: z.string().nullable(),
  ...common,
});
export const NumbersOutcomeView = z.object({
  attached: z.array(z.string()),
  refused: z.array(z.object({ phoneNumber: z.string(), reason: z.string(), code: z.number().nullable() })),
});

// Short-workflow inputs (plain data).
export interface ActionOwner {
  tenantId: string;
  /** The request's idempotency key (or a fresh id): tags what is created so a retry finds it. */
  key: string;
}
export type CreateBusinessProfileInput = ActionOwner &
  ({ kind: 'customer_profile'; draft: BusinessProfileInput } | { kind: 'a2p_trust_product'; customerProfileSid: string; draft: TrustProductInput });
export interface SubmitBusinessProfileInput {
  kind: 'customer_profile' | 'trust_product';
  sid: string;
}
export interface RegisterBrandInput extends ActionOwner {
  customerProfileSid: string;
  trustProductSid: string;
  lowVolume: boolean;
}
export interface RefreshStatusInput {
  kind: ReviewKind;
  sid: string;
  serviceSid?: string;
}
export interface CreateCampaignInput extends ActionOwner {
  brandSid: string;
  friendlyName: string;
  campaign: RegistrationDraft['campaign'];
}
export interface AssignNumbersInput {
  tenantId: string;
  serviceSid: string;
  phoneNumbers: string[];
}
