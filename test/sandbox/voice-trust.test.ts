import { afterAll, beforeAll, expect, it } from 'vitest';
import { account, startSandbox } from './sandbox-fixture';

/** The sandbox's voice trust products: SHAKEN/STIR, CNAM and Voice Integrity bundles with their numbers. */
type Fixture = Awaited<ReturnType<typeof startSandbox>>;
let fx: Fixture;
beforeAll(async () => {
  fx = await startSandbox(8, { fastReviews: true });
});
afterAll(async () => fx.close());

const SECONDARY = 'RNdfbf3fae0e1107f8aded0e7cead80bf5';
const SHAKEN = 'RN7a97559effdf62d00f4298208492a5ea';
const CNAM = 'RNf3db3cd1fe25fcfd3c3ded065c8fea53';
const th = () => fx.sdk().trusthub.v1;
const phone = { channelEndpointType: 'phone-number' } as const;

async function number(areaCode: string) {
  const client = fx.sdk().api.v2010.accounts(account.sid);
  const [available] = await client.availablePhoneNumbers('US').local.list({ areaCode: Number(areaCode), limit: 1 });
  return client.incomingPhoneNumbers.create({ phoneNumber: available!.phoneNumber });
}
const refusal = (p: Promise<unknown>) => p.then(() => null, (e: { status: number; code: number; message: string }) => ({ status: e.status, code: e.code, message: e.message }));

it('a number joins a trust product only through its business profile, blocks its release while on it, and keeps the bundle from deletion', async () => {
  const pn = await number('614');
  const profile = await th().customerProfiles.create({ friendlyName: 'Acme', email: 'ops@acme.com', policySid: SECONDARY });
  const product = await th().trustProducts.create({ friendlyName: 'Acme SHAKEN', email: 'ops@acme.com', policySid: SHAKEN });
  await th().trustProducts(product.sid).trustProductsEntityAssignments.create({ objectSid: profile.sid });

  expect(await refusal(th().trustProducts(product.sid).trustProductsChannelEndpointAssignment.create({ ...phone, channelEndpointSid: pn.sid }))).toMatchObject({ status: 400, code: 20001 });
  await th().customerProfiles(profile.sid).customerProfilesChannelEndpointAssignment.create({ ...phone, channelEndpointSid: pn.sid });
  const onProduct = await th().trustProducts(product.sid).trustProductsChannelEndpointAssignment.create({ ...phone, channelEndpointSid: pn.sid });
  expect(onProduct).toMatchObject({ trustProductSid: product.sid, channelEndpointSid: pn.sid, channelEndpointType: 'phone-number' });
  expect(await th().trustProducts(product.sid).trustProductsChannelEndpointAssignment.list({ channelEndpointSid: pn.sid })).toHaveLength(1);

  expect(await refusal(fx.sdk().api.v2010.accounts(account.sid).incomingPhoneNumbers(pn.sid).remove())).toMatchObject({ status: 400, code: 60736 });
  expect(await refusal(th().trustProducts(product.sid).remove())).toMatchObject({ status: 400, code: 21648 });
  // Off the profile is off the trust products built on it; then the number can go.
  const [onProfile] = await th().customerProfiles(profile.sid).customerProfilesChannelEndpointAssignment.list({ channelEndpointSid: pn.sid });
  await th().customerProfiles(profile.sid).customerProfilesChannelEndpointAssignment(onProfile!.sid).remove();
  expect(await th().trustProducts(product.sid).trustProductsChannelEndpointAssignment.list()).toEqual([]);
  expect(await fx.sdk().api.v2010.accounts(account.sid).incomingPhoneNumbers(pn.sid).remove()).toBe(true);
});

it('CNAM: a display name outside Twilio’s rules fails evaluation; a generic one is rejected in review', async () => {
  const profile = await th().customerProfiles.create({ friendlyName: 'Acme', email: 'ops@acme.com', policySid: SECONDARY });
  const product = async (displayName: string) => {
    const p = await th().trustProducts.create({ friendlyName: `CNAM ${displayName}`, email: 'ops@acme.com', policySid: CNAM });
    const user = await th().endUsers.create({ friendlyName: `cnam ${displayName}`, type: 'cnam_information', attributes: { cnam_display_name: displayName } });
    for (const objectSid of [user.sid, profile.sid]) await th().trustProducts(p.sid).trustProductsEntityAssignments.create({ objectSid });
    return p;
  };
  for (const bad of ['1ACME', 'ACME CORPORATION LLC', 'ACME & SONS']) {
    const p = await product(bad);
    const evaluation = await th().trustProducts(p.sid).trustProductsEvaluations.create({ policySid: CNAM });
    expect(evaluation.status, bad).toBe('noncompliant');
    expect(JSON.stringify(evaluation.results)).toContain('cnam_display_name');
  }
  const generic = await product('SALES');
  expect((await th().trustProducts(generic.sid).trustProductsEvaluations.create({ policySid: CNAM })).status).toBe('compliant');
  await th().trustProducts(generic.sid).update({ status: 'pending-review' });
  const good = await product('ACME ROOFING');
  await th().trustProducts(good.sid).update({ status: 'pending-review' });
  await fx.control('POST', 'clock/advance', { ms: 86_400_000 });
  expect(await th().trustProducts(generic.sid).fetch()).toMatchObject({ status: 'twilio-rejected', errors: [{ code: 22216, message: 'CNAM display name "SALES" is generic' }] });
  expect((await th().trustProducts(good.sid).fetch()).status).toBe('twilio-approved');
});
