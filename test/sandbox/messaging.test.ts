import { createServer, type Server } from 'node:http';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, startSandbox } from './sandbox-fixture';

type Fixture = Awaited<ReturnType<typeof startSandbox>>;
let fx: Fixture;
let receiver: Server;
let sinkUrl: string;
const events: { type: string; id: string; data: Record<string, unknown>; valid: boolean }[] = [];
const day = 86_400_000;
const BRAND_OK = 'com.twilio.messaging.compliance.brand-registration.brand-registered';
const BRAND_FAIL = 'com.twilio.messaging.compliance.brand-registration.brand-failure';
const CAMPAIGN_OK = 'com.twilio.messaging.compliance.campaign-registration.campaign-approved';
const NUMBER_OK = 'com.twilio.messaging.compliance.number-registration.successful';

beforeAll(async () => {
  fx = await startSandbox(9);
  await fx.control('POST', 'faults', { a2pPacingMs: 0 });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}${req.url}`;
      const valid = twilio.validateRequestWithBody(account.authToken, String(req.headers['x-twilio-signature']), url, body);
      for (const e of JSON.parse(body)) events.push({ type: e.type, id: e.id, data: e.data, valid });
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  sinkUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/events`;
  const sink = await fx.sdk().events.v1.sinks.create({ description: 'a2p', sinkType: 'webhook', sinkConfiguration: { destination: sinkUrl, method: 'POST', batch_events: false } });
  await fx.sdk().events.v1.subscriptions.create({
    description: 'a2p', sinkSid: sink.sid,
    types: [BRAND_OK, BRAND_FAIL, CAMPAIGN_OK, NUMBER_OK].map((type) => ({ type, schema_version: 1 })),
  });
});
afterAll(async () => {
  receiver.close();
  await fx.close();
});

/** A Twilio account and the official SDK signed in as it. */
interface AccountClient {
  sid: string;
  sdk: () => ReturnType<Fixture['sdk']>;
}
const fixtureAccount = (): AccountClient => ({ sid: account.sid, sdk: () => fx.sdk() });

/** A new account of this sandbox (POST /__sandbox/accounts): its pacing clock has seen no request yet. */
async function freshAccount(): Promise<AccountClient> {
  const created = (await fx.control('POST', 'accounts', {})).body as { sid: string; authToken: string };
  const sdk = () => {
    const client = twilio(created.sid, created.authToken);
    for (const d of ['trusthub', 'messaging'] as const) (client[d] as unknown as { baseUrl: string }).baseUrl = fx.url;
    return client;
  };
  return { sid: created.sid, sdk };
}

/** Approved bundles straight from the store: Trust Hub's own flow is covered by trusthub.test.ts. */
async function approvedBundles(businessName: string, company?: { company_type: string; brand_contact_email: string }, owner: AccountClient = fixtureAccount()) {
  const th = fx.sandbox.trustHub;
  const now = new Date();
  const bundle = (kind: 'customer_profile' | 'trust_product') => {
    const sid = `BU${Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32)}`;
    th.bundles.set(sid, { sid, kind, accountSid: owner.sid, policySid: 'RNdfbf3fae0e1107f8aded0e7cead80bf5', friendlyName: businessName, email: 'a@b.co', statusCallback: null, status: 'twilio-approved', errors: null, validUntil: null, dateCreated: now, dateUpdated: now });
    return sid;
  };
  const cp = bundle('customer_profile');
  const info = await owner.sdk().trusthub.v1.endUsers.create({ friendlyName: 'info', type: 'customer_profile_business_information', attributes: { business_name: businessName } });
  th.assignments.set(`BV${info.sid.slice(2)}`, { sid: `BV${info.sid.slice(2)}`, bundleSid: cp, accountSid: owner.sid, objectSid: info.sid, dateCreated: now });
  const tp = bundle('trust_product');
  if (company) {
    const a2p = await owner.sdk().trusthub.v1.endUsers.create({ friendlyName: 'a2p', type: 'us_a2p_messaging_profile_information', attributes: company });
    th.assignments.set(`BV${a2p.sid.slice(2)}`, { sid: `BV${a2p.sid.slice(2)}`, bundleSid: tp, accountSid: owner.sid, objectSid: a2p.sid, dateCreated: now });
  }
  return { cp, tp, info: info.sid };
}

const waitFor = async (pred: () => boolean) => waitForAsync(async () => pred());
/** Polls until `pred` holds (at most 5 s). */
const waitForAsync = async (pred: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await pred()); i++) await new Promise((r) => setTimeout(r, 50));
  expect(await pred()).toBe(true);
};

