import { z } from 'zod';
import { E164, Email, WebhookUrl } from '../kit/common';

/** Trust Hub `business_type` values. */
export const BusinessType = z.enum([
  'Sole Proprietorship', 'Partnership', 'Limited Liability Corporation', 'Co-operative', 'Non-profit Corporation', 'Corporation',
]);
export const BusinessIndustry = z.enum([
  'AGRICULTURE', 'AUTOMOTIVE', 'BANKING', 'CONSTRUCTION', 'CONSUMER', 'EDUCATION', 'ENGINEERING', 'ENERGY', 'OIL_AND_GAS',
  'FAST_MOVING_CONSUMER_GOODS', 'FINANCIAL', 'FINTECH', 'FOOD_AND_BEVERAGE', 'GOVERNMENT', 'HEALTHCARE', 'HOSPITALITY',
  'INSURANCE', 'LEGAL', 'MANUFACTURING', 'MEDIA', 'ONLINE', 'PROFESSIONAL_SERVICES', 'RAW_MATERIALS', 'REAL_ESTATE',
  'RELIGION', 'RETAIL', 'JEWELRY', 'TECHNOLOGY', 'TELECOMMUNICATIONS', 'TRANSPORTATION', 'TRAVEL', 'NOT_FOR_PROFIT',
]);
export const RegionOfOperation = z.enum(['AFRICA', 'ASIA', 'EUROPE', 'LATIN_AMERICA', 'USA_AND_CANADA']);
export const CompanyType = z.enum(['private', 'public', 'non-profit', 'government']);
export const JobPosition = z.enum(['Director', 'GM', 'VP', 'CEO', 'CFO', 'General Counsel', 'Other']);
export const StockExchange = z.enum(['NONE', 'NASDAQ', 'NYSE', 'AMEX', 'AMX', 'ASX', 'B3', 'BME', 'BSE', 'FRA', 'ICEX', 'JPX', 'JSE', 'KRX', 'LON', 'NSE', 'OMX', 'SEHK', 'SGX', 'SSE', 'STO', 'SWX', 'SZSE', 'TSX', 'TWSE', 'VSE', 'OTHER']);

/** Use-case codes from Messaging v1 (`Usecases`). */
export const A2pUsecase = z.enum([
  '2FA', 'ACCOUNT_NOTIFICATION', 'AGENTS_FRANCHISES', 'CHARITY', 'CUSTOMER_CARE', 'DELIVERY_NOTIFICATION', 'EMERGENCY',
  'FRAUD_ALERT', 'HIGHER_EDUCATION', 'K12_EDUCATION', 'LOW_VOLUME', 'MARKETING', 'MIXED', 'POLITICAL', 'POLLING_VOTING',
  'PROXY', 'PUBLIC_SERVICE_ANNOUNCEMENT', 'SECURITY_ALERT', 'SOCIAL', 'SWEEPSTAKE', 'SOLE_PROPRIETOR',
]);
export type A2pUsecase = z.infer<typeof A2pUsecase>;

const Keyword = z.string().max(255).regex(/^[A-Za-z0-9]{1,255}$/, 'must be letters and digits only');
/** Keywords per list: campaigns register a handful; TCR takes each list as one field of at most 255 characters. */
const Keywords = z.array(Keyword).max(100);

const Campaign = z
  .object({
    usecase: A2pUsecase,
    description: z.string().min(40).max(4096),
    messageFlow: z.string().min(40).max(2048),
    messageSamples: z.array(z.string().min(20).max(1024)).min(2).max(5),
    hasEmbeddedLinks: z.boolean(),
    hasEmbeddedPhone: z.boolean(),
    optOutHandling: z
      .enum(['twilio_default', 'advanced'])
      .default('twilio_default')
      .describe('twilio_default: Twilio answers STOP/HELP with its default replies; advanced: you manage your own keywords and replies (Advanced Opt-Out), so they are required'),
    optInMessage: z.string().min(20).max(320).optional(),
    optOutMessage: z.string().min(20).max(320).optional(),
    helpMessage: z.string().min(20).max(320).optional(),
    optInKeywords: Keywords.optional(),
    optOutKeywords: Keywords.optional(),
    helpKeywords: Keywords.optional(),
    privacyPolicyUrl: WebhookUrl.optional(),
    termsAndConditionsUrl: WebhookUrl.optional(),
    subscriberOptIn: z.boolean().optional(),
    campaignVerifyToken: z
      .string()
      .max(2000)
      .regex(/^cv\|1\.0\|tcr\|10dlc\|[\w-]+\|[\w+/=.-]+$/, 'must be the Campaign Verify token exactly as issued: cv|1.0|tcr|10dlc|<id>|<signature>')
      .optional()
      .describe('POLITICAL campaigns only: the 10DLC token from campaignverify.org, imported on the brand before the campaign'),
    ageGated: z.boolean().default(false),
    directLending: z.boolean().default(false),
  })
  .strict();

