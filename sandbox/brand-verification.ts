import type { Brand, MessagingStore } from './messaging-store';
import type { ReviewClock } from './review-clock';
import type { TrustHubStore } from './trusthub-store';
import { TwilioError } from './wire';
import type { Publish } from './products/events';

const E = 'com.twilio.messaging.compliance.brand-registration';
const HOUR = 3_600_000;
/** A Sole Proprietor's OTP is valid for 24 hours (Twilio error 30752 after that). */
export const OTP_VALIDITY_MS = 24 * HOUR;
/** Twilio states no lifetime for the Authentication+ e-mail; TCR gives the business contact 30 days. */
export const AUTH_PLUS_VALIDITY_MS = 30 * 24 * HOUR;
/** Twilio refuses these as a brand contact where Authentication+ applies (21740). */
const freeMail = /@(gmail|googlemail|yahoo|hotmail|outlook|live|aol|icloud|me|msn|protonmail|proton|gmx|mail|yandex|zoho)\.(com|me)$/i;

export const verificationErrors = {
  otpExpired: { code: 30752, description: 'The One-Time Password (OTP) for the Sole Proprietor brand expired before the owner confirmed it', fields: ['mobile_phone_number'] },
  authPlusTimedOut: { code: 21739, description: '2FA Verification Failed or Timed Out', fields: ['brand_contact_email'] },
  freeMailContact: { code: 21740, description: 'Invalid Brand Contact Email Domain: the domain is not acceptable for Authentication+ (e.g., gmail.com)', fields: ['brand_contact_email'] },
};

/**
 * The customer's own step on an approved brand. A Sole Proprietor brand gets an OTP on its mobile and stays
 * identity UNVERIFIED until the owner confirms it; a public company's brand gets the Authentication+ e-mail
 * and stays UNVERIFIED until the contact completes it. Both lapse (OTP after 24 h, 30752, still APPROVED;
 * the e-mail after 30 days, 21739, brand FAILED) and can be sent again. The test confirms through the control API.
 */
export class BrandVerifications {
  constructor(
    private readonly store: MessagingStore,
    private readonly trustHub: TrustHubStore,
    private readonly clock: ReviewClock,
    private readonly publish: Publish,
  ) {}

  /** What the brand's A2P trust product says of the company (Auth+ applies to public companies). */
  private companyOf(b: Brand): { type: string; contactEmail: string } {
    const info = this.trustHub
      .assignedTo(b.a2pProfileBundleSid)
      .map((a) => this.trustHub.endUsers.get(a.objectSid))
      .find((u) => u?.type === 'us_a2p_messaging_profile_information');
    return { type: String(info?.attributes.company_type ?? ''), contactEmail: String(info?.attributes.brand_contact_email ?? '') };
  }

  /** Whether the approved brand still needs its customer; null when it doesn't (and the brand is VERIFIED). */
  kindOf(b: Brand): 'otp' | 'auth_plus' | null {
    if (b.brandType === 'SOLE_PROPRIETOR') return 'otp';
    return this.companyOf(b).type === 'public' ? 'auth_plus' : null;
  }

  /** Called when TCR approves the brand: a free-mail contact fails Auth+ outright (21740). */
  onApproved(b: Brand): 'verified' | 'waiting' | 'failed' {
    const kind = this.kindOf(b);
    if (!kind) return 'verified';
    if (kind === 'auth_plus' && freeMail.test(this.companyOf(b).contactEmail)) {
      b.status = 'FAILED';
      b.identityStatus = 'UNVERIFIED';
      b.errors = [verificationErrors.freeMailContact];
      return 'failed';
    }
    b.status = 'APPROVED';
    b.identityStatus = 'UNVERIFIED';
    this.send(b, kind);
    return 'waiting';
  }

