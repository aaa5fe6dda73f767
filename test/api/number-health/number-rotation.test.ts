import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buyThroughApi, createTestApi, newTenant, ownedInSandbox, sandboxControl, stack, twilioSdk, waitFor } from '../../helpers/stack';
import { waitForTrunk } from '../../helpers/sip';

/**
 * Rest, rotation and release on real parts: the health pass quarantines a number, the rotation pass buys a
 * replacement in its area code and moves its service (URLs, trunk, Messaging Service) to it, and releases
 * numbers quarantined long enough — each run a job, every Twilio write exactly once, also under faults.
 */
let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;
beforeAll(async () => {
  api = await createTestApi();
  tenant = await newTenant(api.db, 'rotation');
});
afterAll(async () => api.close());

type Headers = Record<string, string>;
const call = (method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH', url: string, payload?: object, headers: Headers = tenant.headers) =>
  api.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
const number = async (pn: string, headers: Headers = tenant.headers) => (await call('GET', `/v1/numbers/${encodeURIComponent(pn)}`, undefined, headers)).json();

interface JobJson { id: string; status: string; counts: { requested: number }; outcome: { message: string } | null }
/** Runs a pass now and waits for its job (the newest of its kind) to finish. */
async function runPass(schedule: 'health_pass' | 'rotation_pass', headers: Headers = tenant.headers): Promise<JobJson> {
  const jobs = async () => (await call('GET', `/v1/jobs?kind=${schedule}&limit=50`, undefined, headers)).json().data as JobJson[];
  const before = (await jobs()).length;
  expect((await call('POST', `/v1/number-health/policy/run?schedule=${schedule}`, undefined, headers)).statusCode).toBe(200);
  return waitFor(async () => {
    const all = await jobs();
    return all.length > before && !['queued', 'running'].includes(all[0]!.status) ? all[0]! : null;
  }, schedule, 120_000);
}
const itemsOf = async (jobId: string, headers: Headers = tenant.headers) =>
  (await call('GET', `/v1/jobs/${jobId}/items`, undefined, headers)).json().data as { phoneNumber: string; status: string; detail: Record<string, unknown> }[];
async function report(pn: string, outcome: 'blocked' | 'complaint', n: number, headers: Headers = tenant.headers) {
  const at = new Date().toISOString();
  await call('POST', '/v1/number-health/call-outcomes', { outcomes: Array.from({ length: n }, () => ({ phoneNumber: pn, at, outcome, externalId: randomUUID() })) }, headers);
}
const sdk = twilioSdk();
const account = () => sdk.api.v2010.accounts(stack.accountSid);
const sidOf = async (pn: string) => (await account().incomingPhoneNumbers.list({ phoneNumber: pn }))[0]!.sid;

it('rotates a quarantined number: a replacement in its area code takes over its URLs, trunk, Messaging Service and SHAKEN/STIR place, once', async () => {
  // Only the queued events matter here; the URL must resolve (the test stack allows local addresses).
  const endpoint = await call('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/rotation-events', eventTypes: ['number.rotated'] });
  expect(endpoint.statusCode).toBe(201);
  const [bad, good] = [await buyThroughApi(api.app, tenant.headers, '725'), await buyThroughApi(api.app, tenant.headers, '725')];
  const config = { voiceUrl: 'https://voice.rotation.example.org/in', smsUrl: 'https://sms.rotation.example.org/in' };
  expect((await call('PATCH', `/v1/numbers/${encodeURIComponent(bad)}`, config)).statusCode).toBe(200);
  // Its trunk (through the API) and its A2P Messaging Service (a completed registration's).
  const trunk = await call('POST', '/v1/sip/trunks', { friendlyName: 'rotation', phoneNumbers: [bad] });
  expect(trunk.statusCode).toBe(202);
  const trunkSid = (await waitForTrunk(api.app, tenant.headers, trunk.json().id)).trunkSid!;
  const service = await sdk.messaging.v1.services.create({ friendlyName: 'rotation test' });
  await sdk.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: await sidOf(bad) });
  const registrationId = randomUUID();
  await api.db.query(
    `INSERT INTO a2p_registrations (id, tenant_id, status, step, draft, state, workflow_id, finished_at) VALUES ($1, $2, 'completed', 'done', '{}', $3, $4, now())`,
    [registrationId, tenant.tenantId, JSON.stringify({ sids: { messagingService: service.sid }, numbers: { attached: [bad], refused: [] } }), `tenant-${tenant.tenantId}/a2p-${registrationId}`],
  );

  // …and its SHAKEN/STIR registration (approved, the number on the business profile and the trust product).
  const th = sdk.trusthub.v1;
  const badSid = await sidOf(bad);
  const profile = await th.customerProfiles.create({ friendlyName: 'rotation profile', email: 'ops@rotation.example.org', policySid: 'RNdfbf3fae0e1107f8aded0e7cead80bf5' });
  const product = await th.trustProducts.create({ friendlyName: 'rotation shaken', email: 'ops@rotation.example.org', policySid: 'RN7a97559effdf62d00f4298208492a5ea' });
  await th.trustProducts(product.sid).trustProductsEntityAssignments.create({ objectSid: profile.sid });
  await th.customerProfiles(profile.sid).customerProfilesChannelEndpointAssignment.create({ channelEndpointType: 'phone-number', channelEndpointSid: badSid });
  await th.trustProducts(product.sid).trustProductsChannelEndpointAssignment.create({ channelEndpointType: 'phone-number', channelEndpointSid: badSid });
  const shakenId = randomUUID();
  await api.db.query(
    `INSERT INTO voice_trust_registrations (id, tenant_id, product, status, step, draft, business_profile_sid, trust_product_sid, twilio_status, workflow_id, finished_at)
     VALUES ($1, $2, 'shaken_stir', 'completed', 'done', '{}', $3, $4, 'twilio-approved', $5, now())`,
    [shakenId, tenant.tenantId, profile.sid, product.sid, `tenant-${tenant.tenantId}/voice-trust-${shakenId}`],
  );
  await api.db.query(`INSERT INTO voice_trust_numbers (registration_id, tenant_id, phone_number, twilio_sid, on_business_profile, on_trust_product) VALUES ($1, $2, $3, $4, true, true)`, [shakenId, tenant.tenantId, bad, badSid]);

  await report(bad, 'blocked', 3);
  const policy = await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 80, rotate: true, releaseAfterDays: 30, restDays: 7 });
  expect(policy.statusCode).toBe(200);
  expect(policy.json()).toMatchObject({
    restDays: 7, releaseAfterDays: 30, rotate: true, rotationCron: '0 7 * * 1',
    rotation: { scheduleId: `tenant-${tenant.tenantId}/rotation-pass`, paused: false },
  });
  expect(new Date(policy.json().rotation.nextRunAt).getUTCDay()).toBe(1); // Monday
  await runPass('health_pass');
  expect((await number(bad)).hygieneState).toBe('quarantined');

  const run = await runPass('rotation_pass');
  expect(run).toMatchObject({ status: 'succeeded', counts: { requested: 1 } });
  expect(run.outcome!.message).toBe('1 quarantined numbers due: 1 rotated, 0 released, 0 failed');
  const [item] = await itemsOf(run.id);
  expect(item).toMatchObject({ phoneNumber: bad, status: 'succeeded', detail: { action: 'rotated', trunkSid, messagingServices: [service.sid], trustProducts: [product.sid] } });
  const replacement = item!.detail.replacement as string;
  expect(replacement.startsWith('+1725')).toBe(true);
  expect(await number(bad)).toMatchObject({ hygieneState: 'quarantined', replacedBy: replacement, status: 'active' });
  expect(await number(replacement)).toMatchObject({ status: 'active', hygieneState: 'ok', config: expect.objectContaining(config) });

  // At Twilio: the replacement carries the URLs and sits on the trunk and in the service; the old one left both.
  const [oldSid, newSid] = [await sidOf(bad), await sidOf(replacement)];
  expect(await account().incomingPhoneNumbers(newSid).fetch()).toMatchObject({ smsUrl: config.smsUrl, trunkSid });
  expect((await sdk.trunking.v1.trunks(trunkSid).phoneNumbers.list()).map((n) => n.phoneNumber)).toEqual([replacement]);
  expect((await sdk.messaging.v1.services(service.sid).phoneNumbers.list()).map((n) => n.sid)).toEqual([newSid]);
  expect((await account().incomingPhoneNumbers(oldSid).fetch()).trunkSid).toBeNull();
  expect((await th.trustProducts(product.sid).trustProductsChannelEndpointAssignment.list()).map((a) => a.channelEndpointSid)).toEqual([newSid]);
  expect((await th.customerProfiles(profile.sid).customerProfilesChannelEndpointAssignment.list({ channelEndpointSid: newSid })).length).toBe(1);
  const shaken = (await call('GET', `/v1/voice-trust/registrations/${shakenId}`)).json();
  expect(shaken.numbers.map((n: { phoneNumber: string; detached: boolean; attestation: string | null }) => [n.phoneNumber, n.detached, n.attestation]).sort()).toEqual(
    [[bad, true, null], [replacement, false, 'A']].sort(),
  );
  expect((await call('GET', `/v1/sip/trunks/${trunkSid}`)).json().phoneNumbers.map((n: { phoneNumber: string }) => n.phoneNumber)).toEqual([replacement]);
  expect((await ownedInSandbox('+1725')).sort()).toEqual([bad, good, replacement].sort());

  // Run again: the rotated number is not rotated twice, and nothing more is bought.
  const again = await runPass('rotation_pass');
  expect(again).toMatchObject({ status: 'succeeded', counts: { requested: 0 } });
  expect(await ownedInSandbox('+1725')).toHaveLength(3);
  // A rotated number stays out of service even when its score recovers.
  await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 50, rotate: true, releaseAfterDays: 30, restDays: 0 });
  await runPass('health_pass');
  expect((await number(bad)).hygieneState).toBe('quarantined');

  // 31 days in quarantine: released (its Messaging Service and trunk were left already).
  await api.db.query(`UPDATE phone_numbers SET quarantined_at = now() - interval '31 days' WHERE tenant_id = $1 AND phone_number = $2`, [tenant.tenantId, bad]);
  const release = await runPass('rotation_pass');
  expect((await itemsOf(release.id)).map((i) => [i.phoneNumber, i.detail.action])).toEqual([[bad, 'released']]);
  expect((await number(bad)).status).toBe('released');
  expect((await ownedInSandbox('+1725')).sort()).toEqual([good, replacement].sort());
  const events = await api.db.query<{ event_type: string; data: { phoneNumber: string; replacedBy: string } }>(
    `SELECT event_type, payload->'data' AS data FROM webhook_deliveries WHERE tenant_id = $1 AND event_type = 'number.rotated'`,
    [tenant.tenantId],
  );
  expect(events.rows.map((e) => e.data)).toEqual([{ phoneNumber: bad, replacedBy: replacement }]);
});

