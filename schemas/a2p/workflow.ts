/** The A2P registration workflow's messages, state and the activities it relies on (plain data only). */
import type { CustomerAction, RegistrationDraft, SoleProprietorDraft, StandardDraft } from './registration';
export type { CustomerAction } from './registration';

export type A2pStep = 'customer_profile' | 'trust_product' | 'brand' | 'messaging_service' | 'campaign' | 'numbers' | 'done';
export type A2pStatus = 'running' | 'waiting_for_review' | 'waiting_for_customer' | 'action_required' | 'needs_attention' | 'completed' | 'failed' | 'cancelled';
export type ReviewKind = 'customer_profile' | 'trust_product' | 'brand' | 'campaign';
export type ReviewOutcome = 'approved' | 'rejected' | 'pending' | 'terminal';

export interface ReviewStatus {
  outcome: ReviewOutcome;
  /** Twilio's own status word (twilio-approved, APPROVED, VERIFIED, FAILED, SUSPENDED, ...). */
  twilioStatus: string;
  /** Failure reasons, mapped to the draft's fields where possible. */
  reasons: { code: number | null; message: string; fields: string[] }[];
}

export interface A2pTimings {
  /** First poll after submitting; doubles up to maxPollMs. */
  firstPollMs: number;
  maxPollMs: number;
  /** How long each review may take before the registration needs attention. */
  deadlines: Record<ReviewKind, number> & {
    /** How long the customer has to complete the OTP or Authentication+ before the registration fails (default 30 days). */
    customer_verification?: number;
    /** How long a registration waits in action_required for corrections before it fails as abandoned (default 30 days). */
    corrections?: number;
  };
}

export interface A2pRegistrationInput {
  tenantId: string;
  registrationId: string;
  draft: RegistrationDraft;
  timings: A2pTimings;
  /** Where Twilio reaches our webhooks; null = rely on polling alone. */
  webhookBaseUrl?: string | null;
}

/** Corrections a tenant sends while the registration is action_required (a Temporal Update). */
export interface A2pCorrections {
  business?: Partial<StandardDraft['business']>;
  campaign?: Partial<RegistrationDraft['campaign']>;
  /** A campaign resubmission is charged a vetting fee again: it must be approved explicitly. */
  approveCampaignResubmissionFee?: boolean;
}

/** Sent by the webhook receivers when Twilio reports a status change: wakes the matching wait at once. */
export interface A2pStatusEvent {
  kind: ReviewKind | 'number';
  sid: string;
  status: string;
}

export interface A2pState {
  status: A2pStatus;
  step: A2pStep;
  sids: { customerProfile?: string; trustProduct?: string; brand?: string; messagingService?: string; campaign?: string };
  actionRequired: { step: A2pStep; reasons: ReviewStatus['reasons']; hint: string } | null;
  brandResubmissions: number;
  campaignSubmissions: number;
  /** What the customer must do while the registration is waiting_for_customer (OTP or Authentication+). */
  customerAction?: CustomerAction | null;
  /** Set once the numbers step ran. */
  numbers?: NumbersOutcome;
  /** Set when the registration was cancelled. */
  cleanup?: CleanupAction[];
}

/**
 * Who the resources an activity creates belong to. Registrations pass their id (the resources are
 * tagged with it, so a retry finds them); the seed's single actions pass a request key and no registration.
 */
export interface A2pOwner {
  tenantId: string;
  registrationId: string | null;
  /** Tags what is created (`tp:<key>`); defaults to the registration id. Workflows started before tenant-scoped names only. */
  key?: string;
  /**
   * The server-side scope (the workflow id) that, with the tenant, names what is created: set by workflows
   * under patched('tenant-scoped-twilio-names'), so no Idempotency-Key of any tenant can make two requests share a name.
   */
  nameScope?: string;
}

/** A brand's identity check that only its customer can complete, after TCR approved it. */
export type VerificationKind = CustomerAction['kind'];

/** Where a brand's customer verification stands at Twilio. */
export interface BrandIdentity {
  /** Which step the brand's type calls for. */
  kind: VerificationKind;
  state: 'verified' | CustomerAction['state'];
  /** Twilio's code when it expired or failed (30752 OTP expired, 21737/21739 Auth+ expired or timed out, ...). */
  code: number | null;
  message: string | null;
}

