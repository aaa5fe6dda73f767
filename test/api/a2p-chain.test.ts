import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { a2pRegistration } from '../../workflows';
import { buyThroughApi, createTestApi, newTenant, sandboxControl, stack, twilioSdk } from '../helpers/stack';
import { goodDraft } from '../fixtures/a2p-draft';

let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  api = await createTestApi();
  await sandboxControl('POST', 'reviews', { preset: 'fast' });
});
afterAll(async () => {
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