it('one number Twilio refuses to move (21712) fails alone: its item keeps Twilio’s code, the other rotates, the pass ends partial', async () => {
  const refusing = await newTenant(api.db, 'rotation-21712');
  const numbers = [await buyThroughApi(api.app, refusing.headers, '729'), await buyThroughApi(api.app, refusing.headers, '729')];
  // Both send from the tenant's A2P Messaging Service (a completed registration's, which attached them).
  const service = await sdk.messaging.v1.services.create({ friendlyName: 'rotation 21712' });
  for (const pn of numbers) await sdk.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: await sidOf(pn) });
  const registrationId = randomUUID();
  await api.db.query(
    `INSERT INTO a2p_registrations (id, tenant_id, status, step, draft, state, workflow_id, finished_at) VALUES ($1, $2, 'completed', 'done', '{}', $3, $4, now())`,
    [registrationId, refusing.tenantId, JSON.stringify({ sids: { messagingService: service.sid }, numbers: { attached: numbers } }), `tenant-${refusing.tenantId}/a2p-${registrationId}`],
  );
  for (const pn of numbers) await report(pn, 'blocked', 3, refusing.headers);
  expect((await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 80, rotate: true }, refusing.headers)).statusCode).toBe(200);
  await runPass('health_pass', refusing.headers);

  // The first replacement to join the service is refused, as Twilio refuses a number already in another service.
  const refusal = { status: 409, code: 21712, message: 'This phone number is already associated with another Messaging Service' };
  await sandboxControl('POST', 'failures', { method: 'POST', path: `/v1/Services/${service.sid}/PhoneNumbers`, ...refusal, times: 1 });
  let run: JobJson;
  try {
    run = await runPass('rotation_pass', refusing.headers);
  } finally {
    await sandboxControl('DELETE', 'failures');
  }
  expect(run).toMatchObject({ status: 'partial', counts: { requested: 2, succeeded: 1, failed: 1 }, outcome: { message: '2 quarantined numbers due: 1 rotated, 0 released, 1 failed' } });
  expect((await call('GET', `/v1/jobs/${run.id}`, undefined, refusing.headers)).json().finishedAt).not.toBeNull();
  const items = (await call('GET', `/v1/jobs/${run.id}/items`, undefined, refusing.headers)).json().data as { phoneNumber: string; status: string; error: object | null; detail: Record<string, unknown> }[];
  const failed = items.find((i) => i.status === 'failed')!;
  expect(failed).toMatchObject({ error: { code: 21712, status: 409, message: refusal.message }, detail: { action: 'failed', reason: expect.stringContaining('21712') } });
  expect(items.find((i) => i.status === 'succeeded')).toMatchObject({ detail: { action: 'rotated', messagingServices: [service.sid] } });
  // The refused number keeps its service: not marked replaced, still in the Messaging Service.
  expect(await number(failed.phoneNumber, refusing.headers)).toMatchObject({ hygieneState: 'quarantined', replacedBy: null });
  expect((await sdk.messaging.v1.services(service.sid).phoneNumbers.list()).map((n) => n.phoneNumber)).toContain(failed.phoneNumber);
});