export type BusinessProfileInput =
  | (Pick<StandardDraft, 'profile' | 'business' | 'address' | 'authorizedRepresentatives'> & { brandType?: StandardDraft['brandType'] })
  | Pick<SoleProprietorDraft, 'brandType' | 'profile' | 'business' | 'address' | 'soleProprietor'>;
export type TrustProductInput =
  | (Pick<StandardDraft, 'profile' | 'company'> & { brandType?: StandardDraft['brandType'] })
  | Pick<SoleProprietorDraft, 'brandType' | 'profile' | 'business' | 'soleProprietor'>;

export interface NumbersOutcome {
  attached: string[];
  refused: { phoneNumber: string; reason: string; code: number | null }[];
}

/** What was done at Twilio when a registration was cancelled. */
export interface CleanupAction {
  kind: 'customer_profile' | 'trust_product' | 'brand' | 'messaging_service' | 'campaign';
  sid: string;
  action: 'deleted' | 'kept';
  reason: string;
}

/** What the workflow asks of the outside world; every call is idempotent (reconcile before create). */
export interface A2pActivities {
  /** Event Streams sink + subscription for brand, campaign and number events, created once per account. */
  a2pEnsureEventStreams(i: { destination: string }): Promise<{ sinkSid: string }>;
  a2pCreateCustomerProfile(i: A2pOwner & { draft: BusinessProfileInput; statusCallback?: string }): Promise<{ sid: string }>;
  a2pCreateTrustProduct(i: A2pOwner & { draft: TrustProductInput; customerProfileSid: string; statusCallback?: string }): Promise<{ sid: string }>;
  a2pSubmitBundle(i: { kind: 'customer_profile' | 'trust_product'; sid: string }): Promise<void>;
  a2pReviewStatus(i: { kind: ReviewKind; sid: string; serviceSid?: string }): Promise<ReviewStatus>;
  a2pRegisterBrand(i: A2pOwner & { customerProfileSid: string; trustProductSid: string; lowVolume: boolean; soleProprietor?: boolean }): Promise<{ sid: string }>;
  a2pUpdateBusinessInformation(i: { customerProfileSid: string; business: Partial<StandardDraft['business']> }): Promise<void>;
  /** The approved brand's customer verification: a Sole Proprietor's OTP, a public company's Authentication+, or none. */
  a2pBrandIdentity(i: { brandSid: string }): Promise<BrandIdentity>;
  /** Sends the OTP (SmsOtp) or the Authentication+ e-mail (2fa) again. */
  a2pResendVerification(i: { brandSid: string; kind: VerificationKind }): Promise<void>;
  a2pResubmitBrand(i: { sid: string }): Promise<void>;
  /** POLITICAL campaigns: import the Campaign Verify token on the brand (once); a refused or failed token is not an error. */
  a2pImportCampaignVerifyToken(i: { brandSid: string; token: string }): Promise<{ ok: true } | { ok: false; code: number | null; message: string }>;
  a2pEnsureMessagingService(i: A2pOwner & { friendlyName: string }): Promise<{ sid: string }>;
  a2pCheckUsecase(i: { serviceSid: string; brandSid: string; usecase: string }): Promise<{ allowed: boolean; message: string }>;
  a2pCreateCampaign(i: A2pOwner & { serviceSid: string; brandSid: string; campaign: RegistrationDraft['campaign'] }): Promise<{ sid: string }>;
  a2pUpdateCampaign(i: { serviceSid: string; sid: string; campaign: RegistrationDraft['campaign'] }): Promise<void>;
  /** Only the tenant's own live numbers are added; each refusal says why (Twilio's code when it was Twilio). */
  a2pAddNumbers(i: { tenantId: string; serviceSid: string; phoneNumbers: string[] }): Promise<NumbersOutcome>;
  /** After a cancel: deletes what is unsubmitted or still billable and unused, keeps what is approved and reusable. */
  a2pCleanUpCancelled(i: { registrationId: string; sids: A2pState['sids'] }): Promise<CleanupAction[]>;
  a2pRecordState(i: { registrationId: string; state: A2pState }): Promise<void>;
}
