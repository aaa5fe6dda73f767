import { tenantScopedName } from '../../../activities/kit/twilio-objects';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { a2pRegistration } from '../../../workflows/index';
import { a2pResendVerificationUpdate, a2pStateQuery } from '../../../workflows/a2p/registration';
import { buyThroughApi, createTestApi, newTenant, sandboxControl, stack, twilioSdk } from '../../helpers/stack';
import { goodDraft, soleProprietorDraft } from '../../fixtures/a2p-draft';

let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  api = await createTestApi();
  await sandboxControl('POST', 'reviews', { preset: 'fast' });
});
afterAll(async () => {
  await sandboxControl('DELETE', 'faults');
  await sandboxControl('POST', 'reviews', { preset: 'realistic' });
  await api.close();
});

it('the registration workflow runs the whole ISV chain against the sandbox with the real activities', async () => {
  const tenant = await newTenant(api.db, 'a2p-chain');
  const number = { phoneNumber: await buyThroughApi(api.app, tenant.headers, '217') };
  const draft = { ...goodDraft(), phoneNumbers: [number.phoneNumber] };
  const registrationId = randomUUID();
  const workflowId = `tenant-${tenant.tenantId}/a2p-${registrationId}`;
  await api.db.query(
    `INSERT INTO a2p_registrations (id, tenant_id, status, step, draft, workflow_id) VALUES ($1, $2, 'running', 'customer_profile', $3, $4)`,
    [registrationId, tenant.tenantId, JSON.stringify(draft), workflowId],
  );
  const result = await api.temporal.workflow.execute(a2pRegistration, {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [{ tenantId: tenant.tenantId, registrationId, draft: draft as never, timings: { firstPollMs: 500, maxPollMs: 2000, deadlines: { customer_profile: 60_000, trust_product: 60_000, brand: 60_000, campaign: 60_000 } } }],
  });
  expect(result).toMatchObject({ status: 'completed', step: 'done', brandResubmissions: 0, campaignSubmissions: 1 });

  // Every write of the chain is in the tenant's audit trail under the registration, and the fees are in its ledger.
  const audit = (await api.app.inject({ method: 'GET', url: `/v1/audit?registrationId=${registrationId}&limit=200`, headers: tenant.headers })).json().data as { action: string; resourceSid: string | null }[];
  const actions = audit.map((e) => e.action);
  for (const a of ['POST CustomerProfiles', 'POST TrustProducts', 'POST a2p/BrandRegistrations', 'POST Services', 'POST Services/Compliance/Usa2p', 'POST Services/PhoneNumbers']) {
    expect(actions, a).toContain(a);
  }
  expect(audit.find((e) => e.action === 'POST a2p/BrandRegistrations')?.resourceSid).toBe(result.sids.brand);
  const costs = (await api.app.inject({ method: 'GET', url: '/v1/costs', headers: tenant.headers })).json() as { lines: { item: string; count: number }[] };
  expect(costs.lines.map((l) => l.item)).toEqual(expect.arrayContaining(['brand_registration', 'campaign_vetting', 'campaign_monthly', 'number_monthly']));

  const sdk = twilioSdk();
  const brand = await sdk.messaging.v1.brandRegistrations(result.sids.brand!).fetch();
  expect(brand).toMatchObject({ status: 'APPROVED', customerProfileBundleSid: result.sids.customerProfile, a2pProfileBundleSid: result.sids.trustProduct });
  const campaign = await sdk.messaging.v1.services(result.sids.messagingService!).usAppToPerson(result.sids.campaign!).fetch();
  expect(campaign.campaignStatus).toBe('VERIFIED');
  const numbers = await sdk.messaging.v1.services(result.sids.messagingService!).phoneNumbers.list();
  expect(numbers.map((n) => n.phoneNumber)).toEqual([number.phoneNumber]);

  const registration = await api.db.query('SELECT status, step, finished_at FROM a2p_registrations WHERE id = $1', [registrationId]);
  expect(registration.rows[0]).toMatchObject({ status: 'completed', step: 'done' });
  const profiles = await api.db.query('SELECT kind, status FROM a2p_profiles WHERE registration_id = $1 ORDER BY kind', [registrationId]);
  expect(profiles.rows).toEqual([{ kind: 'customer_profile', status: 'twilio-approved' }, { kind: 'trust_product', status: 'twilio-approved' }]);
  expect((await api.db.query('SELECT status FROM a2p_brands WHERE registration_id = $1', [registrationId])).rows).toEqual([{ status: 'APPROVED' }]);
  expect((await api.db.query('SELECT status FROM a2p_campaigns WHERE registration_id = $1', [registrationId])).rows).toEqual([{ status: 'VERIFIED' }]);
});

