import { TollfreeDraft, type TollfreeProblem } from '../../schemas/tollfree/verification';
import { withinBounds } from '../kit/draft-problems';
import { draftProblems } from './draft-problems';

interface TollfreeRule {
  /** `problem` stops a submission; `warning` doesn't. */
  severity: 'problem' | 'warning';
  message: string;
  /** The Twilio rejection code the rule anticipates, if Twilio has one. */
  twilioCode: number | null;
}

/**
 * Every code toll-free preflight reports, with its message: one list, so the reference page
 * (docs/reference/preflight-codes.md) is generated from what the check really says.
 */
export const tollfreePreflightCodes = {
  registration_number_required: { severity: 'problem', message: 'a business registration number is required for every business type but SOLE_PROPRIETOR (Twilio, since 2026-02-17)', twilioCode: null },
  registration_authority_required: { severity: 'problem', message: 'say who issued the registration number (EIN for a US business)', twilioCode: null },
  political_campaign_verify: { severity: 'problem', message: 'political election campaigns need a Campaign Verify token', twilioCode: 30501 },
  verbal_opt_in_script: { severity: 'problem', message: 'verbal opt-in needs the script read to customers, in additionalInformation', twilioCode: 30511 },
  content_cryptocurrency: { severity: 'problem', message: 'cryptocurrency is a forbidden toll-free use case', twilioCode: 30464 },
  content_debt_reduction: { severity: 'problem', message: 'debt reduction, consolidation and credit repair are forbidden toll-free use cases', twilioCode: 30466 },
  content_debt_collection: { severity: 'problem', message: 'third-party debt collection is a forbidden toll-free use case', twilioCode: 30460 },
  sample_names_business: { severity: 'warning', message: 'reviewers expect the sample to name the business sending it', twilioCode: null },
  sample_opt_out: { severity: 'warning', message: 'reviewers expect opt-out language (e.g. "Reply STOP to opt out") in the sample', twilioCode: null },
  privacy_policy: { severity: 'warning', message: 'a privacy policy saying mobile numbers are not shared helps the review', twilioCode: null },
} as const satisfies Record<string, TollfreeRule>;
export type TollfreeCode = keyof typeof tollfreePreflightCodes;

/**
 * Toll-free verification preflight: the causes of Twilio's documented rejections, found before submission.
 * Problems stop a submission; warnings don't (reviewers look for them, Twilio does not always reject).
 * It takes an incomplete or invalid draft too: each missing or invalid field is a problem (the schema's codes,
 * as A2P preflight gives them), and the rules check what is there.
 */
export function tollfreePreflight(input: unknown): { ok: boolean; problems: TollfreeProblem[]; warnings: TollfreeProblem[] } {
  const parsed = TollfreeDraft.safeParse(input);
  const issues = parsed.success ? [] : parsed.error.issues;
  // Rules read the draft defensively (any field may be missing or of another type), never a value over its limit.
  const found = tollfreeRules(parsed.success ? parsed.data : withinBounds(input, issues));
  const problems = [...issues.flatMap((i) => draftProblems(i, input)), ...found.problems];
  return { ok: problems.length === 0, problems, warnings: found.warnings };
}

/** The rules alone, on a draft that may miss any field or hold one of another type. */
export function tollfreeRules(draft: unknown): { problems: TollfreeProblem[]; warnings: TollfreeProblem[] } {
  const problems: TollfreeProblem[] = [];
  const warnings: TollfreeProblem[] = [];
  const report = (field: string | null, code: TollfreeCode) => {
    const { severity, message, twilioCode } = tollfreePreflightCodes[code];
    (severity === 'problem' ? problems : warnings).push({ field, code, message, twilioCode });
  };
  const d = loose(isObject(draft) ? (draft as Loose) : undefined);
  for (const rule of rules) rule(d, report);
  return { problems, warnings };
}

/** The draft as it may arrive, its fields read as the rules need them (a field of another type is absent). */
function loose(d: Loose) {
  const business = isObject(d?.business) ? d.business : {};
  return {
    businessType: str(business.type),
    businessNames: [str(business.name), str(business.doingBusinessAs)].filter((n): n is string => Boolean(n)),
    registrationNumber: str(business.registrationNumber),
    registrationAuthority: str(business.registrationAuthority),
    useCaseCategories: Array.isArray(d?.useCaseCategories) ? (d.useCaseCategories as unknown[]) : [],
    campaignVerifyToken: str(d?.campaignVerifyToken),
    optInType: isObject(d?.optIn) ? str(d.optIn.type) : undefined,
    additionalInformation: str(d?.additionalInformation),
    useCaseSummary: str(d?.useCaseSummary),
    sample: str(d?.productionMessageSample),
    privacyPolicyUrl: str(d?.privacyPolicyUrl),
  };
}
type Loose = Record<string, unknown> & { business?: Record<string, unknown>; optIn?: Record<string, unknown> } | undefined;
type Draft = ReturnType<typeof loose>;
const isObject = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);

const contentRules = [
  [/crypto|bitcoin/i, 'content_cryptocurrency'],
  [/debt (relief|reduction|consolidation|settlement)|consolidate (your )?debts?|credit repair/i, 'content_debt_reduction'],
  [/debt collection/i, 'content_debt_collection'],
] as const;

/** Each rule checks what the draft has: a rule whose fields are missing finds nothing (the missing field is reported). */
const rules: ((d: Draft, report: (field: string | null, code: TollfreeCode) => void) => void)[] = [
  (d, report) => {
    if (d.businessType && d.businessType !== 'SOLE_PROPRIETOR' && !d.registrationNumber) report('business.registrationNumber', 'registration_number_required');
    if (d.registrationNumber && !d.registrationAuthority) report('business.registrationAuthority', 'registration_authority_required');
  },
  (d, report) => {
    if (d.useCaseCategories.includes('POLITICAL_ELECTION_CAMPAIGNS') && !d.campaignVerifyToken) report('campaignVerifyToken', 'political_campaign_verify');
    if (d.optInType === 'VERBAL' && !d.additionalInformation) report('additionalInformation', 'verbal_opt_in_script');
  },
  (d, report) => {
    const text = `${d.useCaseSummary ?? ''} ${d.sample ?? ''}`;
    for (const [re, code] of contentRules) if (re.test(text)) report(d.sample && re.test(d.sample) ? 'productionMessageSample' : 'useCaseSummary', code);
  },
  (d, report) => {
    if (d.sample === undefined) return;
    const sample = d.sample.toLowerCase();
    if (!d.businessNames.some((n) => sample.includes(n.toLowerCase()))) report('productionMessageSample', 'sample_names_business');
    if (!/\b(stop|unsubscribe|opt.?out)\b/i.test(d.sample) && !d.useCaseCategories.includes('TWO_FACTOR_AUTHENTICATION')) report('productionMessageSample', 'sample_opt_out');
  },
  (d, report) => {
    if (!d.privacyPolicyUrl) report('privacyPolicyUrl', 'privacy_policy');
  },
];
