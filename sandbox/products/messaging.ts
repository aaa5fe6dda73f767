import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Brand, BrandVetting, Campaign, MessagingService, MessagingStore, ServiceNumber } from '../messaging-store';
import type { ReviewClock } from '../review-clock';
import type { SandboxState } from '../state';
import type { TrustHubStore } from '../trusthub-store';
import { formBool, formString, iso, newSid, originOf, pageV1, TwilioError } from '../wire';
import type { Publish } from './events';
import type { BrandVerifications } from '../brand-verification';

type Form = Record<string, unknown>;
type Query = Record<string, string | undefined>;
const notFound = (path: string) => new TwilioError(404, 20404, `The requested resource ${path} was not found`);
const E = 'com.twilio.messaging.compliance';
const MAX_BRAND_UPDATES = 3;

const usecases: [code: string, name: string, postApproval: boolean][] = [
  ['2FA', 'Two-Factor authentication (2FA)', false], ['ACCOUNT_NOTIFICATION', 'Account Notification', false],
  ['AGENTS_FRANCHISES', 'Agents and Franchises', true], ['CHARITY', 'Charity', false], ['CUSTOMER_CARE', 'Customer Care', false],
  ['DELIVERY_NOTIFICATION', 'Delivery Notification', false], ['EMERGENCY', 'Emergency', true], ['FRAUD_ALERT', 'Fraud Alert Messaging', false],
  ['HIGHER_EDUCATION', 'Higher Education', false], ['K12_EDUCATION', 'K-12 Education', true], ['LOW_VOLUME', 'Low Volume Mixed', false],
  ['MARKETING', 'Marketing', false], ['MIXED', 'Mixed', false], ['POLITICAL', 'Political', false], ['POLLING_VOTING', 'Polling and voting', false],
  ['PROXY', 'Proxy', true], ['PUBLIC_SERVICE_ANNOUNCEMENT', 'Public Service Announcement', false], ['SECURITY_ALERT', 'Security Alert', false],
  ['SOCIAL', 'Social', true], ['SWEEPSTAKE', 'Sweepstake', true],
];

/**
 * Messaging v1: A2P brand registrations, Messaging Services with their numbers, and UsAppToPerson
 * campaigns. Reviews run on the virtual clock; outcomes follow the documented rules (a brand fails
 * while its business name contains "BRANDFAIL", a campaign while a sample contains "CAMPAIGNFAIL")
 * or a forced outcome. Status changes go out as Event Streams CloudEvents, as on Twilio.
 */
