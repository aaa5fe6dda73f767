/** The wizard's fields by registration-draft path (the paths preflight's problems name), and how a flat form becomes a draft. */
export interface FieldDef {
  path: string;
  label: string;
  kind?: 'text' | 'email' | 'url' | 'tel' | 'textarea' | 'select' | 'list' | 'checkbox';
  options?: readonly string[];
  hint?: string;
  optional?: boolean;
}

const BUSINESS_TYPES = ['Sole Proprietorship', 'Partnership', 'Limited Liability Corporation', 'Co-operative', 'Non-profit Corporation', 'Corporation'];
const INDUSTRIES = [
  'AGRICULTURE', 'AUTOMOTIVE', 'BANKING', 'CONSTRUCTION', 'CONSUMER', 'EDUCATION', 'ENGINEERING', 'ENERGY', 'OIL_AND_GAS', 'FAST_MOVING_CONSUMER_GOODS',
  'FINANCIAL', 'FINTECH', 'FOOD_AND_BEVERAGE', 'GOVERNMENT', 'HEALTHCARE', 'HOSPITALITY', 'INSURANCE', 'LEGAL', 'MANUFACTURING', 'MEDIA', 'ONLINE',
  'PROFESSIONAL_SERVICES', 'RAW_MATERIALS', 'REAL_ESTATE', 'RELIGION', 'RETAIL', 'JEWELRY', 'TECHNOLOGY', 'TELECOMMUNICATIONS', 'TRANSPORTATION', 'TRAVEL', 'NOT_FOR_PROFIT',
];
const USECASES = [
  '2FA', 'ACCOUNT_NOTIFICATION', 'AGENTS_FRANCHISES', 'CHARITY', 'CUSTOMER_CARE', 'DELIVERY_NOTIFICATION', 'EMERGENCY', 'FRAUD_ALERT', 'HIGHER_EDUCATION',
  'K12_EDUCATION', 'LOW_VOLUME', 'MARKETING', 'MIXED', 'POLITICAL', 'POLLING_VOTING', 'PROXY', 'PUBLIC_SERVICE_ANNOUNCEMENT', 'SECURITY_ALERT', 'SOCIAL', 'SWEEPSTAKE',
];

export const businessFields: FieldDef[] = [
  { path: 'profile.friendlyName', label: 'Profile name', hint: 'How you will recognise this profile in Trust Hub.' },
  { path: 'profile.email', label: 'Compliance email', kind: 'email' },
  { path: 'business.name', label: 'Legal business name', hint: 'Exactly as on the tax registration (IRS CP-575 for an EIN).' },
  { path: 'business.tradeName', label: 'Trade name (DBA)', optional: true, hint: 'If the brand trades under another name; messages may use it.' },
  { path: 'business.type', label: 'Business type', kind: 'select', options: BUSINESS_TYPES },
  { path: 'business.industry', label: 'Industry', kind: 'select', options: INDUSTRIES },
  { path: 'business.registrationIdentifier', label: 'Registration identifier', kind: 'select', options: ['EIN', 'CBN', 'CRN', 'DUNS', 'Other'] },
  { path: 'business.registrationNumber', label: 'Registration number', hint: 'An EIN is nine digits: 12-3456789.' },
  { path: 'business.regionsOfOperation', label: 'Region of operation', kind: 'select', options: ['USA_AND_CANADA', 'EUROPE', 'LATIN_AMERICA', 'ASIA', 'AFRICA'] },
  { path: 'business.websiteUrl', label: 'Website', kind: 'url' },
  { path: 'company.type', label: 'Company type', kind: 'select', options: ['private', 'public', 'non-profit', 'government'] },
  { path: 'company.brandContactEmail', label: 'Brand contact email', kind: 'email', optional: true, hint: 'TCR and Authentication+ write here; the compliance email when empty.' },
  { path: 'address.customerName', label: 'Address name', optional: true, hint: 'The legal business name when empty.' },
  { path: 'address.street', label: 'Street' },
  { path: 'address.city', label: 'City' },
  { path: 'address.region', label: 'State' },
  { path: 'address.postalCode', label: 'Postal code' },
  { path: 'address.isoCountry', label: 'Country', hint: 'Two letters, e.g. US.' },
  { path: 'authorizedRepresentatives.0.firstName', label: 'Representative first name' },
  { path: 'authorizedRepresentatives.0.lastName', label: 'Representative last name' },
  { path: 'authorizedRepresentatives.0.email', label: 'Representative email', kind: 'email' },
  { path: 'authorizedRepresentatives.0.phoneNumber', label: 'Representative phone', kind: 'tel', hint: 'E.164, e.g. +14155550100.' },
  { path: 'authorizedRepresentatives.0.businessTitle', label: 'Representative title' },
  { path: 'authorizedRepresentatives.0.jobPosition', label: 'Representative position', kind: 'select', options: ['Director', 'GM', 'VP', 'CEO', 'CFO', 'General Counsel', 'Other'] },
];

