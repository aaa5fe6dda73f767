import type { z } from 'zod';
import { RegistrationDraft, RegistrationDraftFields, type PreflightProblem, type PreflightResult } from '../../schemas/a2p/registration';
import { containsLink, containsPhoneNumber, contentIn, isReservedHost, publicShortenerIn } from './content';
import { schemaProblems, withinBounds } from '../kit/draft-problems';
import { estimateCost } from './fees';
import type { A2pFees } from '../platform/prices';

/**
 * Preflight: every reason a registration draft would fail or be rejected by TCR, found before any
 * fee is spent — structural problems (the zod schema) and the common rejection causes (rules below).
 * Touches nothing outside this process.
 */
export function preflight(input: unknown, fees: A2pFees): PreflightResult {
  const problems: PreflightProblem[] = [];
  const warnings: PreflightProblem[] = [];
  const parsed = RegistrationDraft.safeParse(input);
  const soleProprietor = (input as { brandType?: unknown } | null)?.brandType === 'sole_proprietor';
  const issues = parsed.success ? [] : [...parsed.error.issues];
  if (issues.some((i) => i.code === 'invalid_union' && i.path.join('.') === 'brandType')) {
    // An unknown brand type: the rest is still checked, as a standard draft, so one bad field doesn't hide the others.
    const asStandard = RegistrationDraftFields.safeParse(input);
    if (!asStandard.success) issues.push(...asStandard.error.issues.filter((i) => i.path[0] !== 'brandType'));
  }
  for (const issue of issues) problems.push(...((soleProprietor && soleProprietorLimit(issue)) || schemaProblems(issue, input)));
  // Rules read the raw draft defensively, so one bad field doesn't hide the others' problems; but never a
  // value over its length or item limit: that is reported above, and no rule's work grows with it.
  const d = (parsed.success ? parsed.data : withinBounds(input, issues)) as Loose;
  const rulesFound = checkRules(d ?? {});
  problems.push(...rulesFound.problems);
  warnings.push(...rulesFound.warnings);
  return { ok: problems.length === 0, problems, warnings, cost: estimateCost(parsed.success ? parsed.data : costInputsOf(d ?? {}), fees) };
}

/**
 * What the fees depend on, read from a draft still being filled in: the wizard shows a Sole Proprietor's or a
 * low-volume brand's own fees from the brand step on, not a standard brand's until every field is valid.
 */
function costInputsOf(d: Loose & { phoneNumbers?: unknown }): Partial<RegistrationDraft> {
  const brandType = (['standard', 'low_volume_standard', 'sole_proprietor'] as const).find((t) => t === d.brandType);
  const companyType = d.company?.type === 'public' ? 'public' : undefined;
  return {
    ...(brandType ? { brandType } : {}),
    ...(companyType ? { company: { type: companyType } } : {}),
    ...(typeof d.campaign?.usecase === 'string' ? { campaign: { usecase: d.campaign.usecase } } : {}),
    ...(Array.isArray(d.phoneNumbers) ? { phoneNumbers: d.phoneNumbers.filter((n) => typeof n === 'string') } : {}),
  } as Partial<RegistrationDraft>;
}

/** TCR's common rejection causes in a draft (read defensively: any field may be missing or of another type). */
export function checkRules(d: Loose): { problems: PreflightProblem[]; warnings: PreflightProblem[] } {
  const problems: PreflightProblem[] = [];
  const warnings: PreflightProblem[] = [];
  for (const rule of rules) rule(d, { problem: (p) => problems.push(p), warn: (p) => warnings.push(p) });
  return { problems, warnings };
}

