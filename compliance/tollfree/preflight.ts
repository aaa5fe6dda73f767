import type { TollfreeDraft, TollfreeProblem } from '../../schemas/tollfree/verification';

/**
 * Toll-free verification preflight: the causes of Twilio's documented rejections, found before submission.
 * Problems stop a submission; warnings don't (reviewers look for them, Twilio does not always reject).
 */
export function tollfreePreflight(d: TollfreeDraft): { ok: boolean; problems: TollfreeProblem[]; warnings: TollfreeProblem[] } {
  const problems: TollfreeProblem[] = [];
  const warnings: TollfreeProblem[] = [];
  const problem = (field: string | null, code: string, message: string, twilioCode: number | null = null) => problems.push({ field, code, message, twilioCode });
  const warn = (field: string | null, code: string, message: string) => warnings.push({ field, code, message, twilioCode: null });

  if (d.business.type !== 'SOLE_PROPRIETOR' && !d.business.registrationNumber) {
    problem('business.registrationNumber', 'registration_number_required', 'a business registration number is required for every business type but SOLE_PROPRIETOR (Twilio, since 2026-02-17)');
  }
  if (d.business.registrationNumber && !d.business.registrationAuthority) {
    problem('business.registrationAuthority', 'registration_authority_required', 'say who issued the registration number (EIN for a US business)');
  }
  if (d.useCaseCategories.includes('POLITICAL_ELECTION_CAMPAIGNS') && !d.campaignVerifyToken) {
    problem('campaignVerifyToken', 'political_campaign_verify', 'political election campaigns need a Campaign Verify token', 30501);
  }
  if (d.optIn.type === 'VERBAL' && !d.additionalInformation) {
    problem('additionalInformation', 'verbal_opt_in_script', 'verbal opt-in needs the script read to customers, in additionalInformation', 30511);
  }
  const text = `${d.useCaseSummary} ${d.productionMessageSample}`;
  for (const [re, code, message, twilioCode] of [
    [/crypto|bitcoin/i, 'content_cryptocurrency', 'cryptocurrency is a forbidden toll-free use case', 30464],
    [/debt (relief|reduction|consolidation|settlement)|consolidate (your )?debts?|credit repair/i, 'content_debt_reduction', 'debt reduction, consolidation and credit repair are forbidden toll-free use cases', 30466],
    [/debt collection/i, 'content_debt_collection', 'third-party debt collection is a forbidden toll-free use case', 30460],
  ] as const) {
    if (re.test(text)) problem(re.test(d.productionMessageSample) ? 'productionMessageSample' : 'useCaseSummary', code, message, twilioCode);
  }

  const names = [d.business.name, d.business.doingBusinessAs].filter((n): n is string => Boolean(n)).map((n) => n.toLowerCase());
  if (!names.some((n) => d.productionMessageSample.toLowerCase().includes(n))) {
    warn('productionMessageSample', 'sample_names_business', 'reviewers expect the sample to name the business sending it');
  }
  if (!/\b(stop|unsubscribe|opt.?out)\b/i.test(d.productionMessageSample) && !d.useCaseCategories.includes('TWO_FACTOR_AUTHENTICATION')) {
    warn('productionMessageSample', 'sample_opt_out', 'reviewers expect opt-out language (e.g. "Reply STOP to opt out") in the sample');
  }
  if (!d.privacyPolicyUrl) warn('privacyPolicyUrl', 'privacy_policy', 'a privacy policy saying mobile numbers are not shared helps the review');
  return { ok: problems.length === 0, problems, warnings };
}
