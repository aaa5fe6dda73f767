/**
 * Issue #24's "done when", for `subaccount` tenants, through the API on real parts: two tenants, each bound to a
 * subaccount of the deployment's account (this file's slot account), buy numbers, provision a trunk and register
 * A2P. Read back at the sandbox with the official SDK — under the parent's credentials for 2010 resources, under
 * each subaccount's own for Trunking, Trust Hub and Messaging (Twilio scopes those to the credentials' account) —
 * each tenant's objects are in its own subaccount only: not in the parent's, not in the sibling's. Tenant B naming
 * A's ids and numbers gets 404, and nothing of A's at Twilio changes.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTwilioClient } from '../../../activities/kit/twilio-client';
import { SecretBox } from '../../../db/platform/secrets';
import { bindAccount } from '../../../db/platform/twilio-bindings';
import { goodDraft } from '../../fixtures/a2p-draft';
import { waitForTrunk } from '../../helpers/sip';
import { buyThroughApi, createTestApi, newTenant, stack, twilioSdk, waitFor } from '../../helpers/stack';

let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  api = await createTestApi({ A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000' });
});
afterAll(async () => api?.close());

/** A tenant bound to a new subaccount of the deployment's account, as the operator's create makes one. */
async function subaccountTenant(name: string) {
  const sub = await twilioSdk().api.v2010.accounts.create({ friendlyName: `${name} ${randomUUID().slice(0, 8)}` });
  const tenant = await newTenant(api.db, name);
  await bindAccount(api.db, SecretBox.fromConfig(api.config, 'twilio-credential'), tenant.tenantId, {
    kind: 'subaccount',
    accountSid: sub.sid,
    credential: { kind: 'auth_token', authToken: sub.authToken },
  });
  // Each account has its own review clock at the sandbox: this one reviews fast.
  const res = await fetch(`${stack.sandboxUrl}/__sandbox/accounts/${sub.sid}/reviews`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ preset: 'fast' }) });
  expect(res.status).toBe(200);
  const sdk = createTwilioClient({ accountSid: sub.sid, authToken: sub.authToken, baseUrl: stack.sandboxUrl, timeoutMs: 10_000 });
  return { name, tenant, sub: sub.sid, sdk };
}
type SubTenant = Awaited<ReturnType<typeof subaccountTenant>>;

/** Two numbers, a trunk with the first, an A2P registration with the second, each to its end, through the API. */
async function provision(t: SubTenant) {
  const numbers = [await buyThroughApi(api.app, t.tenant.headers, '541'), await buyThroughApi(api.app, t.tenant.headers, '541')];
  const created = await api.app.inject({
    method: 'POST',
    url: '/v1/sip/trunks',
    headers: t.tenant.headers,
    payload: { friendlyName: `${t.name}-pbx`, originationUris: [{ sipUrl: `sip:${t.name}.example.com;transport=tls`, priority: 10, weight: 10 }], phoneNumbers: [numbers[0]] },
  });
  expect(created.statusCode, created.body).toBe(202);
  const trunk = await waitForTrunk(api.app, t.tenant.headers, created.json().id);
  expect(trunk).toMatchObject({ status: 'active', operation: { status: 'succeeded' } });

  const draft = { ...goodDraft(), phoneNumbers: [numbers[1]] };
  const started = await api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: t.tenant.headers, payload: draft });
  expect(started.statusCode, started.body).toBe(202);
  const registration = await waitFor(async () => {
    const r = (await api.app.inject({ method: 'GET', url: `/v1/a2p/registrations/${started.json().id}`, headers: t.tenant.headers })).json();
    return r.finishedAt ? r : null;
  }, `${t.name}'s registration to finish`, 120_000);
  expect(registration, JSON.stringify(registration.timeline?.slice(-3))).toMatchObject({ status: 'completed', numbers: { attached: [numbers[1]], refused: [] } });
  return { numbers: [...numbers].sort(), trunk, registration };
}

/** What an account holds at the sandbox: 2010 numbers (read by the parent), trunks, profiles, brands, services (read as the account). */
async function heldAt(t: SubTenant) {
  const numbers = await twilioSdk().api.v2010.accounts(t.sub).incomingPhoneNumbers.list({ pageSize: 100 });
  return {
    numbers: numbers.map((n) => n.phoneNumber).sort(),
    trunks: (await t.sdk.trunking.v1.trunks.list()).map((x) => x.sid),
    profiles: (await t.sdk.trusthub.v1.customerProfiles.list()).map((x) => x.sid),
    trustProducts: (await t.sdk.trusthub.v1.trustProducts.list()).map((x) => x.sid),
    brands: (await t.sdk.messaging.v1.brandRegistrations.list()).map((x) => x.sid),
    services: (await t.sdk.messaging.v1.services.list()).map((x) => x.sid),
  };
}