/** Sole Proprietor limits the schema enforces by field, said as the limit they are rather than as a bad value. */
const soleProprietorLimits: Record<string, PreflightProblem> = {
  'business.registrationNumber': { field: 'business.registrationNumber', code: 'sole_proprietor_tax_id', message: 'a Sole Proprietor has no tax ID: a business with an EIN or Canadian Business Number (every US LLC has one) registers a standard or low-volume standard brand' },
  'business.registrationIdentifier': { field: 'business.registrationIdentifier', code: 'sole_proprietor_tax_id', message: 'a Sole Proprietor has no tax ID, so no registration identifier' },
  'address.isoCountry': { field: 'address.isoCountry', code: 'sole_proprietor_country', message: 'Sole Proprietor brands are only for the US and Canada (US or CA)' },
  'campaign.usecase': { field: 'campaign.usecase', code: 'sole_proprietor_usecase', message: 'a Sole Proprietor brand has one campaign, of use case SOLE_PROPRIETOR' },
  phoneNumbers: { field: 'phoneNumbers', code: 'sole_proprietor_one_number', message: 'Twilio allows one number per Sole Proprietor campaign' },
};
function soleProprietorLimit(issue: z.core.$ZodIssue): PreflightProblem[] | null {
  const limit = soleProprietorLimits[issue.path.map(String).join('.')];
  // A missing field is still just `required`.
  return limit && !(issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) ? [limit] : null;
}

// The draft as it may arrive: any field may be missing or of the wrong type.
export type Loose = {
  brandType?: unknown;
  profile?: { friendlyName?: unknown; email?: unknown };
  soleProprietor?: { mobilePhoneNumber?: unknown };
  business?: { name?: unknown; tradeName?: unknown; type?: unknown; industry?: unknown; registrationIdentifier?: unknown; registrationNumber?: unknown; websiteUrl?: unknown; socialMediaProfileUrls?: unknown };
  company?: { type?: unknown; stockExchange?: unknown; stockTicker?: unknown; brandContactEmail?: unknown };
  address?: { isoCountry?: unknown };
  authorizedRepresentatives?: unknown;
  campaign?: {
    usecase?: unknown; description?: unknown; messageFlow?: unknown; messageSamples?: unknown;
    hasEmbeddedLinks?: unknown; hasEmbeddedPhone?: unknown; optInMessage?: unknown; optOutMessage?: unknown; helpMessage?: unknown;
    optInKeywords?: unknown; optOutKeywords?: unknown; helpKeywords?: unknown; privacyPolicyUrl?: unknown; termsAndConditionsUrl?: unknown;
    optOutHandling?: unknown; ageGated?: unknown; directLending?: unknown; campaignVerifyToken?: unknown;
  };
  phoneNumbers?: unknown;
};
type Report = { problem(p: PreflightProblem): void; warn(p: PreflightProblem): void };
type Rule = (d: Loose, r: Report) => void;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
/** The strings of a list with their index in it, so a field path names the right item when others were left out. */
const indexedStrings = (v: unknown): [string, number][] =>
  Array.isArray(v) ? v.flatMap((x, i): [string, number][] => (typeof x === 'string' ? [[x, i]] : [])) : [];

/** Free-mail domains: Twilio refuses them as a brand contact where Authentication+ applies (21740). */
const freeMail = new Set(['gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com', 'aol.com', 'icloud.com', 'me.com', 'msn.com', 'protonmail.com', 'proton.me', 'gmx.com', 'mail.com', 'yandex.com', 'zoho.com']);
const isFreeMail = (email: string) => freeMail.has(email.split('@')[1]?.toLowerCase() ?? '');

/** Post-approval use cases need a carrier review an ISV flow can't request. */
const postApprovalUsecases = new Set(['AGENTS_FRANCHISES', 'EMERGENCY', 'K12_EDUCATION', 'PROXY', 'SOCIAL', 'SWEEPSTAKE']);

const consentWords = /\b(opt[- ]?in|opts in|consent|agree[sd]?|check(ed)?[- ]?box|sign(s|ed)?[- ]?up|subscribe[sd]?|text(s|ing)? [A-Z]{2,} to|keyword|web ?form|verbal(ly)?|enroll)/i;
const optOutWords = /\b(STOP|opt[- ]?out|unsubscribe)\b/i;
const placeholderStyles: [string, RegExp][] = [
  ['{{name}}', /\{\{[^{}]+\}\}/],
  ['{name}', /(?<!\{)\{[^{}]+\}(?!\})/],
  ['[name]', /\[[^[\]]+\]/],
  ['<name>', /<[^<>]+>/],
];

