/**
 * Issue #24's "done when" for a `byo` tenant, through the API on real parts: its own Twilio account (a new
 * top-level sandbox account) given with wrong credentials is refused at PUT naming the field; with right ones and
 * its own approved primary customer profile, it buys a number and registers A2P to completion. Read at the sandbox
 * with its own credentials, everything the registration made is in its account, its secondary profile connected
 * to its own primary (a byo account is not under the deployment's primary profile); the deployment's account
 * gained nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTwilioClient } from '../../../activities/kit/twilio-client';
import { goodDraft } from '../../fixtures/a2p-draft';
import { buyThroughApi, createTestApi, newTenant, stack, twilioSdk, waitFor } from '../../helpers/stack';

/** Twilio's policy of ISV primary customer profiles. */
const PRIMARY_PROFILE_POLICY = 'RN6433641899984f951173ef1738c3bdd0';

let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  api = await createTestApi({ A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000' });
});
afterAll(async () => api?.close());

async function ownAccount(): Promise<{ sid: string; authToken: string }> {
  const res = await fetch(`${stack.sandboxUrl}/__sandbox/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(res.status).toBe(201);
  const own = (await res.json()) as { sid: string; authToken: string };
  // Each account has its own review clock at the sandbox: this one reviews fast.
  const fast = await fetch(`${stack.sandboxUrl}/__sandbox/accounts/${own.sid}/reviews`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ preset: 'fast' }) });
  expect(fast.status).toBe(200);
  return own;
}

it('a byo tenant: wrong credentials refused; right ones with its own primary profile, then A2P end to end in its own account', async () => {
  const own = await ownAccount();
  const sdk = createTwilioClient({ accountSid: own.sid, authToken: own.authToken, baseUrl: stack.sandboxUrl, timeoutMs: 10_000 });
  const tenant = await newTenant(api.db, 'byo-a2p');
  const put = (payload: object) => api.app.inject({ method: 'PUT', url: '/v1/account/credentials', headers: tenant.headers, payload });

  const wrong = await put({ accountSid: own.sid, authToken: 'f'.repeat(32) });
  expect(wrong.statusCode, wrong.body).toBe(400);
  expect(wrong.json().error.fields[0].field).toBe('authToken');

  const primary = (await sdk.trusthub.v1.customerProfiles.list({ policySid: PRIMARY_PROFILE_POLICY })).find((p) => p.status === 'twilio-approved')!;
  expect(primary).toBeDefined();
  const bound = await put({ accountSid: own.sid, authToken: own.authToken, primaryCustomerProfileSid: primary.sid });
  expect(bound.statusCode, bound.body).toBe(200);
  expect(bound.json().binding).toMatchObject({ kind: 'byo', accountSid: own.sid, status: 'active' });

  const parent = twilioSdk();
  const parentBrandsBefore = (await parent.messaging.v1.brandRegistrations.list({ pageSize: 1000 })).length;
  const number = await buyThroughApi(api.app, tenant.headers, '541');
  const started = await api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: tenant.headers, payload: { ...goodDraft(), phoneNumbers: [number] } });
  expect(started.statusCode, started.body).toBe(202);
  const registration = await waitFor(async () => {
    const r = (await api.app.inject({ method: 'GET', url: `/v1/a2p/registrations/${started.json().id}`, headers: tenant.headers })).json();
    return r.finishedAt ? r : null;
  }, 'the registration to finish', 120_000);
  expect(registration, JSON.stringify(registration.timeline?.slice(-3))).toMatchObject({ status: 'completed', numbers: { attached: [number], refused: [] } });

  // In its own account, read with its own credentials: the number, the secondary profile (connected to its own
  // primary), the trust product, the brand, the Messaging Service holding the number.
  const sids = registration.sids as { customerProfile: string; trustProduct: string; brand: string; messagingService: string };
  expect((await sdk.api.v2010.accounts(own.sid).incomingPhoneNumbers.list()).map((n) => n.phoneNumber)).toEqual([number]);
  const assigned = (await sdk.trusthub.v1.customerProfiles(sids.customerProfile).customerProfilesEntityAssignments.list()).map((e) => e.objectSid);
  expect(assigned).toContain(primary.sid);
  expect((await sdk.trusthub.v1.trustProducts.list()).map((t) => t.sid)).toContain(sids.trustProduct);
  expect((await sdk.messaging.v1.brandRegistrations.list()).map((b) => b.sid)).toEqual([sids.brand]);
  expect((await sdk.messaging.v1.services(sids.messagingService).phoneNumbers.list()).map((p) => p.phoneNumber)).toEqual([number]);
  // The deployment's account gained no brand, and doesn't hold the number.
  expect((await parent.messaging.v1.brandRegistrations.list({ pageSize: 1000 })).length).toBe(parentBrandsBefore);
  expect((await parent.api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ phoneNumber: number })).length).toBe(0);
});
