import type { EvaluationResult, TrustHubStore } from './trusthub-store';
import {
  A2P_TRUST_PRODUCT_POLICY, CNAM_TRUST_PRODUCT_POLICY, PRIMARY_PROFILE_POLICY, SECONDARY_PROFILE_POLICY, SHAKEN_STIR_TRUST_PRODUCT_POLICY,
  SOLE_PROPRIETOR_TRUST_PRODUCT_POLICY, STARTER_PROFILE_POLICY, VOICE_INTEGRITY_TRUST_PRODUCT_POLICY,
} from './trusthub-store';

interface Requirement {
  name: string;
  friendlyName: string;
  objectType: 'end_user' | 'supporting_document' | 'customer_profile';
  /** The end-user or document type that satisfies it. */
  type?: string;
  fields: string[];
}

const businessInformation: Requirement = {
  name: 'customer_profile_business_information', friendlyName: 'Business Information', objectType: 'end_user', type: 'customer_profile_business_information',
  fields: ['business_name', 'business_type', 'business_registration_identifier', 'business_registration_number', 'business_identity', 'business_industry', 'website_url', 'business_regions_of_operation'],
};
const representative: Requirement = {
  name: 'authorized_representative_1', friendlyName: 'Authorized Representative 1', objectType: 'end_user', type: 'authorized_representative_1',
  fields: ['first_name', 'last_name', 'email', 'phone_number', 'business_title', 'job_position'],
};
const address: Requirement = {
  name: 'customer_profile_address', friendlyName: 'Physical Business Address', objectType: 'supporting_document', type: 'customer_profile_address', fields: ['address_sids'],
};

const businessProfile: Requirement = { name: 'customer_profile', friendlyName: 'Business Profile', objectType: 'customer_profile', fields: [] };

/** Twilio's CNAM display name rules: at most 15 characters, a letter first, then letters, digits, periods, commas, spaces. */
export const CNAM_NAME = /^[A-Za-z][A-Za-z0-9., ]{0,14}$/;

/** The policies the sandbox knows, with the requirements its evaluations check. */
export const policies: Record<string, { friendlyName: string; requirements: Requirement[] }> = {
  [PRIMARY_PROFILE_POLICY]: { friendlyName: 'Primary Customer Profile of type Business', requirements: [businessInformation, representative, address] },
  [SECONDARY_PROFILE_POLICY]: {
    friendlyName: 'Secondary Customer Profile of type Business',
    requirements: [businessInformation, representative, address, { name: 'primary_customer_profile', friendlyName: 'Primary Customer Profile', objectType: 'customer_profile', fields: [] }],
  },
  [A2P_TRUST_PRODUCT_POLICY]: {
    friendlyName: 'A2P Messaging Profile',
    requirements: [
      { name: 'us_a2p_messaging_profile_information', friendlyName: 'A2P Messaging Profile Information', objectType: 'end_user', type: 'us_a2p_messaging_profile_information', fields: ['company_type', 'brand_contact_email'] },
      { name: 'secondary_customer_profile', friendlyName: 'Secondary Customer Profile', objectType: 'customer_profile', fields: [] },
    ],
  },
  // Voice trust products: each hangs off a business profile; numbers join through channel endpoint assignments.
  [SHAKEN_STIR_TRUST_PRODUCT_POLICY]: { friendlyName: 'SHAKEN/STIR', requirements: [businessProfile] },
  [CNAM_TRUST_PRODUCT_POLICY]: {
    friendlyName: 'CNAM',
    requirements: [{ name: 'cnam_information', friendlyName: 'CNAM Information', objectType: 'end_user', type: 'cnam_information', fields: ['cnam_display_name'] }, businessProfile],
  },
  [VOICE_INTEGRITY_TRUST_PRODUCT_POLICY]: {
    friendlyName: 'Voice Integrity',
    requirements: [
      { name: 'voice_integrity_information', friendlyName: 'Voice Integrity Information', objectType: 'end_user', type: 'voice_integrity_information', fields: ['use_case', 'business_employee_count', 'average_business_day_call_volume'] },
      businessProfile,
    ],
  },
  // Sole Proprietors: a starter profile (the person, an address, the ISV's primary profile) and a Sole Proprietor trust product.
  [STARTER_PROFILE_POLICY]: {
    friendlyName: 'Starter Customer Profile of type Business',
    requirements: [
      { name: 'starter_customer_profile_information', friendlyName: 'Starter Customer Profile Information', objectType: 'end_user', type: 'starter_customer_profile_information', fields: ['first_name', 'last_name', 'email', 'phone_number'] },
      address,
      { name: 'primary_customer_profile', friendlyName: 'Primary Customer Profile', objectType: 'customer_profile', fields: [] },
    ],
  },
  [SOLE_PROPRIETOR_TRUST_PRODUCT_POLICY]: {
    friendlyName: 'Sole Proprietor A2P Messaging Profile',
    requirements: [
      { name: 'sole_proprietor_information', friendlyName: 'Sole Proprietor Information', objectType: 'end_user', type: 'sole_proprietor_information', fields: ['brand_name', 'mobile_phone_number', 'vertical'] },
      { name: 'starter_customer_profile', friendlyName: 'Starter Customer Profile', objectType: 'customer_profile', fields: [] },
    ],
  },
};