describe('A2P messaging through the official SDK, with Event Streams deliveries', () => {
  it('brand: fails by rule, refuses early updates, resubmits after a fix, is approved, and reports by signed events', async () => {
    const { cp, tp, info } = await approvedBundles('Acme BRANDFAIL LLC');
    const brands = fx.sdk().messaging.v1.brandRegistrations;
    const brand = await brands.create({ customerProfileBundleSid: cp, a2PProfileBundleSid: tp, skipAutomaticSecVet: true });
    expect(brand.status).toBe('PENDING');
    await expect(brands(brand.sid).update()).rejects.toMatchObject({ code: 21725 });
    await fx.control('POST', 'clock/advance', { ms: 5 * day });
    const failed = await brands(brand.sid).fetch();
    expect(failed.status).toBe('FAILED');
    expect(failed.errors).toEqual([expect.objectContaining({ code: 30792 })]);
    await waitFor(() => events.some((e) => e.type === BRAND_FAIL && e.data.brandsid === brand.sid));

    await fx.sdk().trusthub.v1.endUsers(info).update({ attributes: { business_name: 'Acme LLC' } });
    const resubmitted = await brands(brand.sid).update();
    expect(resubmitted.status).toBe('PENDING');
    await fx.control('POST', 'clock/advance', { ms: 5 * day });
    const approved = await brands(brand.sid).fetch();
    expect(approved).toMatchObject({ status: 'APPROVED', identityStatus: 'VERIFIED', brandScore: null });
    expect(approved.tcrId).toMatch(/^B/);
    await waitFor(() => events.some((e) => e.type === BRAND_OK && e.data.brandsid === brand.sid));
    const ours = events.filter((e) => e.data.brandsid === brand.sid);
    expect(ours.every((e) => e.valid)).toBe(true);
    expect(ours.find((e) => e.type === BRAND_FAIL)?.data).toMatchObject({ brandstatus: 'registration_failed' });
  });

  it('allows at most three brand updates (21724)', async () => {
    const { cp, tp } = await approvedBundles('Always BRANDFAIL Inc');
    const brands = fx.sdk().messaging.v1.brandRegistrations;
    const brand = await brands.create({ customerProfileBundleSid: cp, a2PProfileBundleSid: tp });
    for (let i = 0; i < 3; i++) {
      await fx.control('POST', 'clock/advance', { ms: 5 * day });
      await brands(brand.sid).update();
    }
    await fx.control('POST', 'clock/advance', { ms: 5 * day });
    await expect(brands(brand.sid).update()).rejects.toMatchObject({ code: 21724 });
  });

  it('political campaigns: a Campaign Verify token is imported on an approved brand, once per token, and the campaign needs it', async () => {
    const { cp, tp } = await approvedBundles('Vote Smith');
    const brand = await fx.sdk().messaging.v1.brandRegistrations.create({ customerProfileBundleSid: cp, a2PProfileBundleSid: tp });
    const vettings = fx.sdk().messaging.v1.brandRegistrations(brand.sid).brandVettings;
    const token = 'cv|1.0|tcr|10dlc|9975c339-d46f-49b7-a399-0123456789ab|GQ3SIGNATUREsmith';
    await expect(vettings.create({ vettingProvider: 'campaign-verify', vettingId: token })).rejects.toMatchObject({ status: 400, code: 21721 }); // not approved yet
    await fx.control('POST', 'clock/advance', { ms: 5 * day });
    await expect(vettings.create({ vettingProvider: 'campaign-verify', vettingId: 'cv|1.0|not-a-token' })).rejects.toMatchObject({ status: 400, code: 21722 });

    const service = await fx.sdk().messaging.v1.services.create({ friendlyName: 'Vote Smith' });
    const political = {
      brandRegistrationSid: brand.sid, description: 'Campaign updates and event invitations from the Smith for Council campaign.', messageFlow: 'Supporters opt in by texting JOIN or ticking a box on the volunteer form.',
      messageSamples: ['Smith for Council: the town hall is Tuesday at 7pm. Reply STOP to opt out.', 'Smith for Council: polls open at 7am tomorrow. Reply HELP for help.'],
      usAppToPersonUsecase: 'POLITICAL', hasEmbeddedLinks: false, hasEmbeddedPhone: false,
    };
    await expect(fx.sdk().messaging.v1.services(service.sid).usAppToPerson.create(political)).rejects.toMatchObject({ status: 400, code: 30713 });

    const v = await vettings.create({ vettingProvider: 'campaign-verify', vettingId: token });
    expect(v).toMatchObject({ vettingClass: 'POLITICAL', vettingStatus: 'SUCCESS', brandSid: brand.sid });
    expect((await vettings.list({ vettingProvider: 'campaign-verify' })).map((x) => x.brandVettingSid)).toEqual([v.brandVettingSid]);
    const other = await approvedBundles('Vote Jones');
    const jones = await fx.sdk().messaging.v1.brandRegistrations.create({ customerProfileBundleSid: other.cp, a2PProfileBundleSid: other.tp });
    await fx.control('POST', 'clock/advance', { ms: 5 * day });
    await expect(fx.sdk().messaging.v1.brandRegistrations(jones.sid).brandVettings.create({ vettingProvider: 'campaign-verify', vettingId: token })).rejects.toMatchObject({ code: 21722 }); // one brand per token
    expect((await fx.sdk().messaging.v1.services(service.sid).usAppToPerson.create(political)).campaignStatus).toBe('IN_PROGRESS');
  });

  it('campaign needs an approved brand; verified campaigns register their numbers; a number joins one service only', async () => {
    const { cp, tp } = await approvedBundles('Numbers Co');
    const brand = await fx.sdk().messaging.v1.brandRegistrations.create({ customerProfileBundleSid: cp, a2PProfileBundleSid: tp });
    const service = await fx.sdk().messaging.v1.services.create({ friendlyName: 'Numbers Co' });
    const campaignInput = {
      brandRegistrationSid: brand.sid, description: 'Order updates sent by Numbers Co to its customers.', messageFlow: 'Customers opt in at checkout by ticking a box.',
      messageSamples: ['Numbers Co: your order shipped. Reply STOP to opt out.', 'Numbers Co: your order arrives today. Reply HELP for help.'],
      usAppToPersonUsecase: 'DELIVERY_NOTIFICATION', hasEmbeddedLinks: false, hasEmbeddedPhone: false,
    };
    await expect(fx.sdk().messaging.v1.services(service.sid).usAppToPerson.create(campaignInput)).rejects.toMatchObject({ code: 21717 });
    await fx.control('POST', 'clock/advance', { ms: 5 * day });

    const pn = await fx.sdk().api.v2010.accounts(account.sid).incomingPhoneNumbers.create({ areaCode: '415' });
    await fx.sdk().messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: pn.sid });
    const other = await fx.sdk().messaging.v1.services.create({ friendlyName: 'Other' });
    await expect(fx.sdk().messaging.v1.services(other.sid).phoneNumbers.create({ phoneNumberSid: pn.sid })).rejects.toMatchObject({ code: 21712 });

    const campaign = await fx.sdk().messaging.v1.services(service.sid).usAppToPerson.create(campaignInput);
    expect(campaign.campaignStatus).toBe('IN_PROGRESS');
    await fx.control('POST', 'clock/advance', { ms: 12 * day });
    expect((await fx.sdk().messaging.v1.services(service.sid).usAppToPerson(campaign.sid).fetch()).campaignStatus).toBe('VERIFIED');
    expect((await fx.sdk().messaging.v1.services(service.sid).fetch()).usAppToPersonRegistered).toBe(true);
    await fx.control('POST', 'clock/advance', { ms: 2000 });
    await waitFor(() => events.some((e) => e.type === NUMBER_OK && e.data.phonenumber === pn.phoneNumber));
    expect(events.find((e) => e.type === CAMPAIGN_OK && e.data.campaignsid === campaign.sid)?.data).toMatchObject({ campaignregistrationstatus: 'approved' });
  });

  it('paces brand registration to 1 request/second (429 / 20429)', async () => {
    // An account of its own: its pacing setting and clock are its world's, so no earlier test's registration
    // (nor the 0 ms pacing the fixture account runs with) can decide this one.
    const owner = await freshAccount();
    expect((await fx.control('POST', `accounts/${owner.sid}/faults`, { a2pPacingMs: 1000 })).status).toBe(200);
    const a = await approvedBundles('Pace One', undefined, owner);
    const b = await approvedBundles('Pace Two', undefined, owner);
    const brands = owner.sdk().messaging.v1.brandRegistrations;
    await brands.create({ customerProfileBundleSid: a.cp, a2PProfileBundleSid: a.tp });
    await expect(brands.create({ customerProfileBundleSid: b.cp, a2PProfileBundleSid: b.tp })).rejects.toMatchObject({ status: 429, code: 20429 });
  });

  it('a control switch drops or duplicates deliveries', async () => {
    const dropped = async () => ((await fx.control('GET', 'deliveries')).body as { dropped: number }).dropped;
    /** Registers a brand, lets its review end, and waits until `settled` says its event was delivered (or dropped). */
    const deliver = async (name: string, settled: (mine: typeof events) => Promise<boolean>) => {
      const { cp, tp } = await approvedBundles(name);
      const brand = await fx.sdk().messaging.v1.brandRegistrations.create({ customerProfileBundleSid: cp, a2PProfileBundleSid: tp });
      await fx.control('POST', 'clock/advance', { ms: 5 * day });
      const mine = () => events.filter((e) => e.data.brandsid === brand.sid);
      await waitForAsync(() => settled(mine()));
      return mine();
    };
    await fx.control('POST', 'deliveries', { mode: 'drop' });
    const droppedBefore = await dropped();
    // A drop happens when the event is published, so nothing of it can still be on its way once it is counted.
    expect(await deliver('Dropped Co', async () => (await dropped()) > droppedBefore)).toEqual([]);
    await fx.control('POST', 'deliveries', { mode: 'duplicate' });
    const dup = await deliver('Doubled Co', async (mine) => mine.length >= 2);
    expect(dup).toHaveLength(2);
    expect(dup[0]!.id).toBe(dup[1]!.id);
    await fx.control('POST', 'deliveries', { mode: 'normal' });
  });
});

