import type { TollfreeDraft, TollfreeProblem } from '../../schemas/tollfree/verification';

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
 */
export function tollfreePreflight(d: TollfreeDraft): { ok: boolean; problems: TollfreeProblem[]; warnings: TollfreeProblem[] } {
  const problems: TollfreeProblem[] = [];
  const warnings: TollfreeProblem[] = [];
  const report = (field: string | null, code: TollfreeCode) => {
    const { severity, message, twilioCode } = tollfreePreflightCodes[code];
    (severity === 'problem' ? problems : warnings).push({ field, code, message, twilioCode });
  };

  if (d.business.type !== 'SOLE_PROPRIETOR' && !d.business.registrationNumber) {
    report('business.registrationNumber', 'registration_number_required');
  }
  if (d.business.registrationNumber && !d.business.registrationAuthority) {
    report('business.registrationAuthority', 'registration_authority_required');
  }
  if (d.useCaseCategories.includes('POLITICAL_ELECTION_CAMPAIGNS') && !d.campaignVerifyToken) {
    report('campaignVerifyToken', 'political_campaign_verify');
  }
  if (d.optIn.type === 'VERBAL' && !d.additionalInformation) {
    report('additionalInformation', 'verbal_opt_in_script');
  }
  const text = `${d.useCaseSummary} ${d.productionMessageSample}`;
  for (const [re, code] of [
    [/crypto|bitcoin/i, 'content_cryptocurrency'],
    [/debt (relief|reduction|consolidation|settlement)|consolidate (your )?debts?|credit repair/i, 'content_debt_reduction'],
    [/debt collection/i, 'content_debt_collection'],
  ] as const) {
    if (re.test(text)) report(re.test(d.productionMessageSample) ? 'productionMessageSample' : 'useCaseSummary', code);
  }

  const names = [d.business.name, d.business.doingBusinessAs].filter((n): n is string => Boolean(n)).map((n) => n.toLowerCase());
  if (!names.some((n) => d.productionMessageSample.toLowerCase().includes(n))) {
    report('productionMessageSample', 'sample_names_business');
  }
  if (!/\b(stop|unsubscribe|opt.?out)\b/i.test(d.productionMessageSample) && !d.useCaseCategories.includes('TWO_FACTOR_AUTHENTICATION')) {
    report('productionMessageSample', 'sample_opt_out');
  }
  if (!d.privacyPolicyUrl) report('privacyPolicyUrl', 'privacy_policy');
  return { ok: problems.length === 0, problems, warnings };
}