it('two subaccount tenants: numbers, a trunk and an A2P registration each, all in its own subaccount; B naming A’s gets 404 and changes nothing', async () => {
  const [a, b] = [await subaccountTenant('sub-a'), await subaccountTenant('sub-b')];
  const [made, madeB] = await Promise.all([provision(a), provision(b)]);

  const [atA, atB] = [await heldAt(a), await heldAt(b)];
  const parent = twilioSdk();
  for (const [t, at, m] of [[a, atA, made], [b, atB, madeB]] as const) {
    expect(at.numbers, t.name).toEqual(m.numbers);
    expect(at.trunks, t.name).toEqual([m.trunk.trunkSid]);
    expect(at.brands, t.name).toEqual([m.registration.sids.brand]);
    expect(at.services, t.name).toEqual([m.registration.sids.messagingService]);
    expect(at.profiles, t.name).toContain(m.registration.sids.customerProfile);
    expect(at.trustProducts, t.name).toContain(m.registration.sids.trustProduct);
  }
  // Nothing of theirs in the parent's own account, nor in the sibling's.
  const parentTrunks = (await parent.trunking.v1.trunks.list({ pageSize: 1000 })).map((x) => x.sid);
  const parentBrands = (await parent.messaging.v1.brandRegistrations.list({ pageSize: 1000 })).map((x) => x.sid);
  const parentNumbers = (await parent.api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ phoneNumber: '+1541', pageSize: 1000 })).map((n) => n.phoneNumber);
  for (const at of [atA, atB]) {
    expect(parentTrunks).not.toEqual(expect.arrayContaining(at.trunks));
    expect(parentBrands).not.toEqual(expect.arrayContaining(at.brands));
    for (const n of at.numbers) expect(parentNumbers).not.toContain(n);
  }
  expect(atB.trunks.filter((x) => atA.trunks.includes(x))).toEqual([]);
  expect(atB.numbers.filter((x) => atA.numbers.includes(x))).toEqual([]);
  // The secondary profile in each subaccount is connected to the deployment's primary profile (Twilio's ISV model).
  const assigned = (await a.sdk.trusthub.v1.customerProfiles(made.registration.sids.customerProfile).customerProfilesEntityAssignments.list()).map((x) => x.objectSid);
  const primaries = (await parent.trusthub.v1.customerProfiles.list({ policySid: 'RN6433641899984f951173ef1738c3bdd0' })).map((p) => p.sid);
  expect(assigned.filter((sid) => primaries.includes(sid))).toHaveLength(1);

  // B names A's trunk, registration and numbers: 404 each, and A's objects at Twilio are as they were.
  const asB = (method: 'GET' | 'PATCH' | 'DELETE' | 'POST', url: string, payload?: object) => api.app.inject({ method, url, headers: b.tenant.headers, ...(payload ? { payload } : {}) });
  const tries = [
    await asB('GET', `/v1/sip/trunks/${made.trunk.id}`),
    await asB('DELETE', `/v1/sip/trunks/${made.trunk.id}`),
    await asB('GET', `/v1/a2p/registrations/${made.registration.id}`),
    await asB('POST', `/v1/a2p/registrations/${made.registration.id}/cancel`),
    await asB('GET', `/v1/numbers/${encodeURIComponent(made.numbers[0]!)}`),
    await asB('PATCH', `/v1/numbers/${encodeURIComponent(made.numbers[0]!)}`, { smsUrl: 'https://b.example.com/sms' }),
    await asB('DELETE', `/v1/numbers/${encodeURIComponent(made.numbers[1]!)}`),
  ];
  expect(tries.map((r) => r.statusCode)).toEqual(tries.map(() => 404));
  expect(await heldAt(a)).toEqual(atA);
  const numberA = (await parent.api.v2010.accounts(a.sub).incomingPhoneNumbers.list({ phoneNumber: made.numbers[0] }))[0]!;
  expect(numberA.smsUrl).not.toBe('https://b.example.com/sms');
}, 240_000);