  private send(b: Brand, kind: 'otp' | 'auth_plus') {
    const sentAt = this.clock.now().getTime();
    const validity = kind === 'otp' ? OTP_VALIDITY_MS : AUTH_PLUS_VALIDITY_MS;
    b.verification = { kind, sentAt, expiresAt: sentAt + validity };
    b.errors = [];
    b.dateUpdated = this.clock.now();
    const source = `/v1/a2p/BrandRegistrations/${b.sid}`;
    if (kind === 'auth_plus') this.publish(b.accountSid, `${E}.email-2fa-sent`, source, { brandsid: b.sid, identitystatus: 'UNVERIFIED' });
    this.clock.schedule(validity, () => {
      // Only this send lapses: a later resend or a confirmation replaced it.
      if (b.verification?.sentAt !== sentAt || b.identityStatus === 'VERIFIED') return;
      b.dateUpdated = this.clock.now();
      if (kind === 'otp') {
        b.errors = [verificationErrors.otpExpired];
        this.publish(b.accountSid, `${E}.brand-unverified`, source, { brandsid: b.sid, brandstatus: 'registered', identitystatus: 'UNVERIFIED' });
      } else {
        b.status = 'FAILED';
        b.errors = [verificationErrors.authPlusTimedOut];
        this.publish(b.accountSid, `${E}.email-2fa-timeout`, source, { brandsid: b.sid, identitystatus: 'UNVERIFIED' });
        this.publish(b.accountSid, `${E}.brand-failure`, source, {
          brandsid: b.sid, brandstatus: 'registration_failed', identitystatus: 'UNVERIFIED',
          brandregistrationerrors: b.errors.map((e) => ({ registrationerrorcode: e.code, registrationerrordescription: e.description, registrationerrorfields: e.fields })),
        });
      }
    });
  }

  /** POST …/SmsOtp: a Sole Proprietor brand, approved and not yet verified, gets a new OTP. */
  resendOtp(b: Brand) {
    if (b.brandType !== 'SOLE_PROPRIETOR') throw new TwilioError(400, 21717, 'An OTP can only be sent for a Sole Proprietor brand');
    if (b.status !== 'APPROVED') throw new TwilioError(400, 21717, `The brand is ${b.status}: an OTP is sent once it is APPROVED`);
    if (b.identityStatus === 'VERIFIED') throw new TwilioError(400, 21717, 'The brand is already verified');
    this.send(b, 'otp');
  }

  /** POST …/2fa: a public company's brand awaiting or having failed Authentication+ gets a new e-mail. */
  resendAuthPlus(b: Brand) {
    if (this.kindOf(b) !== 'auth_plus') throw new TwilioError(400, 21717, 'Authentication+ applies only to brands of public companies');
    if (b.identityStatus === 'VERIFIED') throw new TwilioError(400, 21717, 'The brand has completed Authentication+ already');
    const lapsed = b.status === 'FAILED' && b.errors.some((e) => e.code === verificationErrors.authPlusTimedOut.code);
    if (b.status !== 'APPROVED' && !lapsed) throw new TwilioError(400, 21717, `The brand is ${b.status}: it must be registered before Authentication+`);
    b.status = 'APPROVED';
    this.send(b, 'auth_plus');
  }

  /** The control API's stand-in for the owner replying YES, or the contact completing the e-mail. */
  confirm(b: Brand) {
    if (!b.verification || b.identityStatus === 'VERIFIED') throw new TwilioError(409, 20409, `Brand ${b.sid} is not waiting for its customer`);
    if (this.clock.now().getTime() > b.verification.expiresAt) {
      throw new TwilioError(409, b.verification.kind === 'otp' ? 30752 : 21739, 'The OTP or e-mail expired: send it again first');
    }
    b.identityStatus = 'VERIFIED';
    b.errors = [];
    b.dateUpdated = this.clock.now();
    const source = `/v1/a2p/BrandRegistrations/${b.sid}`;
    if (b.verification.kind === 'auth_plus') this.publish(b.accountSid, `${E}.email-2fa-completed`, source, { brandsid: b.sid, identitystatus: 'VERIFIED' });
    this.publish(b.accountSid, `${E}.brand-verified`, source, { brandsid: b.sid, brandstatus: 'registered', identitystatus: 'VERIFIED' });
  }

  /** Why a campaign can't be created on this approved brand yet: 30991 (unverified), 30994 (awaiting 2FA). */
  campaignBlocker(b: Brand): TwilioError | null {
    if (!b.verification || b.identityStatus === 'VERIFIED') return null;
    if (b.verification.kind === 'auth_plus') return new TwilioError(400, 30994, 'The brand is awaiting Authentication+ (2FA) verification: campaigns can be created once it completes');
    return new TwilioError(400, 30991, 'The Sole Proprietor brand is unverified: the owner must confirm the OTP first');
  }
}
