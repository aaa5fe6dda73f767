import { RegistrationDraft, type PreflightProblem, type PreflightResult } from '../schemas/a2p';
import { estimateCost, type A2pFees } from './fees';

/**
 * Preflight: every reason a registration draft would fail or be rejected by TCR, found before any
 * fee is spent — structural problems (the zod schema) and the common rejection causes (rules below).
 * Touches nothing outside this process.
 */
export function preflight(input: unknown, fees: A2pFees): PreflightResult {
  const problems: PreflightProblem[] = [];
  const warnings: PreflightProblem[] = [];
  const parsed = RegistrationDraft.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ field: issue.path.join('.') || '(draft)', code: `invalid_${issue.code}`, message: issue.message });
    }
  }
  // Rules read the raw draft defensively, so one bad field doesn't hide the others' problems.
  const d = (parsed.success ? parsed.data : input) as Loose;
  for (const rule of rules) rule(d ?? {}, { problem: (p) => problems.push(p), warn: (p) => warnings.push(p) });
  return { ok: problems.length === 0, problems, warnings, cost: estimateCost(parsed.success ? parsed.data : {}, fees) };
}

// The draft as it may arrive: any field may be missing or of the wrong type.
type Loose = {
  brandType?: unknown;
  profile?: { friendlyName?: unknown; email?: unknown };
  business?: { name?: unknown; type?: unknown; industry?: unknown; registrationIdentifier?: unknown; registrationNumber?: unknown; websiteUrl?: unknown };
  company?: { type?: unknown; stockExchange?: unknown; stockTicker?: unknown; brandContactEmail?: unknown };
  address?: { isoCountry?: unknown };
  authorizedRepresentatives?: unknown;
  campaign?: {
    usecase?: unknown; description?: unknown; messageFlow?: unknown; messageSamples?: unknown;
    hasEmbeddedLinks?: unknown; hasEmbeddedPhone?: unknown; optInMessage?: unknown; optOutMessage?: unknown; helpMessage?: unknown;
    optInKeywords?: unknown; optOutKeywords?: unknown; helpKeywords?: unknown; privacyPolicyUrl?: unknown; termsAndConditionsUrl?: unknown;
  };
  phoneNumbers?: unknown;
};
type Report = { problem(p: PreflightProblem): void; warn(p: PreflightProblem): void };
type Rule = (d: Loose, r: Report) => void;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Free-mail domains: Twilio refuses them as a brand contact where Authentication+ applies (21740). */
const freeMail = new Set(['gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com', 'aol.com', 'icloud.com', 'me.com', 'msn.com', 'protonmail.com', 'proton.me', 'gmx.com', 'mail.com', 'yandex.com', 'zoho.com']);
const isFreeMail = (email: string) => freeMail.has(email.split('@')[1]?.toLowerCase() ?? '');

/** Post-approval use cases need a carrier review an ISV flow can't request. */
const postApprovalUsecases = new Set(['AGENTS_FRANCHISES', 'EMERGENCY', 'K12_EDUCATION', 'PROXY', 'SOCIAL', 'SWEEPSTAKE']);

