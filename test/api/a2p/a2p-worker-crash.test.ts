import { afterAll, beforeAll, expect, it } from 'vitest';
import { buyThroughApi, createTestApi, newTenant, sandboxControl, startWorkerProcess, stopChild, twilioSdk, waitFor } from '../../helpers/stack';
import { goodDraft } from '../../fixtures/a2p-draft';

// A task queue of its own, so only the workers this test starts and kills serve the registration.
const taskQueue = 'a2p-crash-test';
const day = 86_400_000;
let api: Awaited<ReturnType<typeof createTestApi>>;

beforeAll(async () => {
  api = await createTestApi({ TEMPORAL_TASK_QUEUE: taskQueue, A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000' });
  // Seconds for every review but the brand's, which takes a realistic five (virtual) days.
  await sandboxControl('POST', 'reviews', { preset: 'fast', durations: { brand: 5 * day } });
});
afterAll(async () => {
  await sandboxControl('POST', 'reviews', { preset: 'realistic' });
  await api.close();
});

it('a worker killed during the multi-day brand review: status stays readable, nothing moves, a new worker completes it once', async () => {
  const tenant = await newTenant(api.db, 'a2p-crash');
  const first = await startWorkerProcess(taskQueue);
  const number = await buyThroughApi(api.app, tenant.headers, '217');
  const get = async (id: string) => (await api.app.inject({ method: 'GET', url: `/v1/a2p/registrations/${id}`, headers: tenant.headers })).json();
  let second: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  try {
    const started = await api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: tenant.headers, payload: { ...goodDraft(), phoneNumbers: [number] } });
    const id = started.json().id as string;
    await waitFor(async () => {
      const r = await get(id);
      return r.step === 'brand' && r.status === 'waiting_for_review' ? r : null;
    }, 'the brand review wait', 60_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    // TCR approves the brand while no worker runs: the registration, read from PostgreSQL, shows the wait, and stays there.
    await sandboxControl('POST', 'clock/advance', { ms: 6 * day });
    const brandSid = (await get(id)).sids.brand as string;
    expect((await twilioSdk().messaging.v1.brandRegistrations(brandSid).fetch()).status).toBe('APPROVED');
    await new Promise((r) => setTimeout(r, 2500));
    expect(await get(id)).toMatchObject({ status: 'waiting_for_review', step: 'brand', finishedAt: null });

    second = await startWorkerProcess(taskQueue);
    const done = await waitFor(async () => {
      const r = await get(id);
      return r.finishedAt ? r : null;
    }, 'the registration to finish after the restart', 90_000);
    expect(done).toMatchObject({ status: 'completed', step: 'done', sids: { brand: brandSid }, numbers: { attached: [number], refused: [] } });
    // One brand for this profile, one campaign in the service: the restart repeated nothing.
    const sdk = twilioSdk();
    expect((await sdk.messaging.v1.brandRegistrations.list()).filter((b) => b.customerProfileBundleSid === done.sids.customerProfile)).toHaveLength(1);
    expect(await sdk.messaging.v1.services(done.sids.messagingService).usAppToPerson.list()).toHaveLength(1);
    expect(done.timeline.map((e: { message: string }) => e.message)).toEqual(
      expect.arrayContaining(['brand: waiting for review', expect.stringMatching(new RegExp(`^brand ${brandSid} \\w+ → APPROVED$`)), 'done: completed']),
    );
  } finally {
    if (first.exitCode === null) first.kill('SIGKILL');
    if (second) await stopChild(second);
  }
});