const Address = z
  .object({
    customerName: z.string().min(1).max(255).optional().describe('Defaults to business.name (Sole Proprietor: the person\'s full name)'),
    street: z.string().min(1).max(255),
    streetSecondary: z.string().max(255).optional(),
    city: z.string().min(1).max(255),
    region: z.string().min(2).max(255),
    postalCode: z.string().min(3).max(20),
    isoCountry: z.string().max(2).regex(/^[A-Z]{2}$/, 'must be a 2-letter ISO country code'),
  })
  .strict();

/**
 * A customer's registration: everything the ISV chain needs, in one document.
 * Standard = STANDARD brand; low_volume_standard = STANDARD with SkipAutomaticSecVet.
 */
export const RegistrationDraftFields = z
  .object({
    brandType: z.enum(['standard', 'low_volume_standard']),
    profile: z.object({ friendlyName: z.string().min(1).max(64), email: Email }).strict(),
    business: z
      .object({
        name: z.string().min(1).max(255),
        tradeName: z.string().min(1).max(255).optional().describe('The doing-business-as (DBA) name, if the brand trades under one; samples may name the brand by it'),
        type: BusinessType,
        industry: BusinessIndustry,
        registrationIdentifier: z.enum(['EIN', 'CBN', 'CRN', 'DUNS', 'Other']),
        registrationNumber: z.string().min(1).max(64),
        regionsOfOperation: z.array(RegionOfOperation).min(1).max(RegionOfOperation.options.length),
        websiteUrl: WebhookUrl,
        socialMediaProfileUrls: z.array(WebhookUrl).max(5).optional(),
      })
      .strict(),
    company: z
      .object({
        type: CompanyType,
        stockExchange: StockExchange.optional(),
        stockTicker: z.string().max(10).optional(),
        brandContactEmail: Email.optional().describe('TCR and Authentication+ write here; defaults to profile.email'),
      })
      .strict(),
    address: Address,
    authorizedRepresentatives: z
      .array(
        z
          .object({
            firstName: z.string().min(1).max(100),
            lastName: z.string().min(1).max(100),
            email: Email,
            phoneNumber: E164,
            businessTitle: z.string().min(1).max(100),
            jobPosition: JobPosition,
          })
          .strict(),
      )
      .min(1)
      .max(2),
    campaign: Campaign,
    phoneNumbers: z.array(E164).max(400).default([]),
  })
  .strict();

/** Refused by its schema (any value fails); preflight names why, with a code of its own. */
const notForSoleProprietors = (what: string) =>
  z.never().optional().describe(`Must be absent: a Sole Proprietor has no ${what}. One that has registers a standard or low-volume standard brand`);

/**
 * A Sole Proprietor (a person in the US or Canada without a tax ID): starter profile → Sole Proprietor trust
 * product → brand, verified by a one-time password to the owner's mobile → one SOLE_PROPRIETOR campaign → one number.
 * Twilio's limits are in the schema, so a draft past them is refused before anything is paid.
 */
export const SoleProprietorDraftFields = z
  .object({
    brandType: z.literal('sole_proprietor'),
    profile: z.object({ friendlyName: z.string().min(1).max(64), email: Email.describe('The owner\'s e-mail') }).strict(),
    soleProprietor: z
      .object({
        firstName: z.string().min(1).max(64),
        lastName: z.string().min(1).max(64),
        mobilePhoneNumber: E164.describe('A US or Canadian mobile: the one-time password (OTP) goes here, and the owner replies YES within 24 hours'),
      })
      .strict(),
    business: z
      .object({
        name: z.string().min(1).max(255).describe('The brand name subscribers see'),
        tradeName: z.string().min(1).max(255).optional(),
        industry: BusinessIndustry.describe('The brand\'s vertical'),
        websiteUrl: WebhookUrl.optional(),
        registrationIdentifier: notForSoleProprietors('tax ID'),
        registrationNumber: notForSoleProprietors('tax ID (EIN or Canadian Business Number)'),
      })
      .strict(),
    address: Address.extend({ isoCountry: z.enum(['US', 'CA']).describe('Sole Proprietor brands are only for the US and Canada') }),
    campaign: Campaign.extend({ usecase: z.literal('SOLE_PROPRIETOR').default('SOLE_PROPRIETOR').describe('The only use case of a Sole Proprietor brand') }),
    phoneNumbers: z.array(E164).max(1).default([]).describe('At most one: Twilio allows one number per Sole Proprietor campaign'),
  })
  .strict();