it('under lost responses and 5xx on every kind of Twilio call, the chain still creates each resource exactly once', async () => {
  const tenant = await newTenant(api.db, 'a2p-faults');
  const number = await buyThroughApi(api.app, tenant.headers, '217');
  const draft = { ...goodDraft(), phoneNumbers: [number] };
  const registrationId = randomUUID();
  const workflowId = `tenant-${tenant.tenantId}/a2p-${registrationId}`;
  await api.db.query(
    `INSERT INTO a2p_registrations (id, tenant_id, status, step, draft, workflow_id) VALUES ($1, $2, 'running', 'customer_profile', $3, $4)`,
    [registrationId, tenant.tenantId, JSON.stringify(draft), workflowId],
  );
  const stats = async () => ((await sandboxControl('GET', 'stats')) as { total: { droppedAfterCommit: number; injected5xx: number } }).total;
  const before = await stats();
  // Which requests fail hashes their SIDs, new each run: at 10 % 5xx a run saw none once (0.9 ^ ~40 requests ≈ 1.5 %);
  // at 25 % that is 0.001 %.
  await sandboxControl('POST', 'faults', { timeoutAfterCommitRate: 0.35, timeoutMode: 'drop', errorRate5xx: 0.25, seed: 11 });
  let result;
  try {
    result = await api.temporal.workflow.execute(a2pRegistration, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [{ tenantId: tenant.tenantId, registrationId, draft: draft as never, timings: { firstPollMs: 500, maxPollMs: 2000, deadlines: { customer_profile: 600_000, trust_product: 600_000, brand: 600_000, campaign: 600_000 } } }],
    });
  } finally {
    await sandboxControl('DELETE', 'faults');
  }
  const after = await stats();
  // Both kinds of fault really happened; how many is chance (the decisions hash requests carrying this run's SIDs).
  expect(after.droppedAfterCommit - before.droppedAfterCommit).toBeGreaterThan(0);
  expect(after.injected5xx - before.injected5xx).toBeGreaterThan(0);
  expect(result).toMatchObject({ status: 'completed', numbers: { attached: [number], refused: [] } });

  // Everything the registration made, counted at Twilio: one of each, however many attempts it took.
  const sdk = twilioSdk();
  const tag = tenantScopedName(tenant.tenantId, workflowId);
  expect((await sdk.trusthub.v1.customerProfiles.list({ friendlyName: tag })).map((p) => p.sid)).toEqual([result.sids.customerProfile]);
  expect((await sdk.trusthub.v1.trustProducts.list({ friendlyName: tag })).map((p) => p.sid)).toEqual([result.sids.trustProduct]);
  const endUsers = (await sdk.trusthub.v1.endUsers.list()).filter((u) => u.friendlyName.startsWith(tag)).map((u) => u.friendlyName).sort();
  expect(endUsers).toEqual([`${tag}:authorized_representative_1`, `${tag}:customer_profile_business_information`, `${tag}:us_a2p_messaging_profile_information`]);
  expect((await sdk.trusthub.v1.supportingDocuments.list()).filter((d) => d.friendlyName.startsWith(tag))).toHaveLength(1);
  expect((await sdk.api.v2010.accounts(stack.accountSid).addresses.list()).filter((a) => a.friendlyName === tag)).toHaveLength(1);
  const assignments = await sdk.trusthub.v1.customerProfiles(result.sids.customerProfile!).customerProfilesEntityAssignments.list();
  expect(new Set(assignments.map((a) => a.objectSid)).size).toBe(assignments.length);
  expect((await sdk.messaging.v1.brandRegistrations.list()).filter((b) => b.customerProfileBundleSid === result.sids.customerProfile)).toHaveLength(1);
  expect((await sdk.messaging.v1.services.list()).filter((s) => s.friendlyName.endsWith(` ${tag}`) && s.friendlyName.startsWith('Acme Dental'))
    .filter((s) => s.sid === result.sids.messagingService)).toHaveLength(1);
  expect(await sdk.messaging.v1.services(result.sids.messagingService!).usAppToPerson.list()).toHaveLength(1);
  expect((await sdk.messaging.v1.services(result.sids.messagingService!).phoneNumbers.list()).map((n) => n.phoneNumber)).toEqual([number]);

  // Each object Twilio can only find by paging was claimed once and its SID kept, however its creates went:
  // the next retry reads it from PostgreSQL instead of listing the whole account.
  const { rows } = await api.db.query<{ kind: string; sid: string | null }>('SELECT kind, sid FROM twilio_objects WHERE tenant_id = $1 ORDER BY kind, name', [tenant.tenantId]);
  // Objects Twilio finds by name (profile, trust product, address) are recorded too: the registry is where
  // "is this SID another tenant's?" is answered.
  expect(rows.map((r) => r.kind)).toEqual(['address', 'brand', 'customer_profile', 'end_user', 'end_user', 'end_user', 'messaging_service', 'supporting_document', 'trust_product']);
  expect(rows.find((r) => r.kind === 'customer_profile')!.sid).toBe(result.sids.customerProfile);
  expect(rows.find((r) => r.kind === 'brand')!.sid).toBe(result.sids.brand);
  expect(rows.find((r) => r.kind === 'messaging_service')!.sid).toBe(result.sids.messagingService);
  const endUserSids = (await sdk.trusthub.v1.endUsers.list()).filter((u) => u.friendlyName.startsWith(tag)).map((u) => u.sid).sort();
  expect(rows.filter((r) => r.kind === 'end_user').map((r) => r.sid).sort()).toEqual(endUserSids);
});

