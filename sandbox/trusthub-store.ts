import type { ReviewClock } from './review-clock';
import { stableSid } from './wire';

export type BundleKind = 'customer_profile' | 'trust_product';
export type BundleStatus = 'draft' | 'pending-review' | 'in-review' | 'twilio-rejected' | 'twilio-approved';

export interface Bundle {
  sid: string;
  kind: BundleKind;
  accountSid: string;
  policySid: string;
  friendlyName: string;
  email: string;
  statusCallback: string | null;
  status: BundleStatus;
  errors: { code: number; message: string }[] | null;
  validUntil: Date | null;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface EndUser {
  sid: string;
  accountSid: string;
  friendlyName: string;
  type: string;
  attributes: Record<string, unknown>;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface SupportingDocument extends EndUser {
  status: 'DRAFT' | 'PENDING_REVIEW' | 'REJECTED' | 'APPROVED' | 'EXPIRED' | 'PROVISIONALLY_APPROVED';
}

export interface Assignment {
  sid: string;
  bundleSid: string;
  accountSid: string;
  objectSid: string;
  dateCreated: Date;
}

/** A phone number (or other channel endpoint) assigned to a customer profile or trust product. */
export interface ChannelAssignment {
  sid: string;
  bundleSid: string;
  accountSid: string;
  endpointType: string;
  endpointSid: string;
  dateCreated: Date;
}

export interface Evaluation {
  sid: string;
  bundleSid: string;
  accountSid: string;
  policySid: string;
  status: 'compliant' | 'noncompliant';
  results: EvaluationResult[];
  dateCreated: Date;
}

export interface EvaluationResult {
  friendly_name: string;
  object_type: string;
  passed: boolean;
  failure_reason: string | null;
  error_code: number | null;
  valid: { friendly_name: string; object_field: string; failure_reason: null; error_code: null }[];
  invalid: { friendly_name: string; object_field: string; failure_reason: string; error_code: number }[];
  requirement_name: string;
  requirement_friendly_name: string;
}

export interface AddressRecord {
  sid: string;
  accountSid: string;
  customerName: string;
  friendlyName: string | null;
  street: string;
  streetSecondary: string | null;
  city: string;
  region: string;
  postalCode: string;
  isoCountry: string;
  emergencyEnabled: boolean;
  dateCreated: Date;
  dateUpdated: Date;
}

/** Everything Trust Hub (and 2010 Addresses, which its documents point to) remembers. */
export class TrustHubStore {
  readonly bundles = new Map<string, Bundle>();
  readonly endUsers = new Map<string, EndUser>();
  readonly documents = new Map<string, SupportingDocument>();
  readonly assignments = new Map<string, Assignment>();
  readonly channelAssignments = new Map<string, ChannelAssignment>();
  readonly evaluations = new Map<string, Evaluation>();
  readonly addresses = new Map<string, AddressRecord>();
  /** Outcomes the control API forced for a bundle's next review. */
  readonly forcedOutcomes = new Map<string, { outcome: 'approve' | 'reject'; reason?: string }>();

  constructor(readonly clock: ReviewClock) {}

  /**
   * Each top-level account has an approved primary (ISV) business profile, as the ISV flow presumes. A subaccount
   * has none of its own: Twilio's ISV model keeps the primary profile in the parent, and a subaccount's secondary
   * profiles are connected to it (EntityAssignments accepts the parent's).
   */
  ensurePrimaryProfile(accountSid: string, ownerAccountSid?: string): Bundle | undefined {
    if (ownerAccountSid) return undefined;
    const sid = stableSid('BU', `primary:${accountSid}`);
    let b = this.bundles.get(sid);
    if (!b) {
      const now = this.clock.now();
      b = {
        sid, kind: 'customer_profile', accountSid, policySid: PRIMARY_PROFILE_POLICY, friendlyName: 'ISV Primary Business Profile',
        email: 'isv@example.com', statusCallback: null, status: 'twilio-approved', errors: null, validUntil: null,
        dateCreated: now, dateUpdated: now,
      };
      this.bundles.set(sid, b);
    }
    return b;
  }

  channelsOf(bundleSid: string) {
    return [...this.channelAssignments.values()].filter((a) => a.bundleSid === bundleSid);
  }

  /** A trust product holding this number: Twilio refuses to release it until it is unassigned (60736). */
  trustProductHolding(accountSid: string, numberSid: string): string | null {
    const a = [...this.channelAssignments.values()].find((c) => c.accountSid === accountSid && c.endpointSid === numberSid && this.bundles.get(c.bundleSid)?.kind === 'trust_product');
    return a?.bundleSid ?? null;
  }

  assignedTo(bundleSid: string) {
    return [...this.assignments.values()].filter((a) => a.bundleSid === bundleSid);
  }

  reset() {
    for (const m of [this.bundles, this.endUsers, this.documents, this.assignments, this.channelAssignments, this.evaluations, this.addresses, this.forcedOutcomes]) m.clear();
  }
}

export const PRIMARY_PROFILE_POLICY = 'RN6433641899984f951173ef1738c3bdd0';
export const SECONDARY_PROFILE_POLICY = 'RNdfbf3fae0e1107f8aded0e7cead80bf5';
export const A2P_TRUST_PRODUCT_POLICY = 'RNb0d4771c2c98518d916a3d4cd70a8f8b';
export const STARTER_PROFILE_POLICY = 'RN806dd6cd175f314e1f96a9727ee271f4';
export const SOLE_PROPRIETOR_TRUST_PRODUCT_POLICY = 'RN670d5d2e282a6130ae063b234b6019c8';
export const SHAKEN_STIR_TRUST_PRODUCT_POLICY = 'RN7a97559effdf62d00f4298208492a5ea';
export const CNAM_TRUST_PRODUCT_POLICY = 'RNf3db3cd1fe25fcfd3c3ded065c8fea53';
export const VOICE_INTEGRITY_TRUST_PRODUCT_POLICY = 'RN5b3660f9598883b1df4e77f77acefba0';