export const brandFields: FieldDef[] = [
  {
    path: 'brandType',
    label: 'Brand type',
    kind: 'select',
    options: ['standard', 'low_volume_standard'],
    hint: 'Standard: secondary vetting for higher throughput. Low-volume standard: no vetting, for up to about 6,000 segments a day.',
  },
];

export const campaignFields: FieldDef[] = [
  { path: 'campaign.usecase', label: 'Use case', kind: 'select', options: USECASES },
  { path: 'campaign.description', label: 'Campaign description', kind: 'textarea', hint: 'Who sends what to whom, and why (40 characters or more).' },
  { path: 'campaign.messageFlow', label: 'How people opt in', kind: 'textarea', hint: 'Where and how consent is collected, with a link to the form.' },
  { path: 'campaign.messageSamples.0', label: 'Sample message 1', kind: 'textarea' },
  { path: 'campaign.messageSamples.1', label: 'Sample message 2', kind: 'textarea' },
  { path: 'campaign.hasEmbeddedLinks', label: 'Messages contain links', kind: 'checkbox' },
  { path: 'campaign.hasEmbeddedPhone', label: 'Messages contain phone numbers', kind: 'checkbox' },
  {
    path: 'campaign.optOutHandling',
    label: 'Opt-out handling',
    kind: 'select',
    options: ['twilio_default', 'advanced'],
    optional: true,
    hint: 'twilio_default: Twilio answers STOP and HELP for you. advanced: you answer them, so the keywords and messages below are required.',
  },
  { path: 'campaign.optInKeywords', label: 'Opt-in keywords', kind: 'list', optional: true, hint: 'Separated by commas, e.g. START.' },
  { path: 'campaign.optInMessage', label: 'Opt-in confirmation message', kind: 'textarea', optional: true },
  { path: 'campaign.optOutKeywords', label: 'Opt-out keywords', kind: 'list', optional: true, hint: 'e.g. STOP, CANCEL.' },
  { path: 'campaign.optOutMessage', label: 'Opt-out confirmation message', kind: 'textarea', optional: true },
  { path: 'campaign.helpKeywords', label: 'Help keywords', kind: 'list', optional: true },
  { path: 'campaign.helpMessage', label: 'Help message', kind: 'textarea', optional: true },
  { path: 'campaign.privacyPolicyUrl', label: 'Privacy policy URL', kind: 'url', optional: true },
  { path: 'campaign.campaignVerifyToken', label: 'Campaign Verify token', optional: true, hint: 'POLITICAL campaigns only: the 10DLC token from campaignverify.org, as issued (cv|1.0|tcr|10dlc|…).' },
];

/**
 * A Sole Proprietor: a person in the US or Canada without a tax ID. No EIN, company or representatives; the
 * owner's mobile gets the one-time password; the campaign's use case is SOLE_PROPRIETOR (set by toDraft).
 */
export const soleProprietorBusinessFields: FieldDef[] = [
  { path: 'profile.friendlyName', label: 'Profile name', hint: 'How you will recognise this profile in Trust Hub.' },
  { path: 'profile.email', label: 'Owner email', kind: 'email' },
  { path: 'soleProprietor.firstName', label: 'First name' },
  { path: 'soleProprietor.lastName', label: 'Last name' },
  {
    path: 'soleProprietor.mobilePhoneNumber',
    label: 'Mobile phone',
    kind: 'tel',
    hint: 'A US or Canadian mobile in E.164, e.g. +14155550100: once the brand is approved, Twilio texts the one-time password here and the owner replies YES within 24 hours.',
  },
  { path: 'business.name', label: 'Brand name', hint: 'The name subscribers see in the messages.' },
  { path: 'business.tradeName', label: 'Trade name (DBA)', optional: true },
  { path: 'business.industry', label: 'Industry', kind: 'select', options: INDUSTRIES },
  { path: 'business.websiteUrl', label: 'Website', kind: 'url', optional: true },
  { path: 'address.customerName', label: 'Address name', optional: true, hint: 'The owner’s full name when empty.' },
  { path: 'address.street', label: 'Street' },
  { path: 'address.city', label: 'City' },
  { path: 'address.region', label: 'State or province' },
  { path: 'address.postalCode', label: 'Postal code' },
  { path: 'address.isoCountry', label: 'Country', kind: 'select', options: ['US', 'CA'], hint: 'Sole Proprietor brands are only for the US and Canada.' },
];

