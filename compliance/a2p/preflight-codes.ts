import { contentCategories } from './content';

/**
 * Every code preflight reports, with what it means. The A2P guide's table (docs/products/a2p.md) is checked
 * against this list, docs/reference/preflight-codes.md is generated from it, and a test fails when preflight
 * can report a code that is not here, so every code is documented.
 */
export const preflightCodes: Record<string, string> = {
  // The draft's shape
  required: 'The field is missing.',
  wrong_type: 'The field has the wrong kind of value (text where a list is expected, …).',
  too_short: 'Text shorter than the minimum (the message gives it).',
  too_long: 'Text longer than the maximum.',
  too_few: 'A list with fewer items than the minimum (e.g. two message samples).',
  too_many: 'A list with more items than the maximum.',
  not_allowed: 'Not one of the allowed values (the message lists them).',
  invalid_format: 'Not a valid e-mail address, URL, E.164 number or the like.',
  unknown_field: 'A field the draft does not have (a typo, or a field of another brand type).',
  invalid: 'Any other invalid value; the message says why.',
  // Identity and company
  ein_format: 'An EIN is nine digits, 12-3456789.',
  sole_proprietor_not_supported: 'A sole proprietorship without an EIN registers as a Sole Proprietor brand (brandType sole_proprietor).',
  // Sole Proprietor brands
  sole_proprietor_tax_id: 'A Sole Proprietor has no tax ID: a draft that carries one (EIN or Canadian Business Number, which every US LLC has) registers a standard or low-volume standard brand.',
  sole_proprietor_country: 'Sole Proprietor brands are only for the US and Canada (the address, and the OTP mobile).',
  sole_proprietor_usecase: 'A Sole Proprietor brand has one campaign, of use case SOLE_PROPRIETOR.',
  sole_proprietor_one_number: 'Twilio allows one number per Sole Proprietor campaign.',
  sole_proprietor_otp: 'Warning: once the brand is approved, Twilio texts a one-time password to the owner’s mobile, who must reply YES within 24 hours (it can be resent).',
  public_needs_exchange: 'A public company must name its stock exchange.',
  public_needs_ticker: 'A public company must give its ticker.',
  exchange_for_non_public: 'Warning: only public companies list an exchange.',
  non_profit_business_type: 'A non-profit registers with business type "Non-profit Corporation".',
  government_industry: 'Warning: government entities use industry GOVERNMENT.',
  free_mail_contact: 'The brand contact is on a free-mail domain: refused for public companies (Authentication+, 21740), a warning otherwise.',
  auth_plus_inbox: 'Warning: a public company passes Authentication+ by an e-mail to the brand contact, which someone must answer.',
  auth_plus_domain_mismatch: 'Warning: the brand contact of a public company is not at the company’s own domain; Authentication+ may fail.',
  non_us_address: 'Warning: brands outside the US and Canada face extra review.',
  // URLs and e-mail addresses
  reserved_domain: 'example.com, .test, .invalid, .example, localhost and other reserved or internal names, in any URL or e-mail field.',
  url_not_public: 'A private or bare IP address where the public website belongs.',
  url_not_https: 'Warning: reviewers expect https.',
  privacy_policy_missing: 'Warning: a privacy policy that covers SMS makes approval likelier.',
  // Campaign
  usecase_not_for_brand: 'SOLE_PROPRIETOR is only for Sole Proprietor brands.',
  usecase_post_approval: 'The use case needs a carrier post-approval an ISV registration cannot get.',
  campaign_verify_token_required: 'A POLITICAL campaign needs its Campaign Verify token.',
  campaign_verify_token_not_political: 'A Campaign Verify token belongs to a POLITICAL campaign only.',
  message_flow_no_consent: 'The message flow does not say how subscribers consent.',
  sample_missing_brand: 'A sample does not name the brand by its legal name or DBA (an internal label does not count).',
  placeholder_unbalanced: 'A placeholder bracket is not closed.',
  placeholder_style_mixed: 'The samples mix placeholder styles.',
  samples_no_opt_out: 'No sample says how to opt out.',
  public_url_shortener: 'A sample uses a public link shortener (bit.ly, tinyurl.com, …), which carriers filter.',
  embedded_links_mismatch: 'hasEmbeddedLinks disagrees with the samples (links in any form count; e-mail addresses do not).',
  embedded_phone_mismatch: 'hasEmbeddedPhone disagrees with the samples (numbers in any common format count, compact E.164 included).',
  opt_out_keywords_stop: 'Opt-out keywords must include STOP.',
  help_keywords_help: 'Help keywords must include HELP.',
  opt_in_message_missing: 'Opt-in keywords need an opt-in confirmation.',
  opt_in_message_no_opt_out: 'The opt-in confirmation must say how to opt out.',
  message_missing_brand: 'Warning: the opt-in, opt-out or help message does not name the brand.',
  advanced_opt_out_requires: 'With optOutHandling "advanced" (your own opt-out handling), the opt-out and help keywords and messages are required.',
  content_needs_age_gate: 'Alcohol, firearms or tobacco in the description or samples: set campaign.ageGated and verify age at opt-in.',
  content_direct_lending: 'Warning: lending content from a declared direct lender.',
  campaign_number_cap: 'More than 49 numbers for one campaign.',
  ...Object.fromEntries(
    contentCategories.filter((c) => c.verdict !== 'age_gated').map((c) => [`content_${c.code}`, `${c.verdict === 'restricted' ? 'Warning: ' : ''}${c.label[0]!.toUpperCase()}${c.label.slice(1)} in the description or samples: ${c.why}.`]),
  ),
};
