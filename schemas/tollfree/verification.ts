import { z } from 'zod';
import { E164, Email, MAX_URL_LENGTH, TOLL_FREE_E164 } from '../kit/common';

/** Twilio's enums for toll-free verification (twilio_messaging_v1.json). */
export const UseCaseCategory = z.enum([
  'TWO_FACTOR_AUTHENTICATION', 'ACCOUNT_NOTIFICATIONS', 'CUSTOMER_CARE', 'CHARITY_NONPROFIT', 'DELIVERY_NOTIFICATIONS', 'FRAUD_ALERT_MESSAGING', 'EVENTS',
  'HIGHER_EDUCATION', 'K12', 'MARKETING', 'POLLING_AND_VOTING_NON_POLITICAL', 'POLITICAL_ELECTION_CAMPAIGNS', 'PUBLIC_SERVICE_ANNOUNCEMENT', 'SECURITY_ALERT',
]);
export const OptInType = z.enum(['VERBAL', 'WEB_FORM', 'PAPER_FORM', 'VIA_TEXT', 'MOBILE_QR_CODE', 'IMPORT', 'IMPORT_PLEASE_REPLACE']);
export const BusinessType = z.enum(['PRIVATE_PROFIT', 'PUBLIC_PROFIT', 'SOLE_PROPRIETOR', 'NON_PROFIT', 'GOVERNMENT']);
export const RegistrationAuthority = z.enum(['EIN', 'CBN', 'CRN', 'PROVINCIAL_NUMBER', 'VAT', 'ACN', 'ABN', 'BRN', 'SIREN', 'SIRET', 'NZBN', 'USt-IdNr', 'CIF', 'NIF', 'CNPJ', 'UID', 'NEQ', 'OTHER']);
/** The monthly volumes Twilio's form offers. */
export const MessageVolume = z.enum(['10', '100', '1,000', '10,000', '100,000', '250,000', '500,000', '750,000', '1,000,000', '5,000,000', '10,000,000+']);

const Url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(MAX_URL_LENGTH);
const TollFreeNumber = E164.regex(TOLL_FREE_E164, 'must be a US toll-free number (+1 800, 833, 844, 855, 866, 877 or 888)');

const BusinessFields = z
  .object({
    name: z.string().min(2).max(100).describe('The legal name, as registered'),
    website: Url,
    type: BusinessType,
    registrationNumber: z.string().min(2).max(40).optional().describe('Required since 2026-02-17 for every business type but SOLE_PROPRIETOR'),
    registrationAuthority: RegistrationAuthority.optional(),
    registrationCountry: z.string().max(2).regex(/^[A-Z]{2}$/, 'must be a 2-letter country code').optional(),
    doingBusinessAs: z.string().min(1).max(100).optional(),
    address: z
      .object({
        street: z.string().min(1).max(100),
        street2: z.string().max(100).optional(),
        city: z.string().min(1).max(60),
        region: z.string().min(1).max(60),
        postalCode: z.string().min(1).max(20),
        country: z.string().max(2).regex(/^[A-Z]{2}$/, 'must be a 2-letter country code'),
      })
      .strict()
      .optional(),
    contact: z.object({ firstName: z.string().min(1).max(60), lastName: z.string().min(1).max(60), email: Email, phone: E164 }).strict().optional(),
  })
  .strict();

const MessagingFields = {
  notificationEmail: Email.describe('Where Twilio writes about the verification'),
  useCaseCategories: z.array(UseCaseCategory).min(1).max(14),
  useCaseSummary: z.string().min(20, 'must describe the use case in at least 20 characters').max(1000),
  productionMessageSample: z.string().min(10).max(1000).describe('A message exactly as it will be sent'),
  optIn: z
    .object({
      type: OptInType,
      imageUrls: z.array(Url).min(1).max(10).describe('Screenshots or documents of the opt-in flow'),
      confirmationMessage: z.string().min(1).max(500).optional(),
      keywords: z.array(z.string().max(20).regex(/^[A-Za-z0-9]{1,20}$/, 'must be a single word')).max(10).optional(),
    })
    .strict(),
  messageVolume: MessageVolume.describe('Estimated messages a month'),
  helpMessageSample: z.string().min(1).max(500).optional(),
  privacyPolicyUrl: Url.optional(),
  termsAndConditionsUrl: Url.optional(),
  ageGatedContent: z.boolean().optional(),
  additionalInformation: z.string().min(1).max(1000).optional().describe('For VERBAL opt-in: the script read to customers'),
  campaignVerifyToken: z.string().min(10).max(2000).optional().describe('For POLITICAL_ELECTION_CAMPAIGNS: the Campaign Verify token'),
};

export const TollfreeDraft = z
  .object({ tollfreePhoneNumber: TollFreeNumber.describe('One of your toll-free numbers'), business: BusinessFields, ...MessagingFields })
  .strict();
export type TollfreeDraft = z.infer<typeof TollfreeDraft>;

/** An edit of a rejected verification: any field but the number, and why (Twilio's EditReason). */
export const TollfreeEdit = z
  .object({ editReason: z.string().min(3).max(500).describe('What changed and why'), business: BusinessFields.partial().optional(), ...z.object(MessagingFields).partial().shape })
  .strict();
export type TollfreeEdit = z.infer<typeof TollfreeEdit>;

export const TollfreeProblem = z.object({
  field: z.string().nullable(),
  code: z.string().describe('Our rule’s name, e.g. registration_number_required'),
  message: z.string(),
  twilioCode: z.number().int().nullable().describe('The Twilio rejection code this rule anticipates, or Twilio’s own code'),
});
export type TollfreeProblem = z.infer<typeof TollfreeProblem>;

export const TollfreePreflight = z.object({ ok: z.boolean(), problems: z.array(TollfreeProblem), warnings: z.array(TollfreeProblem) });

export const TollfreeStatus = z.enum(['queued', 'submitting', 'in_review', 'needs_attention', 'action_required', 'completed', 'cancelled', 'failed']);
export type TollfreeStatus = z.infer<typeof TollfreeStatus>;

export const TollfreeVerificationView = z.object({
  id: z.string(),
  tollfreePhoneNumber: z.string(),
  status: TollfreeStatus.describe('completed: Twilio approved it, the number can send; action_required: rejected, edit it before editExpiration; failed: the edit window closed, or Twilio refused a step (problems say which, with Twilio’s code)'),
  verificationSid: z.string().nullable().describe('Twilio’s HH… SID'),
  twilioStatus: z.string().nullable().describe('PENDING_REVIEW, IN_REVIEW, TWILIO_APPROVED or TWILIO_REJECTED, as last read'),
  problems: z.array(TollfreeProblem).describe('Twilio’s rejection reasons with their codes'),
  editAllowed: z.boolean(),
  editExpiration: z.string().nullable().describe('Until when a rejected verification can be edited (seven days after the rejection)'),
  draft: TollfreeDraft,
  timeline: z.array(z.object({ at: z.string(), type: z.string(), message: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
}).meta({ id: 'TollfreeVerification' });
export type TollfreeVerificationView = z.infer<typeof TollfreeVerificationView>;

export interface TollfreeInput {
  verificationId: string;
  tenantId: string;
  timings: { firstPollMs: number; maxPollMs: number; deadlineMs: number };
}

export interface TollfreeReview {
  outcome: 'approved' | 'rejected' | 'pending';
  twilioStatus: string;
  problems: TollfreeProblem[];
  editAllowed: boolean;
  /** Epoch ms. */
  editExpiration: number | null;
}