it('a quarantined number rests its days before a pass restores it', async () => {
  const rester = await newTenant(api.db, 'rotation-rest');
  const pn = await buyThroughApi(api.app, rester.headers, '726');
  await report(pn, 'complaint', 2, rester.headers); // 70
  expect((await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 80, restDays: 7 }, rester.headers)).statusCode).toBe(200);
  await runPass('health_pass', rester.headers);
  expect((await number(pn, rester.headers)).hygieneState).toBe('quarantined');
  // Recovered (threshold lowered), but only just quarantined: it rests.
  await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 60, restDays: 7 }, rester.headers);
  const resting = await runPass('health_pass', rester.headers);
  expect((await itemsOf(resting.id, rester.headers))[0]!.detail).toMatchObject({ score: 70, action: 'resting' });
  expect((await number(pn, rester.headers)).hygieneState).toBe('quarantined');
  await api.db.query(`UPDATE phone_numbers SET quarantined_at = now() - interval '8 days' WHERE phone_number = $1 AND tenant_id = $2`, [pn, rester.tenantId]);
  const restored = await runPass('health_pass', rester.headers);
  expect((await itemsOf(restored.id, rester.headers))[0]!.detail).toMatchObject({ action: 'restored' });
  expect((await number(pn, rester.headers)).hygieneState).toBe('ok');
  // Without rotate, the rotation pass leaves quarantined numbers alone (none here): its run is an empty job.
  expect(await runPass('rotation_pass', rester.headers)).toMatchObject({ status: 'succeeded', counts: { requested: 0 } });
});

