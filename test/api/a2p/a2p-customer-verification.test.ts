import { afterAll, beforeAll, expect, it } from 'vitest';
import { buyThroughApi, createTestApi, newTenant, sandboxControl, twilioSdk, waitFor } from '../../helpers/stack';
import { goodDraft, soleProprietorDraft } from '../../fixtures/a2p-draft';

/**
 * The customer's own step on real parts (API → Temporal → worker → sandbox over HTTP, fast reviews): a Sole
 * Proprietor's OTP (expired, resent, confirmed) and a public company's Authentication+, each counted at the sandbox.
 */
let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;
const HOUR = 3_600_000;
beforeAll(async () => {
  api = await createTestApi({ A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000' });
  tenant = await newTenant(api.db, 'a2p-customer-verification');
  await sandboxControl('POST', 'reviews', { preset: 'fast' });
});
afterAll(async () => {
  await sandboxControl('POST', 'reviews', { preset: 'realistic' });
  await api.close();
});

const start = (payload: object) => api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: tenant.headers, payload });
const get = async (id: string) => (await api.app.inject({ method: 'GET', url: `/v1/a2p/registrations/${id}`, headers: tenant.headers })).json();
const resend = (id: string) => api.app.inject({ method: 'POST', url: `/v1/a2p/registrations/${id}/verification/resend`, headers: tenant.headers });
const until = (id: string, done: (r: { status: string; customerAction?: { state: string } | null }) => boolean, what: string) =>
  waitFor(async () => ((r) => (done(r) ? r : null))(await get(id)), what, 90_000);

it('Twilio’s Sole Proprietor limits are refused before anything starts or is paid, naming the field', async () => {
  const before = (await twilioSdk().messaging.v1.brandRegistrations.list()).length;
  const twoNumbers = await start({ ...soleProprietorDraft(), phoneNumbers: ['+13195550123', '+13195550124'] });
  expect(twoNumbers.statusCode).toBe(400);
  expect(twoNumbers.json().error).toMatchObject({ code: 'preflight_failed' });
  expect(twoNumbers.json().problems).toContainEqual(expect.objectContaining({ field: 'phoneNumbers', code: 'sole_proprietor_one_number' }));
  const taxId = soleProprietorDraft();
  Object.assign(taxId.business, { registrationNumber: '12-3456789' });
  const withTaxId = await start(taxId);
  expect(withTaxId.statusCode).toBe(400);
  expect(withTaxId.json().problems).toContainEqual(expect.objectContaining({ field: 'business.registrationNumber', code: 'sole_proprietor_tax_id' }));
  const list = await api.app.inject({ method: 'GET', url: '/v1/a2p/registrations', headers: tenant.headers });
  expect(list.json().data).toEqual([]);
  expect((await twilioSdk().messaging.v1.brandRegistrations.list()).length).toBe(before);
});

it('a Sole Proprietor: starter profile → SP trust product → brand → OTP (expired, resent, confirmed) → one SOLE_PROPRIETOR campaign with its one number', async () => {
  const number = await buyThroughApi(api.app, tenant.headers, '563');
  const draft = { ...soleProprietorDraft(), phoneNumbers: [number] };
  const res = await start(draft);
  expect(res.statusCode).toBe(202);
  const id = res.json().id as string;
  const nothingWaits = await resend(id);
  expect(nothingWaits.statusCode).toBe(409);

  let waiting = await until(id, (r) => r.status === 'waiting_for_customer', 'the OTP wait');
  expect(waiting).toMatchObject({ step: 'brand', customerAction: { kind: 'sole_proprietor_otp', state: 'pending', resends: 0 } });
  expect(waiting.customerAction.instructions).toContain('+13195550142');
  const brandSid = waiting.sids.brand as string;
  const th = twilioSdk().trusthub.v1;
  expect((await th.customerProfiles(waiting.sids.customerProfile).fetch()).policySid).toBe('RN806dd6cd175f314e1f96a9727ee271f4');
  expect((await th.trustProducts(waiting.sids.trustProduct).fetch()).policySid).toBe('RN670d5d2e282a6130ae063b234b6019c8');
  expect(await twilioSdk().messaging.v1.brandRegistrations(brandSid).fetch()).toMatchObject({ brandType: 'SOLE_PROPRIETOR', status: 'APPROVED', identityStatus: 'UNVERIFIED' });

  // A day passes: the OTP lapses (30752), a state with its fix.
  await sandboxControl('POST', 'clock/advance', { ms: 25 * HOUR });
  waiting = await until(id, (r) => r.customerAction?.state === 'expired', 'the expired OTP');
  expect(waiting).toMatchObject({ status: 'waiting_for_customer', customerAction: { code: 30752 } });
  const resent = await resend(id);
  expect(resent.statusCode).toBe(200);
  expect(resent.json().customerAction).toMatchObject({ state: 'pending', resends: 1, code: null });

  // The owner replies YES.
  expect(await sandboxControl('POST', `brands/${brandSid}/confirm-verification`)).toMatchObject({ identityStatus: 'VERIFIED' });
  const done = await until(id, (r) => ['completed', 'failed', 'action_required'].includes(r.status), 'the Sole Proprietor registration');
  expect(done).toMatchObject({ status: 'completed', customerAction: null, numbers: { attached: [number], refused: [] } });
  const service = twilioSdk().messaging.v1.services(done.sids.messagingService);
  const campaigns = await service.usAppToPerson.list();
  expect(campaigns.map((c) => [c.brandRegistrationSid, c.usAppToPersonUsecase])).toEqual([[brandSid, 'SOLE_PROPRIETOR']]);
  expect((await service.phoneNumbers.list()).map((n) => n.phoneNumber)).toEqual([number]);
  expect(done.timeline.map((e: { message: string }) => e.message)).toContainEqual(expect.stringMatching(/brand: waiting for customer/));
});

it('a public company waits for Authentication+; its campaign comes only after the contact completes it', async () => {
  const draft = goodDraft();
  draft.business.name = 'Acme Public Dental Inc';
  Object.assign(draft.company, { type: 'public', stockExchange: 'NASDAQ', stockTicker: 'ACMD', brandContactEmail: 'ir@acmedental.com' });
  draft.campaign.messageSamples = draft.campaign.messageSamples.map((m) => m.replace('Acme Dental', 'Acme Public Dental'));
  const res = await start({ ...draft, phoneNumbers: [] });
  expect(res.statusCode).toBe(202);
  const id = res.json().id as string;
  const waiting = await until(id, (r) => r.status === 'waiting_for_customer', 'the Authentication+ wait');
  expect(waiting.customerAction).toMatchObject({ kind: 'authentication_plus', state: 'pending', expiresAt: null });
  expect(waiting.customerAction.instructions).toContain('ir@acmedental.com');
  expect(waiting.sids.messagingService).toBeUndefined();
  const again = await resend(id);
  expect(again.statusCode).toBe(200);
  expect(again.json().customerAction.resends).toBe(1);
  expect(await sandboxControl('POST', `brands/${waiting.sids.brand}/confirm-verification`)).toMatchObject({ identityStatus: 'VERIFIED' });
  const done = await until(id, (r) => ['completed', 'failed'].includes(r.status), 'the public company registration');
  expect(done).toMatchObject({ status: 'completed', customerAction: null });
  expect(await twilioSdk().messaging.v1.brandRegistrations(done.sids.brand).fetch()).toMatchObject({ identityStatus: 'VERIFIED' });
});