/** The standard campaign's fields but the use case (always SOLE_PROPRIETOR) and the POLITICAL-only token. */
export const soleProprietorCampaignFields = campaignFields.filter((f) => f.path !== 'campaign.usecase' && f.path !== 'campaign.campaignVerifyToken');

export const SOLE_PROPRIETOR = 'sole_proprietor';
export const isSoleProprietor = (values: FormValues) => values.brandType === SOLE_PROPRIETOR;

/** The fields each step asks for, by the brand type chosen on the Introduction step. */
export const fieldsFor = (values: FormValues): { business: FieldDef[]; brand: FieldDef[]; campaign: FieldDef[] } =>
  isSoleProprietor(values)
    ? { business: soleProprietorBusinessFields, brand: [], campaign: soleProprietorCampaignFields }
    : { business: businessFields, brand: brandFields, campaign: campaignFields };

// Standard labels first: labelFor names a standard registration's fields as its wizard did.
export const allFields = [...businessFields, ...brandFields, ...campaignFields, ...soleProprietorBusinessFields];
export const labelFor = (path: string) => allFields.find((f) => f.path === path)?.label ?? path;

export type FormValues = Record<string, string | boolean | string[]>;

/** The flat form as a registration draft; empty answers are left out, so preflight names them. */
export function toDraft(values: FormValues): Record<string, unknown> {
  const draft: Record<string, unknown> = {};
  const fields = fieldsFor(values);
  // Only the chosen brand type's paths: its schema is strict, and the form may still hold the other type's answers.
  for (const f of [...fields.business, ...fields.brand, ...fields.campaign]) {
    const raw = values[f.path];
    let v: unknown = raw;
    if (f.kind === 'checkbox') v = raw === true;
    else if (f.kind === 'list') v = typeof raw === 'string' ? raw.split(/[\s,]+/).filter(Boolean) : undefined;
    else if (f.path === 'business.regionsOfOperation') v = raw ? [raw] : undefined;
    else if (typeof raw === 'string') v = raw.trim() === '' ? undefined : raw.trim();
    if (v === undefined || (Array.isArray(v) && v.length === 0 && f.kind === 'list')) continue;
    setPath(draft, f.path, v);
  }
  draft.phoneNumbers = Array.isArray(values.phoneNumbers) ? values.phoneNumbers : [];
  if (isSoleProprietor(values)) {
    draft.brandType = SOLE_PROPRIETOR;
    setPath(draft, 'campaign.usecase', 'SOLE_PROPRIETOR');
  }
  // The schema wants arrays without holes: samples and representatives are written by index.
  const campaign = draft.campaign as { messageSamples?: unknown[] } | undefined;
  if (campaign?.messageSamples) campaign.messageSamples = Array.from(campaign.messageSamples).filter((s) => s !== undefined);
  return draft;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let node: Record<string, unknown> | unknown[] = target;
  keys.forEach((k, i) => {
    const last = i === keys.length - 1;
    const container = node as Record<string, unknown>;
    if (last) container[k] = value;
    else {
      if (container[k] === undefined) container[k] = /^\d+$/.test(keys[i + 1]!) ? [] : {};
      node = container[k] as Record<string, unknown>;
    }
  });
}

/** Preflight problems that belong to a field: its own path, or a path inside it. */
export const problemsFor = <P extends { field: string }>(problems: P[], path: string) => problems.filter((p) => p.field === path || p.field.startsWith(`${path}.`));

/** A problem whose field no input shows (a whole list, the draft itself) still belongs to a step. */
export const stepOfField = (field: string): 'business' | 'brand' | 'campaign' =>
  field === 'brandType' ? 'brand' : field.startsWith('campaign') || field.startsWith('phoneNumbers') ? 'campaign' : 'business';