it('a Sole Proprietor under lost responses and 5xx: starter profile, SP trust product, brand, OTP resend, campaign and its number, each exactly once', async () => {
  const tenant = await newTenant(api.db, 'a2p-sp-faults');
  const number = await buyThroughApi(api.app, tenant.headers, '217');
  const draft = { ...soleProprietorDraft(), phoneNumbers: [number] };
  const registrationId = randomUUID();
  const workflowId = `tenant-${tenant.tenantId}/a2p-${registrationId}`;
  await api.db.query(
    `INSERT INTO a2p_registrations (id, tenant_id, status, step, draft, workflow_id) VALUES ($1, $2, 'running', 'customer_profile', $3, $4)`,
    [registrationId, tenant.tenantId, JSON.stringify(draft), workflowId],
  );
  const stats = async () => ((await sandboxControl('GET', 'stats')) as { total: { droppedAfterCommit: number } }).total;
  const before = await stats();
  await sandboxControl('POST', 'faults', { timeoutAfterCommitRate: 0.35, timeoutMode: 'drop', errorRate5xx: 0.1, seed: 17 });
  let result;
  try {
    const handle = await api.temporal.workflow.start(a2pRegistration, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [{ tenantId: tenant.tenantId, registrationId, draft: draft as never, timings: { firstPollMs: 500, maxPollMs: 2000, deadlines: { customer_profile: 600_000, trust_product: 600_000, brand: 600_000, campaign: 600_000 } } }],
    });
    let state = await handle.query(a2pStateQuery);
    for (let i = 0; i < 600 && state.status !== 'waiting_for_customer' && !['completed', 'failed'].includes(state.status); i++) {
      await new Promise((r) => setTimeout(r, 200));
      state = await handle.query(a2pStateQuery);
    }
    expect(state.status, JSON.stringify((await handle.describe()).raw.pendingActivities?.map((a) => [a.activityType?.name, a.attempt, a.lastFailure?.message]))).toBe('waiting_for_customer');
    // A resend whose answer may be lost is sent again: at worst a second OTP, never a second brand.
    expect((await handle.executeUpdate(a2pResendVerificationUpdate)).customerAction?.resends).toBe(1);
    await sandboxControl('POST', `brands/${state.sids.brand}/confirm-verification`);
    result = await handle.result();
  } finally {
    await sandboxControl('DELETE', 'faults');
  }
  expect((await stats()).droppedAfterCommit - before.droppedAfterCommit).toBeGreaterThan(0); // faults were really injected (how many depends on random SIDs in the requests)
  expect(result).toMatchObject({ status: 'completed', numbers: { attached: [number], refused: [] } });

  const sdk = twilioSdk();
  const tag = tenantScopedName(tenant.tenantId, workflowId);
  const profiles = await sdk.trusthub.v1.customerProfiles.list({ friendlyName: tag });
  expect(profiles.map((p) => [p.sid, p.policySid])).toEqual([[result.sids.customerProfile, 'RN806dd6cd175f314e1f96a9727ee271f4']]);
  const products = await sdk.trusthub.v1.trustProducts.list({ friendlyName: tag });
  expect(products.map((p) => [p.sid, p.policySid])).toEqual([[result.sids.trustProduct, 'RN670d5d2e282a6130ae063b234b6019c8']]);
  const endUsers = (await sdk.trusthub.v1.endUsers.list()).filter((u) => u.friendlyName.startsWith(tag)).map((u) => u.friendlyName).sort();
  expect(endUsers).toEqual([`${tag}:sole_proprietor_information`, `${tag}:starter_customer_profile_information`]);
  expect((await sdk.trusthub.v1.supportingDocuments.list()).filter((d) => d.friendlyName.startsWith(tag))).toHaveLength(1);
  expect((await sdk.api.v2010.accounts(stack.accountSid).addresses.list()).filter((a) => a.friendlyName === tag)).toHaveLength(1);
  const brands = (await sdk.messaging.v1.brandRegistrations.list()).filter((b) => b.customerProfileBundleSid === result.sids.customerProfile);
  expect(brands.map((b) => [b.brandType, b.identityStatus])).toEqual([['SOLE_PROPRIETOR', 'VERIFIED']]);
  const campaigns = await sdk.messaging.v1.services(result.sids.messagingService!).usAppToPerson.list();
  expect(campaigns.map((c) => c.usAppToPersonUsecase)).toEqual(['SOLE_PROPRIETOR']);
  expect((await sdk.messaging.v1.services(result.sids.messagingService!).phoneNumbers.list()).map((n) => n.phoneNumber)).toEqual([number]);
});