/** The same fact is asked once: where Twilio needs the business's name or email again, the draft's are reused. */
export const RegistrationDraft = z.discriminatedUnion('brandType', [RegistrationDraftFields, SoleProprietorDraftFields]).transform((d) =>
  d.brandType === 'sole_proprietor'
    ? { ...d, address: { ...d.address, customerName: d.address.customerName ?? `${d.soleProprietor.firstName} ${d.soleProprietor.lastName}` } }
    : {
        ...d,
        company: { ...d.company, brandContactEmail: d.company.brandContactEmail ?? d.profile.email },
        address: { ...d.address, customerName: d.address.customerName ?? d.business.name },
      },
);
export type RegistrationDraft = z.output<typeof RegistrationDraft>;
export type StandardDraft = Extract<RegistrationDraft, { brandType: 'standard' | 'low_volume_standard' }>;
export type SoleProprietorDraft = Extract<RegistrationDraft, { brandType: 'sole_proprietor' }>;

export const PreflightProblem = z.object({
  field: z.string(),
  code: z.string(),
  message: z.string(),
});
export type PreflightProblem = z.infer<typeof PreflightProblem>;

export const CostLine = z.object({ item: z.string(), amountUsd: z.number(), when: z.enum(['one_time', 'monthly', 'per_submission']) });

export const PreflightResult = z.object({
  ok: z.boolean(),
  problems: z.array(PreflightProblem),
  warnings: z.array(PreflightProblem),
  cost: z.object({
    lines: z.array(CostLine),
    oneTimeUsd: z.number(),
    monthlyUsd: z.number(),
    note: z.string(),
  }),
});
export type PreflightResult = z.infer<typeof PreflightResult>;

/** Corrections for a registration in action_required (sent to the workflow as a Temporal Update). */
export const A2pCorrectionsBody = z
  .object({
    business: RegistrationDraftFields.shape.business.partial().optional(),
    campaign: RegistrationDraftFields.shape.campaign.partial().optional(),
    approveCampaignResubmissionFee: z.boolean().optional(),
  })
  .strict()
  .refine((c) => c.business || c.campaign, 'must correct "business" or "campaign"')
  .meta({ minProperties: 1 });

/** The customer's own step on an approved brand, shown while the registration is waiting_for_customer. */
export const CustomerAction = z.object({
  kind: z.enum(['sole_proprietor_otp', 'authentication_plus']),
  state: z.enum(['pending', 'expired', 'failed']).describe('expired: the OTP or e-mail lapsed (Twilio 30752, 21737, 21739, 21741): resend it; failed: Twilio refused it (21736, 21738, 21740)'),
  instructions: z.string().describe('What the customer must do, to pass on'),
  expiresAt: z.string().nullable().describe('When the current OTP stops working (24 hours after sending); null for the Authentication+ e-mail, whose lifetime Twilio does not state'),
  deadline: z.string().describe('When the registration gives up and fails if the customer has not completed it'),
  code: z.number().nullable().describe('Twilio’s error code when it lapsed or failed'),
  message: z.string().nullable(),
  resends: z.number().int().describe('Resends so far (POST …/verification/resend)'),
});
export type CustomerAction = z.infer<typeof CustomerAction>;

const FailureReason = z.object({ code: z.number().nullable(), message: z.string(), fields: z.array(z.string()) });
const Resource = z.record(z.string(), z.unknown());

export const RegistrationView = z.object({
  id: z.string(),
  status: z.string(),
  step: z.string(),
  actionRequired: z.object({ step: z.string(), reasons: z.array(FailureReason), hint: z.string() }).nullable(),
  customerAction: CustomerAction.nullable().describe(
    'While status is waiting_for_customer: the Sole Proprietor’s OTP or the public company’s Authentication+ e-mail, until when, and how to resend',
  ),
  sids: z.record(z.string(), z.string()),
  brandResubmissions: z.number().int(),
  campaignSubmissions: z.number().int(),
  resources: z.object({ profiles: z.array(Resource), brands: z.array(Resource), campaigns: z.array(Resource) }),
  timeline: z
    .array(z.object({ at: z.string(), type: z.enum(['state', 'twilio_status', 'webhook', 'cleanup', 'number']), message: z.string() }))
    .describe('What happened, oldest first (the newest 200 events): state changes, Twilio status changes, webhook deliveries, cleanup after a cancel'),
  numbers: z
    .object({ attached: z.array(z.string()), refused: z.array(z.object({ phoneNumber: z.string(), reason: z.string(), code: z.number().nullable() })) })
    .nullable()
    .describe('Once the numbers step ran: the numbers added to the Messaging Service, and those refused with the reason'),
  cleanup: z
    .array(z.object({ kind: z.string(), sid: z.string(), action: z.enum(['deleted', 'kept']), reason: z.string() }))
    .nullable()
    .describe('After a cancel: what was deleted at Twilio and what was kept, and why'),
  idempotencyKey: z.string().nullable(),
  workflowId: z.string().describe('The Temporal workflow running the registration (open it in the Temporal UI)'),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
}).meta({ id: 'A2pRegistration' });
