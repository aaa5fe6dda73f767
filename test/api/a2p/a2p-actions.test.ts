import { tenantScopedName } from '../../../activities/kit/twilio-objects';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buyThroughApi, createTestApi, newTenant, sandboxControl, twilioSdk, waitFor } from '../../helpers/stack';
import { goodDraft } from '../../fixtures/a2p-draft';

/** The seed's single A2P actions, step by step through the API against the sandbox (fast reviews). */
let api: Awaited<ReturnType<typeof createTestApi>>;
let alice: Awaited<ReturnType<typeof newTenant>>;
let mallory: Awaited<ReturnType<typeof newTenant>>;
beforeAll(async () => {
  api = await createTestApi();
  alice = await newTenant(api.db, 'a2p-actions');
  mallory = await newTenant(api.db, 'a2p-actions-other');
  await sandboxControl('POST', 'reviews', { preset: 'fast' });
});
afterAll(async () => {
  await sandboxControl('DELETE', 'faults');
  await sandboxControl('POST', 'reviews', { preset: 'realistic' });
  await api.close();
});

const call = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: unknown) =>
  api.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
const until = (url: string, status: string) =>
  waitFor(async () => {
    const r = (await call('GET', url, alice.headers)).json();
    return r.status === status ? r : null;
  }, `${url} → ${status}`, 60_000);

