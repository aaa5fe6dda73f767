import { createServer, type Server } from 'node:http';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, startSandbox } from './sandbox-fixture';

type Fixture = Awaited<ReturnType<typeof startSandbox>>;
let fx: Fixture;
let receiver: Server;
let callbackUrl: string;
const received: { params: Record<string, string>; signature: string; token: string }[] = [];

beforeAll(async () => {
  fx = await startSandbox(5);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({
        params: Object.fromEntries(new URLSearchParams(body)),
        signature: String(req.headers['x-twilio-signature']),
        token: String(req.headers['i-twilio-idempotency-token']),
      });
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  callbackUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/status?tenant=t1`;
});
afterAll(async () => {
  receiver.close();
  await fx.close();
});

const SECONDARY = 'RNdfbf3fae0e1107f8aded0e7cead80bf5';
const PRIMARY = 'RN6433641899984f951173ef1738c3bdd0';
const day = 86_400_000;
const trusthub = () => fx.sdk().trusthub.v1;

async function draftProfile(businessName: string) {
  const profile = await trusthub().customerProfiles.create({ friendlyName: businessName, email: 'ops@acme.com', policySid: SECONDARY, statusCallback: callbackUrl });
  const info = await trusthub().endUsers.create({
    friendlyName: 'business', type: 'customer_profile_business_information',
    attributes: {
      business_name: businessName, business_type: 'Corporation', business_registration_identifier: 'EIN', business_registration_number: '12-3456789',
      business_identity: 'direct_customer', business_industry: 'TECHNOLOGY', website_url: 'https://acme.com', business_regions_of_operation: 'USA_AND_CANADA',
    },
  });
  const rep = await trusthub().endUsers.create({
    friendlyName: 'rep', type: 'authorized_representative_1',
    attributes: { first_name: 'Ada', last_name: 'L', email: 'ada@acme.com', phone_number: '+12175550100', business_title: 'CEO', job_position: 'CEO' },
  });
  const address = await fx.sdk().api.v2010.accounts(account.sid).addresses.create({
    customerName: businessName, street: '1 Main St', city: 'Springfield', region: 'IL', postalCode: '62701', isoCountry: 'US',
  });
  const doc = await trusthub().supportingDocuments.create({ friendlyName: 'hq', type: 'customer_profile_address', attributes: { address_sids: address.sid } });
  for (const objectSid of [info.sid, rep.sid, doc.sid]) await trusthub().customerProfiles(profile.sid).customerProfilesEntityAssignments.create({ objectSid });
  return profile;
}

const waitForCallbacks = async (bundleSid: string, n: number) => {
  for (let i = 0; i < 100 && received.filter((r) => r.params.BundleSid === bundleSid).length < n; i++) await new Promise((r) => setTimeout(r, 50));
  return received.filter((r) => r.params.BundleSid === bundleSid);
};

describe('Trust Hub secondary customer profile through the official SDK', () => {
  it('evaluates field by field, refuses a non-compliant submit, and reviews on the virtual clock', async () => {
    const profile = await draftProfile('Acme Corp');
    const missingPrimary = await trusthub().customerProfiles(profile.sid).customerProfilesEvaluations.create({ policySid: SECONDARY });
    expect(missingPrimary.status).toBe('noncompliant');
    expect(missingPrimary.results).toEqual(expect.arrayContaining([expect.objectContaining({ requirement_name: 'primary_customer_profile', passed: false })]));
    await expect(trusthub().customerProfiles(profile.sid).update({ status: 'pending-review' })).rejects.toMatchObject({ status: 400, code: 22215 });

    const [primary] = await trusthub().customerProfiles.list({ policySid: PRIMARY });
    expect(primary?.status).toBe('twilio-approved');
    await trusthub().customerProfiles(profile.sid).customerProfilesEntityAssignments.create({ objectSid: primary!.sid });
    const compliant = await trusthub().customerProfiles(profile.sid).customerProfilesEvaluations.create({ policySid: SECONDARY });
    expect(compliant.status).toBe('compliant');

    const submitted = await trusthub().customerProfiles(profile.sid).update({ status: 'pending-review' });
    expect(submitted.status).toBe('pending-review');
    await fx.control('POST', 'clock/advance', { ms: 1 * day });
    expect((await trusthub().customerProfiles(profile.sid).fetch()).status).toBe('in-review');
    await fx.control('POST', 'clock/advance', { ms: 1 * day });
    expect((await trusthub().customerProfiles(profile.sid).fetch()).status).toBe('twilio-approved');

    const callbacks = await waitForCallbacks(profile.sid, 3);
    expect(callbacks.map((c) => c.params.Status)).toEqual(['pending-review', 'in-review', 'twilio-approved']);
    for (const c of callbacks) {
      expect(twilio.validateRequest(account.authToken, c.signature, callbackUrl, c.params)).toBe(true);
      expect(twilio.validateRequest('some-other-token-0000000000000000', c.signature, callbackUrl, c.params)).toBe(false);
    }
    expect(new Set(callbacks.map((c) => c.token)).size).toBe(3);
  });

  it('rejects by rule ("REJECT" in the business name) and by a forced outcome, with errors', async () => {
    const [primary] = await trusthub().customerProfiles.list({ policySid: PRIMARY });
    for (const [name, force] of [['Acme REJECT Inc', false], ['Fine Business', true]] as const) {
      const profile = await draftProfile(name);
      await trusthub().customerProfiles(profile.sid).customerProfilesEntityAssignments.create({ objectSid: primary!.sid });
      if (force) await fx.control('POST', 'outcomes', { sid: profile.sid, outcome: 'reject', reason: 'EIN does not match' });
      await trusthub().customerProfiles(profile.sid).update({ status: 'pending-review' });
      await fx.control('POST', 'clock/advance', { ms: 3 * day });
      const done = await trusthub().customerProfiles(profile.sid).fetch();
      expect(done.status).toBe('twilio-rejected');
      expect(done.errors).toEqual([expect.objectContaining({ code: 22216 })]);
      const callbacks = await waitForCallbacks(profile.sid, 3);
      expect(callbacks.at(-1)?.params).toMatchObject({ Status: 'twilio-rejected', FailureReason: force ? 'EIN does not match' : expect.any(String) });
    }
  });
});
