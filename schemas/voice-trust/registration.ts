import { z } from 'zod';
import { genericCnamReason } from './cnam';
import { E164, Email, SID_LENGTH } from '../kit/common';

export const VoiceTrustProduct = z.enum(['shaken_stir', 'cnam', 'voice_integrity']);
export type VoiceTrustProduct = z.infer<typeof VoiceTrustProduct>;

/** Twilio's CNAM rules, checked before anything is submitted: ≤ 15 characters, a letter first, letters, digits, . , and spaces, not generic. */
export const CnamDisplayName = z
  .string()
  .min(1)
  .max(15, 'must be at most 15 characters (Twilio’s CNAM limit)')
  .regex(/^[A-Za-z]/, 'must start with a letter')
  .regex(/^[A-Za-z0-9., ]*$/, 'may contain only letters, digits, periods, commas and spaces')
  .superRefine((name, ctx) => {
    const reason = genericCnamReason(name);
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  })
  .describe('The caller name US carriers show for your numbers');

const numbersOf = z
  .array(E164)
  .min(1)
  .max(500)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((n, i) => {
      if (seen.has(n)) ctx.addIssue({ code: 'custom', path: [i], message: `${n} is listed twice` });
      seen.add(n);
    });
  })
  .meta({ uniqueItems: true })
  .describe('Your live numbers to register (each goes on the business profile first, then on the trust product)');

const common = {
  businessProfileSid: z.string().max(SID_LENGTH).regex(/^BU[0-9a-f]{32}$/, 'must be a Trust Hub customer profile SID (BU…)').describe('One of your business profiles (an A2P registration’s customer profile)'),
  email: Email.describe('Where Twilio writes about the trust product’s review'),
  phoneNumbers: numbersOf,
};

export const VoiceIntegrityInfo = z.object({
  useCase: z.string().min(3).max(200).describe('What the calls are for, e.g. "appointment reminders"'),
  employeeCount: z.number().int().min(1).max(10_000_000),
  averageDailyCallVolume: z.number().int().min(1).max(100_000_000).describe('Calls on an average business day'),
  notes: z.string().max(500).optional(),
});

export const VoiceTrustDraft = z.discriminatedUnion('product', [
  z.object({ product: z.literal('shaken_stir').describe('SHAKEN/STIR: calls from these numbers signed with A attestation'), ...common }).strict(),
  z.object({ product: z.literal('cnam').describe('CNAM: the caller name shown for these numbers'), ...common, displayName: CnamDisplayName }).strict(),
  z.object({ product: z.literal('voice_integrity').describe('Voice Integrity: these numbers registered with the carriers’ spam analytics'), ...common, ...VoiceIntegrityInfo.shape }).strict(),
]);
export type VoiceTrustDraft = z.infer<typeof VoiceTrustDraft>;

/** What a rejected or noncompliant registration can change before it is resubmitted (nothing: resubmit as is). */
export const VoiceTrustCorrections = z
  .object({
    displayName: CnamDisplayName.optional().describe('CNAM only'),
    ...VoiceIntegrityInfo.partial().shape,
    email: Email.optional(),
  })
  .strict();
export type VoiceTrustCorrections = z.infer<typeof VoiceTrustCorrections>;

export const VoiceTrustStatus = z.enum(['queued', 'running', 'in_review', 'needs_attention', 'action_required', 'completed', 'cancelled', 'failed']);
export type VoiceTrustStatus = z.infer<typeof VoiceTrustStatus>;

export const VoiceTrustProblem = z.object({ field: z.string().nullable(), message: z.string(), code: z.number().int().nullable() });
export type VoiceTrustProblem = z.infer<typeof VoiceTrustProblem>;

export const VoiceTrustRegistrationView = z.object({
  id: z.string(),
  product: VoiceTrustProduct,
  status: VoiceTrustStatus.describe('in_review: Twilio is reviewing; needs_attention: the review is past its deadline (still waiting); action_required: rejected or incomplete, send corrections (before the corrections deadline); failed: a step Twilio refused or no corrections before the deadline (problems and the timeline say which; the numbers are taken off the trust product)'),
  step: z.string().describe('business_profile_numbers → trust_product → trust_product_numbers → review → done'),
  businessProfileSid: z.string(),
  trustProductSid: z.string().nullable(),
  twilioStatus: z.string().nullable().describe('The trust product’s status at Twilio, as last read'),
  draft: z.record(z.string(), z.unknown()).describe('What was asked for, with corrections applied'),
  numbers: z.array(
    z.object({
      phoneNumber: z.string(),
      onBusinessProfile: z.boolean(),
      onTrustProduct: z.boolean(),
      detached: z.boolean().describe('Taken off the trust product (released, or the registration cancelled or failed)'),
      attestation: z.enum(['A']).nullable().describe('SHAKEN/STIR only: A once the trust product is approved with the number on it; null: Twilio signs its calls B or C'),
    }),
  ),
  problems: z.array(VoiceTrustProblem).describe('Why action is required: Twilio’s rejection reasons or the evaluation’s failed fields'),
  timeline: z.array(z.object({ at: z.string(), type: z.string(), message: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
}).meta({ id: 'VoiceTrustRegistration' });
export type VoiceTrustRegistrationView = z.infer<typeof VoiceTrustRegistrationView>;

/** What the workflow gets: timings only; the draft is read from PostgreSQL by the activities (corrections change it). */
export interface VoiceTrustInput {
  registrationId: string;
  tenantId: string;
  product: VoiceTrustProduct;
  /**
   * deadlineMs: a review pending past it is flagged needs_attention. correctionsDeadlineMs: a registration left in
   * action_required this long without corrections ends failed as abandoned (absent in inputs written before it: 30 days).
   */
  timings: { firstPollMs: number; maxPollMs: number; deadlineMs: number; correctionsDeadlineMs?: number };
  /** Where Twilio posts the trust product's status changes (null: polling alone). */
  statusCallback: string | null;
}

export interface VoiceTrustReview {
  outcome: 'approved' | 'rejected' | 'pending';
  twilioStatus: string;
  problems: VoiceTrustProblem[];
}