it('create_business_profile → submit → register_brand → get_brand_status → create_campaign → assign_number_to_campaign, tenant-scoped', async () => {
  const d = goodDraft();
  const profileBody = { kind: 'customer_profile', profile: d.profile, business: d.business, address: d.address, authorizedRepresentatives: d.authorizedRepresentatives };
  const created = await call('POST', '/v1/a2p/business-profiles', { ...alice.headers, 'idempotency-key': 'profile-1' }, profileBody);
  expect(created.statusCode).toBe(201);
  const profile = created.json();
  expect(profile).toMatchObject({ kind: 'customer_profile', status: 'draft', businessName: 'Acme Dental LLC', registrationId: null });
  // Same key, same bundle: nothing new at Twilio.
  const again = await call('POST', '/v1/a2p/business-profiles', { ...alice.headers, 'idempotency-key': 'profile-1' }, profileBody);
  expect(again.json().sid).toBe(profile.sid);
  // Same key, another request: refused like a job's, never answered with the first bundle.
  const conflicting = await call('POST', '/v1/a2p/business-profiles', { ...alice.headers, 'idempotency-key': 'profile-1' }, { ...profileBody, business: { ...d.business, name: 'Other Name LLC' } });
  expect(conflicting.statusCode).toBe(409);
  expect(conflicting.json().error.code).toBe('idempotency_conflict');
  // Named after the tenant and the request's workflow, never after the caller's key alone.
  const name = tenantScopedName(alice.tenantId, `tenant-${alice.tenantId}/a2p-profile-profile-1`);
  const named = await twilioSdk().trusthub.v1.customerProfiles.list({ friendlyName: name });
  expect(named.map((p) => p.sid)).toEqual([profile.sid]);
  expect(await twilioSdk().trusthub.v1.customerProfiles.list({ friendlyName: 'tp:profile-1' })).toEqual([]);

  const product = (await call('POST', '/v1/a2p/business-profiles', alice.headers, { kind: 'a2p_trust_product', customerProfileSid: profile.sid, profile: d.profile, company: d.company })).json();
  expect(product).toMatchObject({ kind: 'trust_product', status: 'draft' });
  // Another tenant can neither build on Alice's profile nor see it.
  expect((await call('POST', '/v1/a2p/business-profiles', mallory.headers, { kind: 'a2p_trust_product', customerProfileSid: profile.sid, profile: d.profile, company: d.company })).statusCode).toBe(404);
  expect((await call('GET', `/v1/a2p/business-profiles/${profile.sid}`, mallory.headers)).statusCode).toBe(404);
  expect((await call('GET', '/v1/a2p/business-profiles', mallory.headers)).json().data).toEqual([]);

  // A brand before the bundles are approved: Twilio's own refusal, with its code.
  const early = await call('POST', '/v1/a2p/brands', alice.headers, { customerProfileSid: profile.sid, trustProductSid: product.sid, brandType: 'standard' });
  expect(early.statusCode).toBe(400);
  expect(early.json().error).toMatchObject({ code: 'twilio_error', twilio: { code: 21717 } });

  expect((await call('POST', `/v1/a2p/business-profiles/${profile.sid}/submit`, alice.headers)).json().status).toMatch(/pending-review|in-review/);
  await until(`/v1/a2p/business-profiles/${profile.sid}`, 'twilio-approved');
  await call('POST', `/v1/a2p/business-profiles/${product.sid}/submit`, alice.headers);
  await until(`/v1/a2p/business-profiles/${product.sid}`, 'twilio-approved');
  const listed = (await call('GET', '/v1/a2p/business-profiles?limit=1', alice.headers)).json();
  expect(listed.data).toHaveLength(1);
  expect((await call('GET', `/v1/a2p/business-profiles?limit=1&cursor=${listed.nextCursor}`, alice.headers)).json().data[0].sid).toBe(profile.sid);

  // register_brand with a lost response: the retry finds the brand instead of paying for a second one.
  const dropped = async () => ((await sandboxControl('GET', 'stats')) as { total: { droppedAfterCommit: number } }).total.droppedAfterCommit;
  const droppedBefore = await dropped();
  await sandboxControl('POST', 'faults', { timeoutAfterCommitRate: 1, timeoutMode: 'drop' });
  const brandRes = await call('POST', '/v1/a2p/brands', { ...alice.headers, 'idempotency-key': 'brand-1' }, { customerProfileSid: profile.sid, trustProductSid: product.sid, brandType: 'low_volume_standard' });
  await sandboxControl('DELETE', 'faults');
  expect(await dropped()).toBeGreaterThan(droppedBefore);
  expect(brandRes.statusCode).toBe(201);
  const brand = brandRes.json();
  expect(brand).toMatchObject({ customerProfileSid: profile.sid, brandType: 'LOW_VOLUME_STANDARD' });
  const brands = (await twilioSdk().messaging.v1.brandRegistrations.list()).filter((b) => b.customerProfileBundleSid === profile.sid);
  expect(brands.map((b) => b.sid)).toEqual([brand.sid]);
  expect(brands[0]!.skipAutomaticSecVet).toBe(true);
  expect((await call('GET', `/v1/a2p/brands/${brand.sid}`, mallory.headers)).statusCode).toBe(404);
  await until(`/v1/a2p/brands/${brand.sid}`, 'APPROVED');
  expect((await call('GET', '/v1/a2p/brands', alice.headers)).json().data.map((b: { sid: string }) => b.sid)).toContain(brand.sid);

  const campaignRes = await call('POST', '/v1/a2p/campaigns', { ...alice.headers, 'idempotency-key': 'campaign-shared-1' }, { brandSid: brand.sid, friendlyName: 'Acme reminders', campaign: d.campaign });
  expect(campaignRes.statusCode).toBe(201);
  const campaign = campaignRes.json();
  expect(campaign).toMatchObject({ brandSid: brand.sid, usecase: 'ACCOUNT_NOTIFICATION', messagingServiceSid: expect.stringMatching(/^MG/) });
  expect((await call('POST', '/v1/a2p/campaigns', mallory.headers, { brandSid: brand.sid, campaign: d.campaign })).statusCode).toBe(404);
  await until(`/v1/a2p/campaigns/${campaign.sid}`, 'VERIFIED');
  // Keys alike in their first characters, same friendly name: still two Messaging Services (a name is never a prefix of a key).
  const second = await call('POST', '/v1/a2p/campaigns', { ...alice.headers, 'idempotency-key': 'campaign-shared-2' }, { brandSid: brand.sid, friendlyName: 'Acme reminders', campaign: d.campaign });
  expect(second.statusCode).toBe(201);
  expect(second.json().messagingServiceSid).not.toBe(campaign.messagingServiceSid);
  expect(second.json().sid).not.toBe(campaign.sid);

  const mine = await buyThroughApi(api.app, alice.headers, '217');
  const theirs = await buyThroughApi(api.app, mallory.headers, '217');
  const assigned = await call('POST', `/v1/a2p/campaigns/${campaign.sid}/phone-numbers`, alice.headers, { phoneNumbers: [mine, theirs] });
  expect(assigned.statusCode).toBe(200);
  expect(assigned.json()).toEqual({ attached: [mine], refused: [{ phoneNumber: theirs, reason: expect.stringContaining('not an active number of this tenant'), code: null }] });
  const inService = await twilioSdk().messaging.v1.services(campaign.messagingServiceSid).phoneNumbers.list();
  expect(inService.map((n) => n.phoneNumber)).toEqual([mine]);
  // Repeating is harmless: the number counts as attached, nothing is added twice.
  expect((await call('POST', `/v1/a2p/campaigns/${campaign.sid}/phone-numbers`, alice.headers, { phoneNumbers: [mine] })).json()).toEqual({ attached: [mine], refused: [] });
});

it('bad input is a 400 naming the field, before any workflow starts', async () => {
  const bad = await call('POST', '/v1/a2p/brands', alice.headers, { customerProfileSid: 'BU123', trustProductSid: 'x', brandType: 'huge' });
  expect(bad.statusCode).toBe(400);
  const fields = bad.json().error.fields.map((f: { field: string }) => f.field);
  expect(fields).toEqual(expect.arrayContaining(['customerProfileSid', 'trustProductSid', 'brandType']));
  const noKind = await call('POST', '/v1/a2p/business-profiles', alice.headers, { profile: goodDraft().profile });
  expect(noKind.statusCode).toBe(400);
  const noNumbers = await call('POST', `/v1/a2p/campaigns/QE${'0'.repeat(32)}/phone-numbers`, alice.headers, { phoneNumbers: [] });
  expect(noNumbers.statusCode).toBe(400);
  expect(noNumbers.json().error.fields[0].field).toBe('phoneNumbers');
  expect((await call('GET', `/v1/a2p/brands/BN${'0'.repeat(32)}`, alice.headers)).statusCode).toBe(404);
});