it('under 5xx and answers lost after Twilio committed, rotations still buy exactly one replacement each', async () => {
  const faulty = await newTenant(api.db, 'rotation-faults');
  const numbers = [await buyThroughApi(api.app, faulty.headers, '727'), await buyThroughApi(api.app, faulty.headers, '727'), await buyThroughApi(api.app, faulty.headers, '727')];
  for (const pn of numbers) await report(pn, 'blocked', 3, faulty.headers);
  await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 80, rotate: true }, faulty.headers);
  await runPass('health_pass', faulty.headers);
  const injected = async () => ((await sandboxControl('GET', 'stats')) as { total: { injectedFailures: number } }).total.injectedFailures;
  const injectedBefore = await injected();
  // Certainly: the first two purchases answer 503 unprocessed. At random after that: 5xx, and purchases whose answer is lost after Twilio made them.
  await sandboxControl('POST', 'failures', { method: 'POST', path: '/2010-04-01/Accounts/*/IncomingPhoneNumbers.json', status: 503, code: 20503, message: 'Service Unavailable', times: 2 });
  await sandboxControl('POST', 'faults', { errorRate5xx: 0.3, timeoutAfterCommitRate: 0.5, timeoutMode: 'drop', seed: 27 });
  let run: JobJson;
  try {
    run = await runPass('rotation_pass', faulty.headers);
  } finally {
    await sandboxControl('DELETE', 'faults');
    await sandboxControl('DELETE', 'failures');
  }
  expect(run).toMatchObject({ status: 'succeeded', counts: { requested: 3 } });
  const replacements = (await itemsOf(run.id, faulty.headers)).map((i) => i.detail.replacement as string);
  expect(new Set(replacements).size).toBe(3);
  // Three numbers and three replacements at Twilio, no more: a purchase whose answer was lost was found, not repeated.
  expect((await ownedInSandbox('+1727')).sort()).toEqual([...numbers, ...replacements].sort());
  expect((await injected()) - injectedBefore).toBe(2);
});