const consentWords = /\b(opt[- ]?in|opts in|consent|agree[sd]?|check(ed)?[- ]?box|sign(s|ed)?[- ]?up|subscribe[sd]?|text(s|ing)? [A-Z]{2,} to|keyword|web ?form|verbal(ly)?|enroll)/i;
const optOutWords = /\b(STOP|opt[- ]?out|unsubscribe)\b/i;
const urlPattern = /(https?:\/\/\S+|www\.\S+|\b[a-z0-9-]+\.(com|net|org|io|co|us|ly|app|info|biz)\b)/i;
const phonePattern = /(\+?1[\s.-]?)?\(?\b\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b/;
const placeholderStyles: [string, RegExp][] = [
  ['{{name}}', /\{\{[^{}]+\}\}/],
  ['{name}', /(?<!\{)\{[^{}]+\}(?!\})/],
  ['[name]', /\[[^[\]]+\]/],
  ['<name>', /<[^<>]+>/],
];

/** The brand as subscribers see it: legal name without its suffix, and the profile's name. */
function brandNames(d: Loose): string[] {
  const names = [str(d.business?.name), str(d.profile?.friendlyName)].filter((n): n is string => Boolean(n));
  const stripped = names.map((n) => n.replace(/[,.]?\s+(inc|llc|l\.l\.c|ltd|corp|corporation|co|company|plc|gmbh)\.?$/i, '').trim());
  return [...new Set([...names, ...stripped])].filter((n) => n.length >= 2).map((n) => n.toLowerCase());
}

function checkUrl(field: string, value: unknown, r: Report) {
  const url = str(value);
  if (!url) return;
  try {
    const host = new URL(url).hostname;
    if (/^(localhost|127\.|10\.|192\.168\.|0\.)/.test(host) || /^\d+\.\d+\.\d+\.\d+$/.test(host) || /(^|\.)example\.(com|org|net)$/.test(host)) {
      r.problem({ field, code: 'url_not_public', message: 'must be the business’s public website, not a local, IP or example address' });
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
      r.problem({ field: 'business.type', code: 'sole_proprietor_not_supported', message: 'sole proprietors without an EIN register as Sole Proprietor brands, which this flow does not cover' });
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
    if (str(d.address?.isoCountry) && !['US', 'CA'].includes(str(d.address?.isoCountry)!)) {
      r.warn({ field: 'address.isoCountry', code: 'non_us_address', message: 'non-US/CA brands face extra review' });
    }
  },
  function urls(d, r) {
    checkUrl('business.websiteUrl', d.business?.websiteUrl, r);
    checkUrl('campaign.privacyPolicyUrl', d.campaign?.privacyPolicyUrl, r);
    checkUrl('campaign.termsAndConditionsUrl', d.campaign?.termsAndConditionsUrl, r);
    if (!d.campaign?.privacyPolicyUrl) r.warn({ field: 'campaign.privacyPolicyUrl', code: 'privacy_policy_missing', message: 'a privacy policy that covers SMS makes approval much likelier' });
  },
  function usecase(d, r) {
    const u = str(d.campaign?.usecase);
    if (!u) return;
    if (u === 'SOLE_PROPRIETOR') r.problem({ field: 'campaign.usecase', code: 'usecase_not_for_brand', message: 'SOLE_PROPRIETOR is only for Sole Proprietor brands' });
    else if (postApprovalUsecases.has(u)) r.problem({ field: 'campaign.usecase', code: 'usecase_post_approval', message: `${u} needs carrier post-approval that an ISV registration can't obtain` });
    else if (u === 'POLITICAL') r.problem({ field: 'campaign.usecase', code: 'usecase_needs_vetting', message: 'POLITICAL needs a Campaign Verify token, which this flow does not collect' });
  },
  function consent(d, r) {
    const flow = str(d.campaign?.messageFlow);
    if (flow && !consentWords.test(flow)) {
      r.problem({ field: 'campaign.messageFlow', code: 'message_flow_no_consent', message: 'describe how subscribers opt in (where, what they agree to, e.g. an unchecked web-form box or texting a keyword)' });
    }
  },
  function samples(d, r) {
    const samples = strings(d.campaign?.messageSamples);
    if (samples.length === 0) return;
    const names = brandNames(d);
    samples.forEach((s, i) => {
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
    const hasLink = samples.some((s) => urlPattern.test(s));
    if (typeof d.campaign?.hasEmbeddedLinks === 'boolean' && d.campaign.hasEmbeddedLinks !== hasLink) {
      r.problem({ field: 'campaign.hasEmbeddedLinks', code: 'embedded_links_mismatch', message: hasLink ? 'samples contain a link, so this must be true' : 'no sample contains a link, so this must be false' });
    }
    const hasPhone = samples.some((s) => phonePattern.test(s));
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
  function numbers(d, r) {
    if (Array.isArray(d.phoneNumbers) && d.phoneNumbers.length > 49) {
      r.problem({ field: 'phoneNumbers', code: 'campaign_number_cap', message: 'T-Mobile allows 49 numbers per campaign, and ISVs cannot get the number-pool exception' });
    }
  },
];