/** The Policies resource's `requirements` document for a policy. */
export function policyRequirements(policySid: string) {
  const p = policies[policySid]!;
  const of = (t: Requirement['objectType']) => p.requirements.filter((r) => r.objectType === t);
  return {
    end_user: of('end_user').map((r) => ({ url: `/EndUserTypes/${r.type}`, fields: r.fields, type: r.type, name: r.friendlyName, requirement_name: r.name })),
    supporting_document: of('supporting_document').map((r) => [
      { description: r.friendlyName, type: 'document', name: r.friendlyName, requirement_name: r.name, accepted_documents: [{ url: `/SupportingDocumentTypes/${r.type}`, fields: r.fields, type: r.type, name: r.friendlyName }] },
    ]),
    supporting_customer_profiles: of('customer_profile').map((r) => ({ requirement_name: r.name, name: r.friendlyName })),
    supporting_trust_products: [],
  };
}

/** Checks a bundle's assigned objects against its policy, field by field. */
export function evaluate(store: TrustHubStore, bundleSid: string, policySid: string): { compliant: boolean; results: EvaluationResult[] } {
  const policy = policies[policySid];
  if (!policy) return { compliant: false, results: [] };
  const assigned = store.assignedTo(bundleSid).map((a) => a.objectSid);
  const results = policy.requirements.map((req): EvaluationResult => {
    const base = { requirement_name: req.name, requirement_friendly_name: req.friendlyName, object_type: req.objectType, friendly_name: req.friendlyName };
    let attributes: Record<string, unknown> | undefined;
    if (req.objectType === 'end_user') attributes = assigned.map((s) => store.endUsers.get(s)).find((u) => u?.type === req.type)?.attributes;
    else if (req.objectType === 'supporting_document') attributes = assigned.map((s) => store.documents.get(s)).find((d) => d?.type === req.type)?.attributes;
    else {
      const profile = assigned.map((s) => store.bundles.get(s)).find((b) => b && b.kind === 'customer_profile');
      const ok = Boolean(profile && (req.name !== 'primary_customer_profile' || profile.policySid === PRIMARY_PROFILE_POLICY) && (req.name !== 'starter_customer_profile' || profile.policySid === STARTER_PROFILE_POLICY));
      return { ...base, passed: ok, failure_reason: ok ? null : `${req.friendlyName} is not assigned`, error_code: ok ? null : 22214, valid: [], invalid: [] };
    }
    if (!attributes) {
      return { ...base, passed: false, failure_reason: `${req.friendlyName} is missing`, error_code: 22214, valid: [], invalid: [] };
    }
    const missing = req.fields.filter((f) => attributes[f] === undefined || attributes[f] === '' || (Array.isArray(attributes[f]) && (attributes[f] as unknown[]).length === 0));
    // A CNAM display name outside Twilio's rules is as good as missing.
    if (req.type === 'cnam_information' && !missing.includes('cnam_display_name') && !CNAM_NAME.test(String(attributes.cnam_display_name))) missing.push('cnam_display_name');
    return {
      ...base,
      passed: missing.length === 0,
      failure_reason: missing.length ? 'Required fields are missing' : null,
      error_code: missing.length ? 22217 : null,
      valid: req.fields.filter((f) => !missing.includes(f)).map((f) => ({ friendly_name: f, object_field: f, failure_reason: null, error_code: null })),
      invalid: missing.map((f) => ({ friendly_name: f, object_field: f, failure_reason: `${f} is required`, error_code: 22217 })),
    };
  });
  return { compliant: results.every((r) => r.passed), results };
}