/**
 * The brand as subscribers may see it: the legal name (with or without its suffix) or the DBA. The profile's
 * friendly name is an internal label, never the brand.
 */
function brandNames(d: Loose): string[] {
  const names = [str(d.business?.name), str(d.business?.tradeName)].filter((n): n is string => Boolean(n));
  // (?<!\s): a run of spaces is tried from its first one only, so a long run costs its length, not its square.
  const stripped = names.map((n) => n.replace(/[,.]?(?<!\s)\s+(inc|llc|l\.l\.c|ltd|corp|corporation|co|company|plc|gmbh)\.?$/i, '').trim());
  return [...new Set([...names, ...stripped])].filter((n) => n.length >= 2).map((n) => n.toLowerCase());
}

function checkUrl(field: string, value: unknown, r: Report) {
  const url = str(value);
  if (!url) return;
  try {
    const host = new URL(url).hostname;
    if (isReservedHost(host)) {
      r.problem({ field, code: 'reserved_domain', message: `${host} is reserved for examples and tests and reaches nobody: use the business’s real address` });
    } else if (/^(127\.|10\.|192\.168\.|0\.)/.test(host) || /^\d+\.\d+\.\d+\.\d+$/.test(host)) {
      r.problem({ field, code: 'url_not_public', message: 'must be the business’s public website, not a private or IP address' });
    } else if (!url.startsWith('https://')) {
      r.warn({ field, code: 'url_not_https', message: 'reviewers expect an https site' });
    }
  } catch {
    /* the schema already reported it */
  }
}