export const messagingProduct: FastifyPluginAsync<{
  state: SandboxState;
  store: MessagingStore;
  trustHub: TrustHubStore;
  clock: ReviewClock;
  publish: Publish;
  verifications: BrandVerifications;
  /** Twilio asks ISVs for 1 request/second on brand and campaign writes: throws its 429 when the account goes faster. */
  pace: (accountSid: string) => void;
}> = async (app, { state, store, trustHub, clock, publish, verifications, pace }) => {
  const code = () => Math.random().toString(36).slice(2, 9).toUpperCase();

  const forced = (sid: string) => {
    const f = trustHub.forcedOutcomes.get(sid);
    if (f) trustHub.forcedOutcomes.delete(sid);
    return f;
  };

  const businessName = (b: Brand) =>
    trustHub.assignedTo(b.customerProfileBundleSid)
      .map((a) => trustHub.endUsers.get(a.objectSid))
      .map((u) => String(u?.attributes.business_name ?? ''))
      .join(' ');

  function reviewBrand(b: Brand) {
    b.status = 'PENDING';
    b.dateUpdated = clock.now();
    clock.schedule(clock.durations.brand * 0.2, () => b.status === 'PENDING' && (b.status = 'IN_REVIEW'));
    clock.schedule(clock.durations.brand, () => {
      if (b.status !== 'PENDING' && b.status !== 'IN_REVIEW') return;
      const f = forced(b.sid);
      const fails = f ? f.outcome === 'reject' : /BRANDFAIL/i.test(businessName(b));
      b.dateUpdated = clock.now();
      if (fails) {
        b.status = 'FAILED';
        b.identityStatus = 'UNVERIFIED';
        b.errors = [{ code: 30792, description: f?.reason ?? 'Tax ID (EIN) and legal business name do not match', fields: ['business_name', 'business_registration_number'] }];
        publish(b.accountSid, `${E}.brand-registration.brand-failure`, `/v1/a2p/BrandRegistrations/${b.sid}`, {
          brandsid: b.sid, brandstatus: 'registration_failed', identitystatus: 'UNVERIFIED',
          brandregistrationerrors: b.errors.map((e) => ({ registrationerrorcode: e.code, registrationerrordescription: e.description, registrationerrorfields: e.fields })),
        });
      } else {
        b.tcrId = b.tcrId ?? `B${code()}`;
        b.brandScore = b.skipAutomaticSecVet || b.brandType === 'SOLE_PROPRIETOR' ? null : 75;
        // A Sole Proprietor's OTP or a public company's Authentication+ keeps the brand UNVERIFIED for now.
        const outcome = verifications.onApproved(b);
        if (outcome === 'failed') {
          publish(b.accountSid, `${E}.brand-registration.brand-failure`, `/v1/a2p/BrandRegistrations/${b.sid}`, {
            brandsid: b.sid, brandstatus: 'registration_failed', identitystatus: 'UNVERIFIED',
            brandregistrationerrors: b.errors.map((e) => ({ registrationerrorcode: e.code, registrationerrordescription: e.description, registrationerrorfields: e.fields })),
          });
          return;
        }
        if (outcome === 'verified') {
          b.status = 'APPROVED';
          b.identityStatus = 'VERIFIED';
          b.errors = [];
        }
        publish(b.accountSid, `${E}.brand-registration.brand-registered`, `/v1/a2p/BrandRegistrations/${b.sid}`, {
          brandsid: b.sid, brandstatus: 'registered', identitystatus: b.identityStatus, tcrbrandid: b.tcrId,
        });
      }
    });
  }

  function reviewCampaign(c: Campaign) {
    c.status = 'IN_PROGRESS';
    c.dateUpdated = clock.now();
    publish(c.accountSid, `${E}.campaign-registration.campaign-submitted`, `/v1/Services/${c.serviceSid}/Compliance/Usa2p/${c.sid}`, {
      campaignsid: c.sid, messagingservicesid: c.serviceSid, brandsid: c.brandSid, campaignregistrationstatus: 'pending',
    });
    clock.schedule(clock.durations.campaign, () => {
      if (c.status !== 'IN_PROGRESS') return;
      const f = forced(c.sid);
      const fails = f ? f.outcome === 'reject' : (c.fields.message_samples as string[]).some((s) => /CAMPAIGNFAIL/i.test(s));
      c.dateUpdated = clock.now();
      const source = `/v1/Services/${c.serviceSid}/Compliance/Usa2p/${c.sid}`;
      if (fails) {
        c.status = 'FAILED';
        c.errors = [{ error_code: 30893, description: f?.reason ?? 'Message samples do not match the use case' }];
        publish(c.accountSid, `${E}.campaign-registration.campaign-failure`, source, {
          campaignsid: c.sid, messagingservicesid: c.serviceSid, brandsid: c.brandSid, campaignregistrationstatus: 'failure', errorcode: 30893,
        });
        return;
      }
      c.status = 'VERIFIED';
      c.errors = [];
      c.campaignId = c.campaignId ?? `C${code()}`;
      publish(c.accountSid, `${E}.campaign-registration.campaign-approved`, source, {
        campaignsid: c.sid, messagingservicesid: c.serviceSid, brandsid: c.brandSid, campaignregistrationstatus: 'approved', externalcampaignid: c.campaignId,
      });
      for (const n of store.serviceNumbers.values()) if (n.serviceSid === c.serviceSid) registerNumber(n);
    });
  }

  /** After a campaign is verified, each of its service's numbers is registered with carriers in turn. */
  function registerNumber(n: ServiceNumber) {
    const campaign = [...store.campaigns.values()].find((c) => c.serviceSid === n.serviceSid && c.status === 'VERIFIED');
    if (!campaign || n.registration === 'successful') return;
    n.registration = 'pending';
    const data = { phonenumber: n.phoneNumber, messagingservicesid: n.serviceSid, campaignsid: campaign.sid };
    publish(n.accountSid, `${E}.number-registration.pending`, `/v1/Services/${n.serviceSid}/PhoneNumbers/${n.sid}`, { ...data, numberregistrationstatus: 'pending' });
    clock.schedule(1000, () => {
      n.registration = 'successful';
      publish(n.accountSid, `${E}.number-registration.successful`, `/v1/Services/${n.serviceSid}/PhoneNumbers/${n.sid}`, { ...data, numberregistrationstatus: 'successful' });
    });
  }

  // --- serializers ---
  const brandJson = (b: Brand, origin: string) => {
    const url = `${origin}/v1/a2p/BrandRegistrations/${b.sid}`;
    return {
      sid: b.sid, account_sid: b.accountSid, customer_profile_bundle_sid: b.customerProfileBundleSid, a2p_profile_bundle_sid: b.a2pProfileBundleSid,
      date_created: iso(b.dateCreated), date_updated: iso(b.dateUpdated), brand_type: b.brandType, status: b.status, tcr_id: b.tcrId,
      failure_reason: b.errors[0]?.description ?? null, errors: b.errors, url, brand_score: b.brandScore, brand_feedback: null,
      identity_status: b.identityStatus, russell_3000: false, government_entity: false, tax_exempt_status: null,
      skip_automatic_sec_vet: b.skipAutomaticSecVet, mock: b.mock,
      links: { brand_vettings: `${url}/Vettings`, brand_registration_otps: `${url}/SmsOtp` },
    };
  };
  const serviceJson = (s: MessagingService, origin: string) => {
    const url = `${origin}/v1/Services/${s.sid}`;
    const registered = [...store.campaigns.values()].some((c) => c.serviceSid === s.sid && c.status === 'VERIFIED');
    return {
      sid: s.sid, account_sid: s.accountSid, friendly_name: s.friendlyName, date_created: iso(s.dateCreated), date_updated: iso(s.dateUpdated),
      inbound_request_url: s.inboundRequestUrl, inbound_method: 'POST', fallback_url: null, fallback_method: 'POST', status_callback: s.statusCallback,
      sticky_sender: true, mms_converter: true, smart_encoding: true, scan_message_content: 'inherit', fallback_to_long_code: false,
      area_code_geomatch: true, synchronous_validation: false, validity_period: 14400, url,
      links: { phone_numbers: `${url}/PhoneNumbers`, short_codes: `${url}/ShortCodes`, alpha_senders: `${url}/AlphaSenders`, us_app_to_person: `${url}/Compliance/Usa2p`, us_app_to_person_usecases: `${url}/Compliance/Usa2p/Usecases`, channel_senders: `${url}/ChannelSenders` },
      usecase: s.usecase, us_app_to_person_registered: registered, use_inbound_webhook_on_number: false,
    };
  };
  const campaignJson = (c: Campaign, origin: string) => ({
    sid: c.sid, account_sid: c.accountSid, brand_registration_sid: c.brandSid, messaging_service_sid: c.serviceSid,
    description: c.fields.description, message_samples: c.fields.message_samples, us_app_to_person_usecase: c.fields.us_app_to_person_usecase,
    has_embedded_links: c.fields.has_embedded_links, has_embedded_phone: c.fields.has_embedded_phone, subscriber_opt_in: c.fields.subscriber_opt_in ?? false,
    age_gated: c.fields.age_gated ?? false, direct_lending: c.fields.direct_lending ?? false, campaign_status: c.status, campaign_id: c.campaignId,
    is_externally_registered: false, rate_limits: c.status === 'VERIFIED' ? { att: { mps: 600, msg_class: 'A' }, tmobile: { brand_tier: 'TOP' } } : null,
    message_flow: c.fields.message_flow, opt_in_message: c.fields.opt_in_message ?? null, opt_out_message: c.fields.opt_out_message ?? null,
    help_message: c.fields.help_message ?? null, opt_in_keywords: c.fields.opt_in_keywords ?? null, opt_out_keywords: c.fields.opt_out_keywords ?? null,
    help_keywords: c.fields.help_keywords ?? null, date_created: iso(c.dateCreated), date_updated: iso(c.dateUpdated),
    url: `${origin}/v1/Services/${c.serviceSid}/Compliance/Usa2p/${c.sid}`, mock: false, errors: c.errors,
  });
  const numberJson = (n: ServiceNumber, origin: string) => {
    const owned = state.numbers.get(n.sid);
    const caps = owned?.inventory.capabilities;
    return {
      sid: n.sid, account_sid: n.accountSid, service_sid: n.serviceSid, date_created: iso(n.dateCreated), date_updated: iso(n.dateCreated),
      phone_number: n.phoneNumber, country_code: 'US', capabilities: caps ? Object.entries(caps).filter(([, v]) => v).map(([k]) => k.toUpperCase()) : [],
      url: `${origin}/v1/Services/${n.serviceSid}/PhoneNumbers/${n.sid}`,
    };
  };

  const ownedBrand = (req: FastifyRequest, sid: string) => {
    const b = store.brands.get(sid);
    if (!b || b.accountSid !== req.accountSid) throw notFound(`/v1/a2p/BrandRegistrations/${sid}`);
    return b;
  };
  const ownedService = (req: FastifyRequest, sid: string) => {
    const s = store.services.get(sid);
    if (!s || s.accountSid !== req.accountSid) throw notFound(`/v1/Services/${sid}`);
    return s;
  };

  // --- brands ---
  app.post('/v1/a2p/BrandRegistrations', async (req, reply) => {
    const form = (req.body ?? {}) as Form;
    const cp = formString(form.CustomerProfileBundleSid);
    const tp = formString(form.A2PProfileBundleSid);
    if (!cp || !tp) throw new TwilioError(400, 20001, 'CustomerProfileBundleSid and A2PProfileBundleSid are required');
    for (const sid of [cp, tp]) {
      const bundle = trustHub.bundles.get(sid);
      if (!bundle || bundle.accountSid !== req.accountSid) throw new TwilioError(400, 21717, `Bundle ${sid} was not found`);
      if (bundle.status !== 'twilio-approved') throw new TwilioError(400, 21717, `Bundle ${sid} is ${bundle.status}, not twilio-approved`);
    }
    pace(req.accountSid);
    const now = clock.now();
    const b: Brand = {
      sid: newSid('BN'), accountSid: req.accountSid, customerProfileBundleSid: cp, a2pProfileBundleSid: tp, brandType: formString(form.BrandType) ?? 'STANDARD',
      skipAutomaticSecVet: formBool(form.SkipAutomaticSecVet) ?? false, mock: formBool(form.Mock) ?? false, status: 'PENDING', identityStatus: 'SELF_DECLARED',
      tcrId: null, brandScore: null, errors: [], updates: 0, dateCreated: now, dateUpdated: now,
    };
    store.brands.set(b.sid, b);
    reviewBrand(b);
    return reply.code(201).send(brandJson(b, originOf(req)));
  });
  app.get('/v1/a2p/BrandRegistrations', async (req) =>
    pageV1('data', [...store.brands.values()].filter((b) => b.accountSid === req.accountSid).map((b) => brandJson(b, originOf(req))), originOf(req), '/v1/a2p/BrandRegistrations', req.query as Query),
  );
  app.get('/v1/a2p/BrandRegistrations/:Sid', async (req) => brandJson(ownedBrand(req, (req.params as { Sid: string }).Sid), originOf(req)));
  /**
   * Resubmission: only from FAILED, at most three times; data is re-read from the bundles.
   * Answers 202 with the brand, as the spec declares (Twilio's docs describe no body; clients must accept both).
   */
  app.post('/v1/a2p/BrandRegistrations/:Sid', async (req, reply) => {
    const b = ownedBrand(req, (req.params as { Sid: string }).Sid);
    if (b.status !== 'FAILED') throw new TwilioError(400, 21725, 'Brand can only be updated when in FAILED state');
    if (b.updates >= MAX_BRAND_UPDATES) throw new TwilioError(400, 21724, 'Maximum number of brand update requests reached');
    pace(req.accountSid);
    b.updates += 1;
    reviewBrand(b);
    return reply.code(202).send(brandJson(b, originOf(req)));
  });

  // --- the customer's step: a Sole Proprietor's OTP, a public company's Authentication+ e-mail ---
  app.post('/v1/a2p/BrandRegistrations/:BrandRegistrationSid/SmsOtp', async (req, reply) => {
    const b = ownedBrand(req, (req.params as { BrandRegistrationSid: string }).BrandRegistrationSid);
    verifications.resendOtp(b);
    return reply.code(201).send({ account_sid: b.accountSid, brand_registration_sid: b.sid });
  });
  /** Twilio documents this retrigger; its OpenAPI spec declares the path with no operation, so the answer mirrors SmsOtp's. */
  app.post('/v1/a2p/BrandRegistrations/:BrandRegistrationSid/2fa', async (req, reply) => {
    const b = ownedBrand(req, (req.params as { BrandRegistrationSid: string }).BrandRegistrationSid);
    verifications.resendAuthPlus(b);
    return reply.code(201).send({ account_sid: b.accountSid, brand_registration_sid: b.sid });
  });

  // --- vettings: Campaign Verify tokens for political campaigns ---
  /** Campaign Verify's token as issued: cv|1.0|tcr|10dlc|<id>|<signature>. */
  const campaignVerifyToken = /^cv\|1\.0\|tcr\|10dlc\|[\w-]+\|[\w+/=.-]+$/;
  const vettingJson = (v: BrandVetting, origin: string) => ({
    account_sid: v.accountSid, brand_sid: v.brandSid, brand_vetting_sid: v.sid, vetting_provider: v.provider, vetting_id: v.vettingId,
    vetting_class: v.vettingClass, vetting_status: v.status, date_created: iso(v.dateCreated), date_updated: iso(v.dateUpdated),
    url: `${origin}/v1/a2p/BrandRegistrations/${v.brandSid}/Vettings/${v.sid}`,
  });
  app.post('/v1/a2p/BrandRegistrations/:BrandSid/Vettings', async (req, reply) => {
    const b = ownedBrand(req, (req.params as { BrandSid: string }).BrandSid);
    const form = (req.body ?? {}) as Form;
    const provider = formString(form.VettingProvider);
    if (provider !== 'campaign-verify' && provider !== 'aegis') throw new TwilioError(400, 20001, 'VettingProvider must be campaign-verify or aegis');
    const token = formString(form.VettingId) ?? null;
    if (b.status !== 'APPROVED' || b.brandType === 'STARTER') throw new TwilioError(400, 21721, 'Cannot import Campaign Verify token due to incompatible A2P brand');
    if (provider === 'campaign-verify') {
      const usedElsewhere = [...store.vettings.values()].some((v) => v.vettingId === token && v.brandSid !== b.sid);
      if (!token || !campaignVerifyToken.test(token) || usedElsewhere) throw new TwilioError(400, 21722, 'Invalid Campaign Verify token');
    }
    const now = clock.now();
    // A token Campaign Verify has let expire imports, then fails its check (the magic word EXPIRED in the token's id).
    const v: BrandVetting = {
      sid: newSid('VT'), accountSid: req.accountSid, brandSid: b.sid, provider, vettingId: token, vettingClass: provider === 'campaign-verify' ? 'POLITICAL' : 'STANDARD',
      status: token?.includes('EXPIRED') ? 'FAILED' : 'SUCCESS', dateCreated: now, dateUpdated: now,
    };
    store.vettings.set(v.sid, v);
    return reply.code(201).send(vettingJson(v, originOf(req)));
  });
  app.get('/v1/a2p/BrandRegistrations/:BrandSid/Vettings', async (req) => {
    const b = ownedBrand(req, (req.params as { BrandSid: string }).BrandSid);
    const provider = formString((req.query as Query).VettingProvider);
    const list = [...store.vettings.values()].filter((v) => v.brandSid === b.sid && (!provider || v.provider === provider)).map((v) => vettingJson(v, originOf(req)));
    return pageV1('data', list, originOf(req), `/v1/a2p/BrandRegistrations/${b.sid}/Vettings`, req.query as Query);
  });
  app.get('/v1/a2p/BrandRegistrations/:BrandSid/Vettings/:Sid', async (req) => {
    const { BrandSid, Sid } = req.params as { BrandSid: string; Sid: string };
    const b = ownedBrand(req, BrandSid);
    const v = store.vettings.get(Sid);
    if (!v || v.brandSid !== b.sid) throw notFound(`/v1/a2p/BrandRegistrations/${BrandSid}/Vettings/${Sid}`);
    return vettingJson(v, originOf(req));
  });

  // --- messaging services ---
  app.post('/v1/Services', async (req, reply) => {
    const form = (req.body ?? {}) as Form;
    const friendlyName = formString(form.FriendlyName);
    if (!friendlyName) throw new TwilioError(400, 20001, 'FriendlyName is required');
    const now = clock.now();
    const s: MessagingService = {
      sid: newSid('MG'), accountSid: req.accountSid, friendlyName: friendlyName.slice(0, 64), usecase: formString(form.Usecase) ?? 'undeclared',
      statusCallback: formString(form.StatusCallback) ?? null, inboundRequestUrl: formString(form.InboundRequestUrl) ?? null, dateCreated: now, dateUpdated: now,
    };
    store.services.set(s.sid, s);
    return reply.code(201).send(serviceJson(s, originOf(req)));
  });
  app.get('/v1/Services', async (req) =>
    pageV1('services', [...store.services.values()].filter((s) => s.accountSid === req.accountSid).map((s) => serviceJson(s, originOf(req))), originOf(req), '/v1/Services', req.query as Query),
  );
  app.get('/v1/Services/Usecases', async () => ({
    usecases: [{ usecase: 'notifications', description: 'Send notifications', purpose: 'Notifications' }, { usecase: 'marketing', description: 'Marketing messages', purpose: 'Marketing' }, { usecase: 'verification', description: 'One-time codes', purpose: 'Verification' }, { usecase: 'discussion', description: 'Conversations', purpose: 'Discussion' }, { usecase: 'poll', description: 'Surveys', purpose: 'Poll' }, { usecase: 'undeclared', description: 'Undeclared', purpose: 'Undeclared' }],
  }));
  app.get('/v1/Services/:Sid', async (req) => serviceJson(ownedService(req, (req.params as { Sid: string }).Sid), originOf(req)));
  app.post('/v1/Services/:Sid', async (req) => {
    const s = ownedService(req, (req.params as { Sid: string }).Sid);
    const form = (req.body ?? {}) as Form;
    s.friendlyName = formString(form.FriendlyName) ?? s.friendlyName;
    s.usecase = formString(form.Usecase) ?? s.usecase;
    s.statusCallback = formString(form.StatusCallback) ?? s.statusCallback;
    s.dateUpdated = clock.now();
    return serviceJson(s, originOf(req));
  });
  app.delete('/v1/Services/:Sid', async (req, reply) => {
    const s = ownedService(req, (req.params as { Sid: string }).Sid);
    store.services.delete(s.sid);
    for (const [k, n] of store.serviceNumbers) if (n.serviceSid === s.sid) store.serviceNumbers.delete(k);
    for (const [k, c] of store.campaigns) if (c.serviceSid === s.sid) store.campaigns.delete(k);
    return reply.code(204).send();
  });

  // --- service phone numbers ---
  app.post('/v1/Services/:ServiceSid/PhoneNumbers', async (req, reply) => {
    const s = ownedService(req, (req.params as { ServiceSid: string }).ServiceSid);
    const pn = formString(((req.body ?? {}) as Form).PhoneNumberSid);
    const owned = pn ? state.numbers.get(pn) : undefined;
    if (!pn || !owned || owned.accountSid !== req.accountSid) throw new TwilioError(400, 21710, `Phone number ${pn} was not found in this account`);
    const existing = store.serviceNumbers.get(pn);
    if (existing && existing.serviceSid !== s.sid) throw new TwilioError(409, 21712, 'This phone number is already associated with another Messaging Service');
    if (existing) return reply.code(200).send(numberJson(existing, originOf(req)));
    // A Sole Proprietor campaign sends from one number only.
    const campaign = [...store.campaigns.values()].find((c) => c.serviceSid === s.sid);
    if (campaign && store.brands.get(campaign.brandSid)?.brandType === 'SOLE_PROPRIETOR' && [...store.serviceNumbers.values()].some((x) => x.serviceSid === s.sid)) {
      throw new TwilioError(400, 21717, 'A Sole Proprietor campaign can use only one phone number');
    }
    const n: ServiceNumber = { sid: pn, accountSid: req.accountSid, serviceSid: s.sid, phoneNumber: owned.inventory.phoneNumber, registration: null, dateCreated: clock.now() };
    store.serviceNumbers.set(n.sid, n);
    registerNumber(n);
    return reply.code(201).send(numberJson(n, originOf(req)));
  });
  app.get('/v1/Services/:ServiceSid/PhoneNumbers', async (req) => {
    const s = ownedService(req, (req.params as { ServiceSid: string }).ServiceSid);
    const list = [...store.serviceNumbers.values()].filter((n) => n.serviceSid === s.sid).map((n) => numberJson(n, originOf(req)));
    return pageV1('phone_numbers', list, originOf(req), `/v1/Services/${s.sid}/PhoneNumbers`, req.query as Query);
  });
  const ownedNumber = (req: FastifyRequest) => {
    const p = req.params as { ServiceSid: string; Sid: string };
    const s = ownedService(req, p.ServiceSid);
    const n = store.serviceNumbers.get(p.Sid);
    if (!n || n.serviceSid !== s.sid) throw notFound(`/v1/Services/${s.sid}/PhoneNumbers/${p.Sid}`);
    return n;
  };
  app.get('/v1/Services/:ServiceSid/PhoneNumbers/:Sid', async (req) => numberJson(ownedNumber(req), originOf(req)));
  app.delete('/v1/Services/:ServiceSid/PhoneNumbers/:Sid', async (req, reply) => {
    store.serviceNumbers.delete(ownedNumber(req).sid);
    return reply.code(204).send();
  });

  // --- campaigns ---
  const campaignFields = (form: Form, required: boolean) => {
    const samples = [form.MessageSamples].flat().filter((x): x is string => typeof x === 'string');
    const list = (v: unknown) => (v === undefined ? undefined : [v].flat().map(String));
    const fields: Record<string, unknown> = {
      description: formString(form.Description), message_flow: formString(form.MessageFlow), message_samples: samples.length ? samples : undefined,
      us_app_to_person_usecase: formString(form.UsAppToPersonUsecase), has_embedded_links: formBool(form.HasEmbeddedLinks),
      has_embedded_phone: formBool(form.HasEmbeddedPhone), opt_in_message: formString(form.OptInMessage), opt_out_message: formString(form.OptOutMessage),
      help_message: formString(form.HelpMessage), opt_in_keywords: list(form.OptInKeywords), opt_out_keywords: list(form.OptOutKeywords),
      help_keywords: list(form.HelpKeywords), subscriber_opt_in: formBool(form.SubscriberOptIn), age_gated: formBool(form.AgeGated), direct_lending: formBool(form.DirectLending),
    };
    const needed = ['description', 'message_flow', 'message_samples', 'has_embedded_links', 'has_embedded_phone', ...(required ? ['us_app_to_person_usecase'] : [])];
    const missing = needed.filter((k) => fields[k] === undefined);
    if (missing.length) throw new TwilioError(400, 21727, `Missing required parameter(s): ${missing.join(', ')}`);
    if (String(fields.description).length < 40 || String(fields.message_flow).length < 40) throw new TwilioError(400, 21727, 'Description and MessageFlow must be at least 40 characters');
    if (samples.length < 2 || samples.length > 5 || samples.some((s) => s.length < 20)) throw new TwilioError(400, 21727, 'MessageSamples must be 2 to 5 samples of at least 20 characters');
    return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  };
  const usa2p = '/v1/Services/:MessagingServiceSid/Compliance/Usa2p';
  app.post(usa2p, async (req, reply) => {
    const s = ownedService(req, (req.params as { MessagingServiceSid: string }).MessagingServiceSid);
    const form = (req.body ?? {}) as Form;
    const brandSid = formString(form.BrandRegistrationSid);
    const brand = brandSid ? store.brands.get(brandSid) : undefined;
    if (!brand || brand.accountSid !== req.accountSid || brand.status !== 'APPROVED') throw new TwilioError(400, 21717, 'Brand is not registered (APPROVED) for this account');
    const blocker = verifications.campaignBlocker(brand);
    if (blocker) throw blocker;
    if ([...store.campaigns.values()].some((c) => c.serviceSid === s.sid)) throw new TwilioError(409, 21711, 'This Messaging Service already has a campaign');
    const fields = campaignFields(form, true);
    const soleProprietor = brand.brandType === 'SOLE_PROPRIETOR';
    if (soleProprietor !== (fields.us_app_to_person_usecase === 'SOLE_PROPRIETOR')) {
      throw new TwilioError(400, 21717, soleProprietor ? 'A Sole Proprietor brand registers only SOLE_PROPRIETOR campaigns' : 'SOLE_PROPRIETOR campaigns are only for Sole Proprietor brands');
    }
    if (soleProprietor && [...store.campaigns.values()].some((c) => c.brandSid === brand.sid)) {
      throw new TwilioError(400, 21717, 'A Sole Proprietor brand can have only one campaign');
    }
    if (fields.us_app_to_person_usecase === 'POLITICAL' && ![...store.vettings.values()].some((v) => v.brandSid === brand.sid && v.provider === 'campaign-verify' && v.status === 'SUCCESS')) {
      throw new TwilioError(400, 30713, 'A POLITICAL campaign needs a valid Campaign Verify token imported on its brand (Vettings)');
    }
    pace(req.accountSid);
    const now = clock.now();
    const c: Campaign = { sid: newSid('QE'), accountSid: req.accountSid, brandSid: brand.sid, serviceSid: s.sid, fields, status: 'IN_PROGRESS', campaignId: null, errors: [], dateCreated: now, dateUpdated: now };
    store.campaigns.set(c.sid, c);
    reviewCampaign(c);
    return reply.code(201).send(campaignJson(c, originOf(req)));
  });
  app.get(usa2p, async (req) => {
    const s = ownedService(req, (req.params as { MessagingServiceSid: string }).MessagingServiceSid);
    const list = [...store.campaigns.values()].filter((c) => c.serviceSid === s.sid).map((c) => campaignJson(c, originOf(req)));
    return pageV1('compliance', list, originOf(req), `/v1/Services/${s.sid}/Compliance/Usa2p`, req.query as Query);
  });
  app.get(`${usa2p}/Usecases`, async (req) => {
    ownedService(req, (req.params as { MessagingServiceSid: string }).MessagingServiceSid);
    const brandSid = formString((req.query as Query).BrandRegistrationSid);
    const brand = brandSid ? store.brands.get(brandSid) : undefined;
    // A Sole Proprietor brand has exactly one use case, its own.
    const list: typeof usecases = brand?.accountSid === req.accountSid && brand.brandType === 'SOLE_PROPRIETOR' ? [['SOLE_PROPRIETOR', 'Sole Proprietor', false]] : usecases;
    return { us_app_to_person_usecases: list.map(([c, name, post]) => ({ code: c, name, description: name, post_approval_required: post })) };
  });
  const ownedCampaign = (req: FastifyRequest) => {
    const p = req.params as { MessagingServiceSid: string; Sid: string };
    const s = ownedService(req, p.MessagingServiceSid);
    const c = store.campaigns.get(p.Sid);
    if (!c || c.serviceSid !== s.sid) throw notFound(`/v1/Services/${s.sid}/Compliance/Usa2p/${p.Sid}`);
    return c;
  };
  app.get(`${usa2p}/:Sid`, async (req) => campaignJson(ownedCampaign(req), originOf(req)));
  /** Update; a FAILED campaign goes back to review (and Twilio charges vetting again). */
  app.post(`${usa2p}/:Sid`, async (req) => {
    const c = ownedCampaign(req);
    const form = (req.body ?? {}) as Form;
    for (const f of ['AgeGated', 'DirectLending']) if (form[f] === undefined) throw new TwilioError(400, 21727, `Missing required parameter: ${f}`);
    c.fields = { ...c.fields, ...campaignFields(form, false) };
    c.dateUpdated = clock.now();
    if (c.status === 'FAILED') {
      pace(req.accountSid);
      reviewCampaign(c);
    }
    return campaignJson(c, originOf(req));
  });
  app.delete(`${usa2p}/:Sid`, async (req, reply) => {
    const c = ownedCampaign(req);
    store.campaigns.delete(c.sid);
    publish(c.accountSid, `${E}.campaign-registration.campaign-deleted`, `/v1/Services/${c.serviceSid}/Compliance/Usa2p/${c.sid}`, { campaignsid: c.sid, messagingservicesid: c.serviceSid });
    return reply.code(204).send();
  });
};
