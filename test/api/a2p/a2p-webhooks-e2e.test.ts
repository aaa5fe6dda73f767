import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../../dev/processes';
import { buyThroughApi, createTestApi, newTenant, sandboxControl, stack, twilioSdk, waitFor } from '../../helpers/stack';
import { goodDraft } from '../../fixtures/a2p-draft';

let api: Awaited<ReturnType<typeof createTestApi>>;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // Polls only every hour: within this test, only webhooks over real HTTP can move the registration on.
  api = await createTestApi({ PUBLIC_BASE_URL: base, A2P_POLL_FIRST_MS: '3600000', A2P_POLL_MAX_MS: '3600000' });
  await api.app.listen({ host: '127.0.0.1', port });
  await sandboxControl('POST', 'reviews', { preset: 'fast' });
});
afterAll(async () => {
  await sandboxControl('POST', 'reviews', { preset: 'realistic' });
  await api.close();
});

it('status callbacks and Event Streams deliveries over real HTTP drive a registration to completion', async () => {
  const tenant = await newTenant(api.db, 'a2p-hooks');
  const number = { phoneNumber: await buyThroughApi(api.app, tenant.headers, '217') };
  const started = await fetch(`${base}/v1/a2p/registrations`, {
    method: 'POST',
    headers: { ...tenant.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ ...goodDraft(), phoneNumbers: [number.phoneNumber] }),
  });
  expect(started.status).toBe(202);
  const id = ((await started.json()) as { id: string }).id;
  const done = await waitFor(async () => {
    const r = (await (await fetch(`${base}/v1/a2p/registrations/${id}`, { headers: tenant.headers })).json()) as { status: string };
    return r.status === 'completed' ? r : null;
  }, 'registration to complete by webhooks', 90_000);
  expect(done).toMatchObject({ status: 'completed', step: 'done' });

  // The service set itself up to hear Twilio: a sink for its events URL with a subscription, and bundle callbacks.
  const sinks = await twilioSdk().events.v1.sinks.list();
  expect(sinks.map((s) => (s.sinkConfiguration as { destination: string }).destination)).toContain(`${base}/webhooks/twilio/events`);
  // Deliveries about this registration's own bundles, brand and campaign (other files receive deliveries at the same time).
  const kinds = await api.db.query(
    `SELECT kind, count(*)::int AS n FROM webhook_events
      WHERE resource_sid IN (SELECT profile_sid FROM a2p_profiles WHERE registration_id = $1
                             UNION SELECT brand_sid FROM a2p_brands WHERE registration_id = $1
                             UNION SELECT campaign_sid FROM a2p_campaigns WHERE registration_id = $1)
      GROUP BY kind`,
    [id],
  );
  const byKind = Object.fromEntries(kinds.rows.map((r) => [r.kind, r.n]));
  expect(byKind['status-callback']).toBeGreaterThanOrEqual(4);
  expect(byKind['com.twilio.messaging.compliance.brand-registration.brand-registered']).toBeGreaterThanOrEqual(1);
  expect(byKind['com.twilio.messaging.compliance.campaign-registration.campaign-approved']).toBeGreaterThanOrEqual(1);
  // The registration's timeline shows the deliveries that woke it.
  const hooks = (done as unknown as { timeline: { type: string; message: string }[] }).timeline.filter((e) => e.type === 'webhook').map((e) => e.message);
  expect(hooks).toEqual(expect.arrayContaining([
    expect.stringMatching(/^Trust Hub status callback: customer profile BU\w+ twilio-approved$/),
    expect.stringMatching(/^Event Streams brand-registered: brand BN\w+ APPROVED$/),
    expect.stringMatching(/^Event Streams campaign-approved: campaign QE\w+ VERIFIED$/),
  ]));
});

it('with every callback and event dropped, polling alone still completes the registration', async () => {
  const port = await freePort();
  const polling = await createTestApi({ PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000' });
  await polling.app.listen({ host: '127.0.0.1', port });
  await sandboxControl('POST', 'deliveries', { mode: 'drop' });
  try {
    const tenant = await newTenant(polling.db, 'a2p-dropped');
    const before = (await sandboxControl('GET', 'deliveries')) as { dropped: number };
    const started = await polling.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: tenant.headers, payload: { ...goodDraft(), phoneNumbers: [] } });
    const id = started.json().id as string;
    const done = await waitFor(async () => {
      const r = (await polling.app.inject({ method: 'GET', url: `/v1/a2p/registrations/${id}`, headers: tenant.headers })).json();
      return r.status === 'completed' ? r : null;
    }, 'registration to complete by polling', 90_000);
    expect(done.step).toBe('done');
    const after = (await sandboxControl('GET', 'deliveries')) as { dropped: number };
    expect(after.dropped - before.dropped).toBeGreaterThanOrEqual(6);
  } finally {
    await sandboxControl('POST', 'deliveries', { mode: 'normal' });
    await polling.close();
  }
});