const rules: Rule[] = [
  function identity(d, r) {
    const id = str(d.business?.registrationIdentifier);
    const number = str(d.business?.registrationNumber);
    if (id === 'EIN' && number && !/^\d{2}-?\d{7}$/.test(number)) {
      r.problem({ field: 'business.registrationNumber', code: 'ein_format', message: 'an EIN is 9 digits, e.g. 12-3456789, exactly as the IRS issued it' });
    }
    if (str(d.business?.type) === 'Sole Proprietorship') {
      r.problem({ field: 'business.type', code: 'sole_proprietor_not_supported', message: 'a sole proprietor without an EIN registers a Sole Proprietor brand: set brandType to sole_proprietor' });
    }
  },
  function soleProprietor(d, r) {
    if (d.brandType !== 'sole_proprietor') return;
    const mobile = str(d.soleProprietor?.mobilePhoneNumber);
    if (mobile && !mobile.startsWith('+1')) {
      r.problem({ field: 'soleProprietor.mobilePhoneNumber', code: 'sole_proprietor_country', message: 'the one-time password goes to a US or Canadian mobile (+1…)' });
    } else if (mobile) {
      r.warn({ field: 'soleProprietor.mobilePhoneNumber', code: 'sole_proprietor_otp', message: `once the brand is approved, Twilio texts a one-time password to ${mobile}: the owner must reply YES within 24 hours (a mobile can back at most 3 Sole Proprietor brands, across all providers)` });
    }
  },
  function publicCompany(d, r) {
    const type = str(d.company?.type);
    const exchange = str(d.company?.stockExchange);
    if (type === 'public') {
      if (!exchange || exchange === 'NONE') r.problem({ field: 'company.stockExchange', code: 'public_needs_exchange', message: 'a public company must name its stock exchange' });
      if (!str(d.company?.stockTicker)) r.problem({ field: 'company.stockTicker', code: 'public_needs_ticker', message: 'a public company must give its stock ticker' });
    } else if (exchange && exchange !== 'NONE') {
      r.warn({ field: 'company.stockExchange', code: 'exchange_for_non_public', message: 'only public companies list a stock exchange' });
    }
    if (type === 'non-profit' && str(d.business?.type) !== 'Non-profit Corporation') {
      r.problem({ field: 'business.type', code: 'non_profit_business_type', message: 'a non-profit registers with business type "Non-profit Corporation"' });
    }
    if (type === 'government' && str(d.business?.industry) !== 'GOVERNMENT') {
      r.warn({ field: 'business.industry', code: 'government_industry', message: 'government entities use industry GOVERNMENT' });
    }
  },
  function contactEmail(d, r) {
    const email = str(d.company?.brandContactEmail);
    if (email && isFreeMail(email)) {
      const p = { field: 'company.brandContactEmail', code: 'free_mail_contact', message: `use an address on the business’s own domain, not ${email.split('@')[1]}` };
      if (str(d.company?.type) === 'public') r.problem({ ...p, message: `${p.message} (Twilio rejects free-mail domains for Authentication+, error 21740)` });
      else r.warn(p);
    }
    // Public companies pass Authentication+: an e-mail to this address that someone must answer in time.
    const website = str(d.business?.websiteUrl);
    if (str(d.company?.type) === 'public' && email && website && !isFreeMail(email)) {
      const mailDomain = email.split('@')[1]?.toLowerCase() ?? '';
      let siteDomain = '';
      try {
        siteDomain = new URL(website).hostname.toLowerCase().replace(/^www\./, '');
      } catch {
        /* the schema reports a bad URL */
      }
      const sameCompany = siteDomain && (mailDomain === siteDomain || mailDomain.endsWith(`.${siteDomain}`) || siteDomain.endsWith(`.${mailDomain}`));
      r.warn({
        field: 'company.brandContactEmail',
        code: sameCompany ? 'auth_plus_inbox' : 'auth_plus_domain_mismatch',
        message: sameCompany
          ? 'public companies pass Authentication+: Twilio e-mails this address and the brand waits until someone there confirms, so it must be a monitored inbox'
          : `public companies pass Authentication+ by e-mail: use a monitored inbox at the company’s own domain (${siteDomain}), not ${mailDomain}`,
      });
    }
    if (str(d.address?.isoCountry) && !['US', 'CA'].includes(str(d.address?.isoCountry)!)) {
      r.warn({ field: 'address.isoCountry', code: 'non_us_address', message: 'non-US/CA brands face extra review' });
    }
  },
  function urls(d, r) {
    checkUrl('business.websiteUrl', d.business?.websiteUrl, r);
    indexedStrings(d.business?.socialMediaProfileUrls).forEach(([u, i]) => checkUrl(`business.socialMediaProfileUrls.${i}`, u, r));
    const emails: [string, unknown][] = [
      ['profile.email', d.profile?.email],
      ['company.brandContactEmail', d.company?.brandContactEmail],
      ...(Array.isArray(d.authorizedRepresentatives) ? d.authorizedRepresentatives : []).map((rep, i): [string, unknown] => [`authorizedRepresentatives.${i}.email`, (rep as { email?: unknown })?.email]),
    ];
    for (const [field, email] of emails) {
      const domain = str(email)?.split('@')[1];
      if (domain && isReservedHost(domain)) r.problem({ field, code: 'reserved_domain', message: `${domain} is reserved for examples and tests: no one reads this inbox` });
    }
    checkUrl('campaign.privacyPolicyUrl', d.campaign?.privacyPolicyUrl, r);
    checkUrl('campaign.termsAndConditionsUrl', d.campaign?.termsAndConditionsUrl, r);
    if (!d.campaign?.privacyPolicyUrl) r.warn({ field: 'campaign.privacyPolicyUrl', code: 'privacy_policy_missing', message: 'a privacy policy that covers SMS makes approval much likelier' });
  },
  function usecase(d, r) {
    const u = str(d.campaign?.usecase);
    if (!u) return;
    if (u === 'SOLE_PROPRIETOR' && d.brandType !== 'sole_proprietor') r.problem({ field: 'campaign.usecase', code: 'usecase_not_for_brand', message: 'SOLE_PROPRIETOR is only for Sole Proprietor brands' });
    else if (postApprovalUsecases.has(u)) r.problem({ field: 'campaign.usecase', code: 'usecase_post_approval', message: `${u} needs carrier post-approval that an ISV registration can't obtain` });
    else if (u === 'POLITICAL' && !str(d.campaign?.campaignVerifyToken)) {
      r.problem({ field: 'campaign.campaignVerifyToken', code: 'campaign_verify_token_required', message: 'a POLITICAL campaign needs the 10DLC Campaign Verify token from campaignverify.org' });
    }
    if (u && u !== 'POLITICAL' && str(d.campaign?.campaignVerifyToken)) {
      r.problem({ field: 'campaign.campaignVerifyToken', code: 'campaign_verify_token_not_political', message: 'a Campaign Verify token is only for POLITICAL campaigns' });
    }
  },
  function consent(d, r) {
    const flow = str(d.campaign?.messageFlow);
    if (flow && !consentWords.test(flow)) {
      r.problem({ field: 'campaign.messageFlow', code: 'message_flow_no_consent', message: 'describe how subscribers opt in (where, what they agree to, e.g. an unchecked web-form box or texting a keyword)' });
    }
  },
  function samples(d, r) {
    const indexed = indexedStrings(d.campaign?.messageSamples);
    const samples = indexed.map(([s]) => s);
    if (samples.length === 0) return;
    const names = brandNames(d);
    indexed.forEach(([s, i]) => {
      if (names.length && !names.some((n) => s.toLowerCase().includes(n))) {
        r.problem({ field: `campaign.messageSamples.${i}`, code: 'sample_missing_brand', message: 'each sample must name the brand so subscribers know who is texting' });
      }
      const opens = (s.match(/[[{<]/g) ?? []).length;
      const closes = (s.match(/[\]}>]/g) ?? []).length;
      if (opens !== closes) r.problem({ field: `campaign.messageSamples.${i}`, code: 'placeholder_unbalanced', message: 'a placeholder bracket is not closed' });
    });
    const styles = new Set(placeholderStyles.filter(([, re]) => samples.some((s) => re.test(s))).map(([name]) => name));
    if (styles.size > 1) {
      r.problem({ field: 'campaign.messageSamples', code: 'placeholder_style_mixed', message: `use one placeholder style throughout, not ${[...styles].join(' and ')}` });
    }
    if (!samples.some((s) => optOutWords.test(s))) {
      r.problem({ field: 'campaign.messageSamples', code: 'samples_no_opt_out', message: 'at least one sample must say how to opt out, e.g. "Reply STOP to unsubscribe"' });
    }
    indexed.forEach(([s, i]) => {
      const shortener = publicShortenerIn(s);
      if (shortener) r.problem({ field: `campaign.messageSamples.${i}`, code: 'public_url_shortener', message: `${shortener} is a public link shortener, which carriers filter: use the full link or a short domain of the brand’s own` });
    });
    const hasLink = samples.some(containsLink);
    if (typeof d.campaign?.hasEmbeddedLinks === 'boolean' && d.campaign.hasEmbeddedLinks !== hasLink) {
      r.problem({ field: 'campaign.hasEmbeddedLinks', code: 'embedded_links_mismatch', message: hasLink ? 'samples contain a link, so this must be true' : 'no sample contains a link, so this must be false' });
    }
    const hasPhone = samples.some(containsPhoneNumber);
    if (typeof d.campaign?.hasEmbeddedPhone === 'boolean' && d.campaign.hasEmbeddedPhone !== hasPhone) {
      r.problem({ field: 'campaign.hasEmbeddedPhone', code: 'embedded_phone_mismatch', message: hasPhone ? 'samples contain a phone number, so this must be true' : 'no sample contains a phone number, so this must be false' });
    }
  },
  function keywords(d, r) {
    const c = d.campaign ?? {};
    const upper = (v: unknown) => strings(v).map((k) => k.toUpperCase());
    if (Array.isArray(c.optOutKeywords) && !upper(c.optOutKeywords).includes('STOP')) {
      r.problem({ field: 'campaign.optOutKeywords', code: 'opt_out_keywords_stop', message: 'opt-out keywords must include STOP' });
    }
    if (Array.isArray(c.helpKeywords) && !upper(c.helpKeywords).includes('HELP')) {
      r.problem({ field: 'campaign.helpKeywords', code: 'help_keywords_help', message: 'help keywords must include HELP' });
    }
    if (strings(c.optInKeywords).length > 0 && !str(c.optInMessage)) {
      r.problem({ field: 'campaign.optInMessage', code: 'opt_in_message_missing', message: 'opt-in keywords need the message subscribers get when they opt in' });
    }
    const optIn = str(c.optInMessage);
    if (optIn && !optOutWords.test(optIn)) {
      r.problem({ field: 'campaign.optInMessage', code: 'opt_in_message_no_opt_out', message: 'the opt-in confirmation must say how to opt out (e.g. "Reply STOP to cancel")' });
    }
    const names = brandNames(d);
    for (const field of ['optInMessage', 'optOutMessage', 'helpMessage'] as const) {
      const m = str(c[field]);
      if (m && names.length && !names.some((n) => m.toLowerCase().includes(n))) {
        r.warn({ field: `campaign.${field}`, code: 'message_missing_brand', message: 'name the brand in this message' });
      }
    }
  },
  function optOutHandling(d, r) {
    const c = d.campaign ?? {};
    if (str(c.optOutHandling) !== 'advanced') return; // Twilio's defaults answer STOP and HELP; the fields are optional
    const needed: [string, unknown, string][] = [
      ['optOutKeywords', c.optOutKeywords, 'the keywords that opt a subscriber out (at least STOP)'],
      ['optOutMessage', c.optOutMessage, 'the reply a subscriber gets after opting out'],
      ['helpKeywords', c.helpKeywords, 'the keywords that ask for help (at least HELP)'],
      ['helpMessage', c.helpMessage, 'the reply to HELP: who is texting and how to reach them'],
    ];
    for (const [key, value, what] of needed) {
      if (Array.isArray(value) ? value.length === 0 : !str(value)) {
        r.problem({ field: `campaign.${key}`, code: 'advanced_opt_out_requires', message: `required when you manage opt-outs yourself (optOutHandling "advanced"): ${what}` });
      }
    }
  },
  function content(d, r) {
    const c = d.campaign ?? {};
    const texts: [string, string][] = [
      ['campaign.description', str(c.description) ?? ''],
      ...indexedStrings(c.messageSamples).map(([t, i]): [string, string] => [`campaign.messageSamples.${i}`, t]),
    ];
    for (const [field, text] of texts) {
      for (const cat of contentIn(text)) {
        const message = `mentions ${cat.label}: ${cat.why}`;
        if (cat.code === 'third_party_lending' && c.directLending === true) r.warn({ field, code: 'content_direct_lending', message: `${message}; as a direct lender, say so in the description and keep offers to your own products` });
        else if (cat.verdict === 'prohibited') r.problem({ field, code: `content_${cat.code}`, message });
        else if (cat.verdict === 'age_gated' && c.ageGated !== true) r.problem({ field, code: 'content_needs_age_gate', message: `${message}: set campaign.ageGated to true and verify age at opt-in` });
        else if (cat.verdict === 'restricted') r.warn({ field, code: `content_${cat.code}`, message });
      }
    }
  },
  function numbers(d, r) {
    if (Array.isArray(d.phoneNumbers) && d.phoneNumbers.length > 49) {
      r.problem({ field: 'phoneNumbers', code: 'campaign_number_cap', message: 'T-Mobile allows 49 numbers per campaign, and ISVs cannot get the number-pool exception' });
    }
  },
];
