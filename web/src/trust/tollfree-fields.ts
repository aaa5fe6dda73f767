/** The toll-free form's fields by TollfreeDraft path (the paths preflight's problems and the API's errors name). */
export interface TollfreeField {
  path: string;
  label: string;
  kind?: 'text' | 'email' | 'url' | 'textarea' | 'select' | 'list' | 'checkbox';
  options?: readonly string[];
  hint?: string;
  optional?: boolean;
}

// Twilio's enums (schemas/tollfree/verification.ts).
const USE_CASES = [
  'TWO_FACTOR_AUTHENTICATION', 'ACCOUNT_NOTIFICATIONS', 'CUSTOMER_CARE', 'CHARITY_NONPROFIT', 'DELIVERY_NOTIFICATIONS', 'FRAUD_ALERT_MESSAGING', 'EVENTS',
  'HIGHER_EDUCATION', 'K12', 'MARKETING', 'POLLING_AND_VOTING_NON_POLITICAL', 'POLITICAL_ELECTION_CAMPAIGNS', 'PUBLIC_SERVICE_ANNOUNCEMENT', 'SECURITY_ALERT',
];
const OPT_IN_TYPES = ['VERBAL', 'WEB_FORM', 'PAPER_FORM', 'VIA_TEXT', 'MOBILE_QR_CODE', 'IMPORT', 'IMPORT_PLEASE_REPLACE'];
const BUSINESS_TYPES = ['PRIVATE_PROFIT', 'PUBLIC_PROFIT', 'SOLE_PROPRIETOR', 'NON_PROFIT', 'GOVERNMENT'];
const AUTHORITIES = ['EIN', 'CBN', 'CRN', 'PROVINCIAL_NUMBER', 'VAT', 'ACN', 'ABN', 'BRN', 'SIREN', 'SIRET', 'NZBN', 'USt-IdNr', 'CIF', 'NIF', 'CNPJ', 'UID', 'NEQ', 'OTHER'];
const VOLUMES = ['10', '100', '1,000', '10,000', '100,000', '250,000', '500,000', '750,000', '1,000,000', '5,000,000', '10,000,000+'];

export const NUMBER_PATH = 'tollfreePhoneNumber';

export const businessFields: TollfreeField[] = [
  { path: 'business.name', label: 'Legal business name' },
  { path: 'business.doingBusinessAs', label: 'Doing business as', optional: true },
  { path: 'business.type', label: 'Business type', kind: 'select', options: BUSINESS_TYPES },
  { path: 'business.website', label: 'Website', kind: 'url' },
  { path: 'business.registrationNumber', label: 'Registration number', optional: true, hint: 'Required for every business type but SOLE_PROPRIETOR, e.g. an EIN: 12-3456789.' },
  { path: 'business.registrationAuthority', label: 'Registration authority', kind: 'select', options: AUTHORITIES, optional: true },
  { path: 'business.registrationCountry', label: 'Registration country', optional: true, hint: 'Two letters, e.g. US.' },
];

export const messagingFields: TollfreeField[] = [
  { path: 'notificationEmail', label: 'Notification email', kind: 'email', hint: 'Where Twilio writes about the verification.' },
  { path: 'useCaseCategories', label: 'Use case category', kind: 'select', options: USE_CASES },
  { path: 'useCaseSummary', label: 'Use case summary', kind: 'textarea', hint: 'Who sends what to whom, and why (20 characters or more).' },
  { path: 'productionMessageSample', label: 'Message sample', kind: 'textarea', hint: 'A message exactly as it will be sent, naming the business, with opt-out language.' },
  { path: 'messageVolume', label: 'Monthly volume', kind: 'select', options: VOLUMES },
  { path: 'optIn.type', label: 'Opt-in type', kind: 'select', options: OPT_IN_TYPES },
  { path: 'optIn.imageUrls', label: 'Opt-in image URLs', kind: 'list', hint: 'Screenshots or documents of the opt-in flow; separate several with spaces.' },
  { path: 'optIn.confirmationMessage', label: 'Opt-in confirmation message', kind: 'textarea', optional: true },
  { path: 'optIn.keywords', label: 'Opt-in keywords', kind: 'list', optional: true, hint: 'Single words, separated by commas, e.g. START.' },
  { path: 'helpMessageSample', label: 'Help message sample', kind: 'textarea', optional: true },
  { path: 'privacyPolicyUrl', label: 'Privacy policy URL', kind: 'url', optional: true },
  { path: 'termsAndConditionsUrl', label: 'Terms and conditions URL', kind: 'url', optional: true },
  { path: 'additionalInformation', label: 'Additional information', kind: 'textarea', optional: true, hint: 'For VERBAL opt-in: the script read to customers.' },
  { path: 'campaignVerifyToken', label: 'Campaign Verify token', optional: true, hint: 'POLITICAL_ELECTION_CAMPAIGNS only.' },
  { path: 'ageGatedContent', label: 'Age-gated content', kind: 'checkbox', optional: true },
];