describe('the customer’s step on an approved brand: Sole Proprietor OTP and Authentication+', () => {
  const campaignFor = (brandSid: string, usecase: string) => ({
    brandRegistrationSid: brandSid, description: 'Lesson reminders and schedule changes sent to the families of students.', messageFlow: 'Parents opt in by ticking an unchecked box on the sign-up form.',
    messageSamples: ['Jane Doe Tutoring: the lesson is Tuesday at 4pm. Reply STOP to opt out.', 'Jane Doe Tutoring: the lesson moved to 5pm. Reply HELP for help.'],
    usAppToPersonUsecase: usecase, hasEmbeddedLinks: false, hasEmbeddedPhone: false,
  });

  it('Sole Proprietor: UNVERIFIED until the OTP is confirmed; it lapses after 24 h (30752), SmsOtp resends it; then one campaign and one number', async () => {
    const { cp, tp } = await approvedBundles('Jane Doe Tutoring');
    const brands = fx.sdk().messaging.v1.brandRegistrations;
    const brand = await brands.create({ customerProfileBundleSid: cp, a2PProfileBundleSid: tp, brandType: 'SOLE_PROPRIETOR' });
    await expect(brands(brand.sid).brandRegistrationOtps.create()).rejects.toMatchObject({ status: 400, code: 21717 }); // not approved yet
    await fx.control('POST', 'clock/advance', { ms: 5 * day });
    expect(await brands(brand.sid).fetch()).toMatchObject({ status: 'APPROVED', identityStatus: 'UNVERIFIED', brandType: 'SOLE_PROPRIETOR', errors: [] });

    const service = await fx.sdk().messaging.v1.services.create({ friendlyName: 'Jane Doe Tutoring' });
    const usa2p = fx.sdk().messaging.v1.services(service.sid).usAppToPerson;
    await expect(usa2p.create(campaignFor(brand.sid, 'SOLE_PROPRIETOR'))).rejects.toMatchObject({ status: 400, code: 30991 });
    const usecases = await fx.sdk().messaging.v1.services(service.sid).usAppToPersonUsecases.fetch({ brandRegistrationSid: brand.sid });
    expect((usecases.usAppToPersonUsecases as { code: string }[]).map((u) => u.code)).toEqual(['SOLE_PROPRIETOR']);

    await fx.control('POST', 'clock/advance', { ms: 25 * 3_600_000 });
    expect((await brands(brand.sid).fetch()).errors).toEqual([expect.objectContaining({ code: 30752, fields: ['mobile_phone_number'] })]);
    const late = await fx.control('POST', `brands/${brand.sid}/confirm-verification`);
    expect(late).toMatchObject({ status: 409, body: { code: 30752 } });
    expect(await brands(brand.sid).brandRegistrationOtps.create()).toMatchObject({ accountSid: account.sid, brandRegistrationSid: brand.sid });
    expect((await brands(brand.sid).fetch()).errors).toEqual([]);
    expect(await fx.control('POST', `brands/${brand.sid}/confirm-verification`)).toMatchObject({ status: 200, body: { identityStatus: 'VERIFIED' } });
    await expect(brands(brand.sid).brandRegistrationOtps.create()).rejects.toMatchObject({ status: 400, code: 21717 }); // already verified

    await expect(usa2p.create(campaignFor(brand.sid, 'LOW_VOLUME'))).rejects.toMatchObject({ status: 400, code: 21717 });
    const campaign = await usa2p.create(campaignFor(brand.sid, 'SOLE_PROPRIETOR'));
    expect(campaign.campaignStatus).toBe('IN_PROGRESS');
    const other = await fx.sdk().messaging.v1.services.create({ friendlyName: 'Jane again' });
    await expect(fx.sdk().messaging.v1.services(other.sid).usAppToPerson.create(campaignFor(brand.sid, 'SOLE_PROPRIETOR'))).rejects.toMatchObject({ status: 400, code: 21717 });

    const [first, second] = await Promise.all([
      fx.sdk().api.v2010.accounts(account.sid).incomingPhoneNumbers.create({ areaCode: '319' }),
      fx.sdk().api.v2010.accounts(account.sid).incomingPhoneNumbers.create({ areaCode: '319' }),
    ]);
    await fx.sdk().messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: first!.sid });
    await expect(fx.sdk().messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: second!.sid })).rejects.toMatchObject({ status: 400, code: 21717 });
  });

  it('Authentication+: a public company’s brand waits (campaign 30994), the e-mail times out (21739, FAILED), 2fa resends it, the contact completes it', async () => {
    const { cp, tp } = await approvedBundles('Acme Public Corp', { company_type: 'public', brand_contact_email: 'ir@acmepublic.com' });
    const brands = fx.sdk().messaging.v1.brandRegistrations;
    const brand = await brands.create({ customerProfileBundleSid: cp, a2PProfileBundleSid: tp });
    await fx.control('POST', 'clock/advance', { ms: 5 * day });
    expect(await brands(brand.sid).fetch()).toMatchObject({ status: 'APPROVED', identityStatus: 'UNVERIFIED' });
    const service = await fx.sdk().messaging.v1.services.create({ friendlyName: 'Acme Public' });
    await expect(fx.sdk().messaging.v1.services(service.sid).usAppToPerson.create(campaignFor(brand.sid, 'MIXED'))).rejects.toMatchObject({ status: 400, code: 30994 });

    await fx.control('POST', 'clock/advance', { ms: 31 * day });
    expect(await brands(brand.sid).fetch()).toMatchObject({ status: 'FAILED', errors: [expect.objectContaining({ code: 21739 })] });
    const resend = await fx.raw('POST', `/v1/a2p/BrandRegistrations/${brand.sid}/2fa`);
    expect(resend).toMatchObject({ status: 201, body: { brand_registration_sid: brand.sid } });
    expect(await brands(brand.sid).fetch()).toMatchObject({ status: 'APPROVED', identityStatus: 'UNVERIFIED', errors: [] });
    expect((await fx.control('POST', `brands/${brand.sid}/confirm-verification`)).status).toBe(200);
    expect(await brands(brand.sid).fetch()).toMatchObject({ identityStatus: 'VERIFIED' });
    expect((await fx.sdk().messaging.v1.services(service.sid).usAppToPerson.create(campaignFor(brand.sid, 'MIXED'))).campaignStatus).toBe('IN_PROGRESS');

    // A private company's brand has no such step, and a 2fa for it is refused.
    const plain = await approvedBundles('Acme Private LLC', { company_type: 'private', brand_contact_email: 'ops@acmeprivate.com' });
    const privateBrand = await brands.create({ customerProfileBundleSid: plain.cp, a2PProfileBundleSid: plain.tp });
    await fx.control('POST', 'clock/advance', { ms: 5 * day });
    expect(await brands(privateBrand.sid).fetch()).toMatchObject({ status: 'APPROVED', identityStatus: 'VERIFIED' });
    expect(await fx.raw('POST', `/v1/a2p/BrandRegistrations/${privateBrand.sid}/2fa`)).toMatchObject({ status: 400, body: { code: 21717 } });
  });

  it('a public company with a free-mail contact fails Authentication+ at once (21740)', async () => {
    const { cp, tp } = await approvedBundles('Acme Gmail Corp', { company_type: 'public', brand_contact_email: 'acme.ir@gmail.com' });
    const brand = await fx.sdk().messaging.v1.brandRegistrations.create({ customerProfileBundleSid: cp, a2PProfileBundleSid: tp });
    await fx.control('POST', 'clock/advance', { ms: 5 * day });
    expect(await fx.sdk().messaging.v1.brandRegistrations(brand.sid).fetch()).toMatchObject({
      status: 'FAILED', errors: [expect.objectContaining({ code: 21740, fields: ['brand_contact_email'] })],
    });
  });
});
