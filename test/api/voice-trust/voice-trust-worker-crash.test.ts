import { tenantScopedName } from '../../../activities/kit/twilio-objects';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiOnOwnQueue, buyThroughApi, newTenant, sandboxControl, stack, startWorkerProcess, stopChild, twilioSdk, waitFor } from '../../helpers/stack';

// A task queue of its own, so only the workers this test starts and kills run the registration.
const taskQueue = 'voice-trust-crash-test';
const api = apiOnOwnQueue(taskQueue, { A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000' });
beforeAll(async () => {
  await sandboxControl('POST', 'reviews', { preset: 'fast' });
});
afterAll(async () => {
  await sandboxControl('DELETE', 'faults');
  await sandboxControl('POST', 'reviews', { preset: 'realistic' });
});

it('a worker killed while numbers go onto the business profile: a new worker finishes, each number assigned once', async () => {
  const tenant = await newTenant(api().db, 'voice-trust-crash');
  const first = await startWorkerProcess(taskQueue);
  let second: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  try {
    const numbers: string[] = [];
    for (let i = 0; i < 12; i++) numbers.push(await buyThroughApi(api().app, tenant.headers, '736'));
    const th = twilioSdk().trusthub.v1;
    const profile = await th.customerProfiles.create({ friendlyName: 'crash profile', email: 'ops@acme.example', policySid: 'RNdfbf3fae0e1107f8aded0e7cead80bf5' });
    await api().db.query(`INSERT INTO a2p_profiles (tenant_id, profile_sid, kind, status) VALUES ($1, $2, 'customer_profile', 'twilio-approved')`, [tenant.tenantId, profile.sid]);
    // Slow Twilio, so the kill lands among the assignments.
    await sandboxControl('POST', 'faults', { latencyMs: 150 });
    const res = await api().app.inject({
      method: 'POST', url: '/v1/voice-trust/registrations', headers: tenant.headers,
      payload: { product: 'shaken_stir', businessProfileSid: profile.sid, email: 'ops@acme.example', phoneNumbers: numbers },
    });
    expect(res.statusCode).toBe(202);
    const id = res.json().id as string;
    const onProfile = async () => (await api().db.query<{ n: number }>('SELECT count(*)::int AS n FROM voice_trust_numbers WHERE registration_id = $1 AND on_business_profile', [id])).rows[0]!.n;
    await waitFor(async () => (await onProfile()) >= 3, 'some numbers on the profile', 60_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = await onProfile();
    expect(atKill).toBeLessThan(12);

    second = await startWorkerProcess(taskQueue);
    const done = await waitFor(async () => {
      const v = (await api().app.inject({ method: 'GET', url: `/v1/voice-trust/registrations/${id}`, headers: tenant.headers })).json();
      return ['completed', 'failed', 'action_required'].includes(v.status) ? v : null;
    }, 'the registration to finish', 120_000);
    expect(done.status).toBe('completed');
    // Exactly one assignment per number on the profile and on the trust product (the sandbox keeps duplicates).
    const sids = (await twilioSdk().api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ phoneNumber: '+1736', pageSize: 100 }))
      .filter((n) => numbers.includes(n.phoneNumber)).map((n) => n.sid).sort();
    expect(sids).toHaveLength(12);
    expect((await th.customerProfiles(profile.sid).customerProfilesChannelEndpointAssignment.list()).map((a) => a.channelEndpointSid).sort()).toEqual(sids);
    expect((await th.trustProducts(done.trustProductSid).trustProductsChannelEndpointAssignment.list()).map((a) => a.channelEndpointSid).sort()).toEqual(sids);
    expect(await th.trustProducts.list({ friendlyName: tenantScopedName(tenant.tenantId, `tenant-${tenant.tenantId}/voice-trust-${id}`) })).toHaveLength(1);
  } finally {
    await sandboxControl('DELETE', 'faults');
    await stopChild(first);
    if (second) await stopChild(second);
  }
});