export const tollfreeFields = [...businessFields, ...messagingFields];
/** The form's fieldsets, by legend: the same when starting a verification and when editing one. */
export const tollfreeGroups: [legend: string, fields: TollfreeField[]][] = [
  ['Business', businessFields],
  ['Messaging', messagingFields],
];
export const labelFor = (path: string) => (path === NUMBER_PATH ? 'Toll-free number' : tollfreeFields.find((f) => f.path === path || path.startsWith(`${f.path}.`))?.label ?? path);

export type TollfreeValues = Record<string, string | boolean>;

/** The flat form as a (possibly incomplete) draft: empty answers left out, lists split, the category as a one-item list. */
export function toTollfreeDraft(values: TollfreeValues, fields: TollfreeField[] = tollfreeFields): Record<string, unknown> {
  const draft: Record<string, unknown> = {};
  for (const f of fields) {
    const raw = values[f.path];
    let v: unknown;
    if (f.kind === 'checkbox') v = raw === true ? true : undefined;
    else if (typeof raw !== 'string' || raw.trim() === '') v = undefined;
    else if (f.kind === 'list') v = raw.split(f.path === 'optIn.keywords' ? /[\s,]+/ : /\s+/).filter(Boolean);
    else if (f.path === 'useCaseCategories') v = [raw];
    else v = raw.trim();
    if (v !== undefined) setPath(draft, f.path, v);
  }
  if (typeof values[NUMBER_PATH] === 'string' && values[NUMBER_PATH]) draft[NUMBER_PATH] = values[NUMBER_PATH];
  return draft;
}

/** A draft back into the flat form (an edit starts from what was submitted). */
export function fromTollfreeDraft(draft: Record<string, unknown>): TollfreeValues {
  const values: TollfreeValues = {};
  for (const f of tollfreeFields) {
    const v = f.path.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], draft);
    if (v === undefined || v === null) continue;
    if (f.kind === 'checkbox') values[f.path] = v === true;
    else if (Array.isArray(v)) values[f.path] = f.path === 'useCaseCategories' ? String(v[0] ?? '') : v.join(f.path === 'optIn.keywords' ? ', ' : ' ');
    else values[f.path] = String(v);
  }
  return values;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let node = target;
  keys.slice(0, -1).forEach((k) => {
    node[k] ??= {};
    node = node[k] as Record<string, unknown>;
  });
  node[keys[keys.length - 1]!] = value;
}

/** The messages for one field: preflight problems (with Twilio's code) or the API's validation errors at or inside its path. */
export function messageFor(path: string, problems: { field: string | null; message: string; twilioCode?: number | null }[], fields: { field: string; message: string }[]): string | undefined {
  const at = (f: string | null) => f === path || (f ?? '').startsWith(`${path}.`);
  const found = [
    ...problems.filter((p) => at(p.field)).map((p) => (p.twilioCode ? `${p.message} (Twilio ${p.twilioCode})` : p.message)),
    ...fields.filter((f) => at(f.field)).map((f) => f.message),
  ];
  return found.length ? [...new Set(found)].join('; ') : undefined;
}
