/** Messaging v1 and Event Streams state: brands, services, campaigns, service numbers, sinks, subscriptions. */
export interface Brand {
  sid: string;
  accountSid: string;
  customerProfileBundleSid: string;
  a2pProfileBundleSid: string;
  brandType: string;
  skipAutomaticSecVet: boolean;
  mock: boolean;
  status: 'PENDING' | 'APPROVED' | 'FAILED' | 'IN_REVIEW' | 'SUSPENDED';
  identityStatus: 'SELF_DECLARED' | 'UNVERIFIED' | 'VERIFIED' | 'VETTED_VERIFIED';
  tcrId: string | null;
  brandScore: number | null;
  errors: { code: number; description: string; fields: string[] }[];
  updates: number;
  /** The customer's step after approval (Sole Proprietor OTP, public company Authentication+), while one applies. */
  verification?: { kind: 'otp' | 'auth_plus'; sentAt: number; expiresAt: number };
  dateCreated: Date;
  dateUpdated: Date;
}

export interface MessagingService {
  sid: string;
  accountSid: string;
  friendlyName: string;
  usecase: string;
  statusCallback: string | null;
  inboundRequestUrl: string | null;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface Campaign {
  sid: string;
  accountSid: string;
  brandSid: string;
  serviceSid: string;
  fields: Record<string, unknown>;
  status: 'IN_PROGRESS' | 'VERIFIED' | 'FAILED';
  campaignId: string | null;
  errors: { error_code: number; description: string }[];
  dateCreated: Date;
  dateUpdated: Date;
}

export interface ServiceNumber {
  sid: string;
  accountSid: string;
  serviceSid: string;
  phoneNumber: string;
  registration: 'pending' | 'successful' | 'failed' | null;
  dateCreated: Date;
}

export interface Sink {
  sid: string;
  accountSid: string;
  description: string;
  destination: string;
  dateCreated: Date;
}

export interface Subscription {
  sid: string;
  accountSid: string;
  sinkSid: string;
  description: string;
  types: string[];
  dateCreated: Date;
}

/** A brand's third-party vetting: a Campaign Verify token imported for political campaigns. */
export interface BrandVetting {
  sid: string;
  accountSid: string;
  brandSid: string;
  provider: 'campaign-verify' | 'aegis';
  vettingId: string | null;
  vettingClass: string;
  status: 'PENDING' | 'SUCCESS' | 'FAILED';
  dateCreated: Date;
  dateUpdated: Date;
}

export class MessagingStore {
  readonly brands = new Map<string, Brand>();
  readonly services = new Map<string, MessagingService>();
  readonly campaigns = new Map<string, Campaign>();
  /** Keyed by the IncomingPhoneNumber SID (PN…), which is also the resource's SID. */
  readonly serviceNumbers = new Map<string, ServiceNumber>();
  readonly sinks = new Map<string, Sink>();
  readonly subscriptions = new Map<string, Subscription>();
  readonly vettings = new Map<string, BrandVetting>();

  reset() {
    for (const m of [this.brands, this.services, this.campaigns, this.serviceNumbers, this.sinks, this.subscriptions, this.vettings]) m.clear();
  }
}