it('the rotation Schedule is pausable through the API, and a refused rotation cron leaves nothing behind', async () => {
  const other = await newTenant(api.db, 'rotation-schedule');
  const refused = await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 80, rotationCron: '75 99 * * *' }, other.headers);
  expect(refused.statusCode).toBe(400);
  expect(refused.json().error.fields[0].field).toBe('rotationCron');
  expect((await call('GET', '/v1/number-health/policy', undefined, other.headers)).statusCode).toBe(404);
  await expect(api.temporal.schedule.getHandle(`tenant-${other.tenantId}/health-pass`).describe()).rejects.toThrow();

  expect((await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 80 }, other.headers)).statusCode).toBe(200);
  const paused = (await call('POST', '/v1/number-health/policy/pause?schedule=rotation_pass', undefined, other.headers)).json();
  expect(paused).toMatchObject({ paused: false, rotation: { paused: true } });
  expect((await call('POST', '/v1/number-health/policy/pause?schedule=weekly', undefined, other.headers)).statusCode).toBe(400);
  expect((await call('DELETE', '/v1/number-health/policy', undefined, other.headers)).json()).toEqual({
    deleted: true, scheduleId: `tenant-${other.tenantId}/health-pass`, rotationScheduleId: `tenant-${other.tenantId}/rotation-pass`,
  });
  await expect(api.temporal.schedule.getHandle(`tenant-${other.tenantId}/rotation-pass`).describe()).rejects.toThrow();
});

it('a replacement counts against the monthly budget: with no room, the number is not rotated and says why', async () => {
  const frugal = await newTenant(api.db, 'rotation-budget');
  const pn = await buyThroughApi(api.app, frugal.headers, '727');
  await report(pn, 'complaint', 2, frugal.headers); // 70
  expect((await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 80, rotate: true }, frugal.headers)).statusCode).toBe(200);
  await runPass('health_pass', frugal.headers);
  expect((await number(pn, frugal.headers)).hygieneState).toBe('quarantined');
  // What the tenant has spent this month (its one number) is all its budget.
  const spent = (await call('GET', '/v1/costs', undefined, frugal.headers)).json().totalUsd as number;
  expect((await call('PUT', '/v1/costs/budget', { monthlyUsd: spent }, frugal.headers)).statusCode).toBe(200);
  const before = await ownedInSandbox('+1727');
  const pass = await runPass('rotation_pass', frugal.headers);
  expect(pass.status).not.toBe('failed');
  expect((await itemsOf(pass.id, frugal.headers))[0]).toMatchObject({ phoneNumber: pn, detail: expect.objectContaining({ reason: 'the replacement would take the tenant over its monthly budget' }) });
  expect(await ownedInSandbox('+1727')).toEqual(before);
  expect((await number(pn, frugal.headers)).hygieneState).toBe('quarantined');
});
