import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { goodDraft } from '../../fixtures/a2p-draft';
import { waitForJob } from '../../helpers/jobs';
import { waitForTrunk } from '../../helpers/sip';
import { buyThroughApi, createTestApi, newTenant, sandboxControl, stack, twilioSdk, waitFor } from '../../helpers/stack';

/**
 * Number memberships as providers, on real parts: each product records the numbers it holds when it joins them
 * (a trunk attach, an A2P campaign's Messaging Service, a voice trust product), and a release — single or bulk —
 * and a rotation take a number out of exactly those. The tenant has 50 more Messaging Services throughout:
 * before, every released number cost a read of each of them (and a rotation two).
 */
let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;
/** The tenant's A2P registration: its campaign and the Messaging Service it sends from. */
let a2p: { id: string; campaignSid: string; serviceSid: string; number: string };
const OTHER_SERVICES = 50;

type Headers = Record<string, string>;
const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, headers: Headers = tenant.headers) =>
  api.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
const sdk = twilioSdk();
const sidOf = async (pn: string) => (await sdk.api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ phoneNumber: pn }))[0]!.sid;
const inService = async (serviceSid: string) => (await sdk.messaging.v1.services(serviceSid).phoneNumbers.list()).map((n) => n.phoneNumber).sort();
const onTrunk = async (trunkSid: string) => (await sdk.trunking.v1.trunks(trunkSid).phoneNumbers.list()).map((n) => n.phoneNumber).sort();

/** What number_memberships records for the tenant, as [number, kind, container] rows. */
async function recorded(tenantId = tenant.tenantId): Promise<string[][]> {
  const { rows } = await api.db.query<{ phone_number: string; kind: string; container_sid: string }>(
    'SELECT phone_number, kind, container_sid FROM number_memberships WHERE tenant_id = $1 ORDER BY phone_number, kind',
    [tenantId],
  );
  return rows.map((r) => [r.phone_number, r.kind, r.container_sid]);
}

/** The Twilio requests `fn` causes, by route (the sandbox's counters, zeroed first). */
async function requestsDuring(fn: () => Promise<void>): Promise<Record<string, number>> {
  await sandboxControl('POST', 'stats/reset');
  await fn();
  const stats = (await sandboxControl('GET', 'stats')) as { accounts: Record<string, { byRoute: Record<string, number> }> };
  return stats.accounts[stack.accountSid]?.byRoute ?? {};
}
/** Reads of Messaging Services: the list of them all, one service, or a number in one. */
const serviceReads = (byRoute: Record<string, number>) =>
  Object.entries(byRoute).filter(([route]) => route.startsWith('GET /v1/Services')).reduce((sum, [, n]) => sum + n, 0);
const MEMBER_READ = 'GET /v1/Services/:ServiceSid/PhoneNumbers/:Sid';

/** A Messaging Service made directly at the sandbox and recorded as a completed registration's of the tenant's. */
async function registeredService(state: Record<string, unknown> = {}) {
  const service = await sdk.messaging.v1.services.create({ friendlyName: 'memberships test' });
  const id = randomUUID();
  await api.db.query(
    `INSERT INTO a2p_registrations (id, tenant_id, status, step, draft, state, workflow_id, finished_at) VALUES ($1, $2, 'completed', 'done', '{}', $3, $4, now())`,
    [id, tenant.tenantId, JSON.stringify({ sids: { messagingService: service.sid }, ...state }), `tenant-${tenant.tenantId}/a2p-${id}`],
  );
  return service.sid;
}

beforeAll(async () => {
  await sandboxControl('POST', 'reviews', { preset: 'fast' });
  api = await createTestApi({ A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000' });
  tenant = await newTenant(api.db, 'memberships');
  // A registration through the API puts its number in its campaign's Messaging Service.
  const number = await buyThroughApi(api.app, tenant.headers, '747');
  const started = await call('POST', '/v1/a2p/registrations', { ...goodDraft(), phoneNumbers: [number] });
  expect(started.statusCode).toBe(202);
  const done = await waitFor(async () => {
    const r = (await call('GET', `/v1/a2p/registrations/${started.json().id}`)).json();
    return ['completed', 'failed', 'action_required', 'cancelled'].includes(r.status) ? r : null;
  }, 'the A2P registration', 150_000);
  expect(done).toMatchObject({ status: 'completed', numbers: { attached: [number], refused: [] } });
  a2p = { id: done.id, campaignSid: done.sids.campaign, serviceSid: done.sids.messagingService, number };
  for (let i = 0; i < OTHER_SERVICES; i++) await registeredService();
});
afterAll(async () => {
  await sandboxControl('POST', 'reviews', { preset: 'realistic' });
  await api.close();
});

it('each product records the numbers it joins; a release, single or bulk, takes each out of exactly those, reading none of the tenant’s Messaging Services', async () => {
  const [trunked, trusted, bulkTrunked, bulkInService] = [
    await buyThroughApi(api.app, tenant.headers, '747'), await buyThroughApi(api.app, tenant.headers, '747'),
    await buyThroughApi(api.app, tenant.headers, '747'), await buyThroughApi(api.app, tenant.headers, '747'),
  ];
  // A trunk through the API (the SIP saga's attach), the campaign's single action, a SHAKEN/STIR registration.
  const trunk = await call('POST', '/v1/sip/trunks', { friendlyName: 'memberships', phoneNumbers: [trunked, bulkTrunked] });
  expect(trunk.statusCode).toBe(202);
  const trunkSid = (await waitForTrunk(api.app, tenant.headers, trunk.json().id)).trunkSid!;
  const assigned = await call('POST', `/v1/a2p/campaigns/${a2p.campaignSid}/phone-numbers`, { phoneNumbers: [bulkInService] });
  expect(assigned.json()).toEqual({ attached: [bulkInService], refused: [] });
  const profile = await sdk.trusthub.v1.customerProfiles.create({ friendlyName: 'memberships profile', email: 'ops@acme.example', policySid: 'RNdfbf3fae0e1107f8aded0e7cead80bf5' });
  await api.db.query(`INSERT INTO a2p_profiles (tenant_id, profile_sid, kind, status) VALUES ($1, $2, 'customer_profile', 'twilio-approved')`, [tenant.tenantId, profile.sid]);
  const shaken = await call('POST', '/v1/voice-trust/registrations', { product: 'shaken_stir', businessProfileSid: profile.sid, email: 'ops@acme.example', phoneNumbers: [trusted] });
  expect(shaken.statusCode).toBe(202);
  const trust = await waitFor(async () => {
    const v = (await call('GET', `/v1/voice-trust/registrations/${shaken.json().id}`)).json();
    return ['completed', 'failed', 'action_required'].includes(v.status) ? v : null;
  }, 'the SHAKEN/STIR registration', 90_000);
  expect(trust.status).toBe('completed');
  const trustProductSid = trust.trustProductSid as string;

  // Recorded where each join happened, once Twilio had confirmed it.
  expect(await recorded()).toEqual(
    [
      [a2p.number, 'messaging_service', a2p.serviceSid], [trunked, 'sip_trunk', trunkSid], [trusted, 'trust_product', trustProductSid],
      [bulkTrunked, 'sip_trunk', trunkSid], [bulkInService, 'messaging_service', a2p.serviceSid],
    ].sort((a, b) => a[0]!.localeCompare(b[0]!) || a[1]!.localeCompare(b[1]!)),
  );

  // One at a time: each leaves what holds it, and only that.
  const single = await requestsDuring(async () => {
    for (const pn of [trunked, a2p.number, trusted]) {
      const res = await call('DELETE', `/v1/numbers/${encodeURIComponent(pn)}`);
      expect(res.json()).toMatchObject({ status: 'released' });
    }
  });
  expect(serviceReads(single)).toBe(0);
  expect(single['DELETE /v1/Services/:ServiceSid/PhoneNumbers/:Sid']).toBe(1);
  expect(await onTrunk(trunkSid)).toEqual([bulkTrunked]);
  expect(await inService(a2p.serviceSid)).toEqual([bulkInService]);
  expect(await sdk.trusthub.v1.trustProducts(trustProductSid).trustProductsChannelEndpointAssignment.list()).toEqual([]);
  const timeline = (await call('GET', `/v1/a2p/registrations/${a2p.id}`)).json().timeline as { type: string; message: string }[];
  expect(timeline).toContainEqual(expect.objectContaining({ type: 'number', message: `${a2p.number} removed from Messaging Service ${a2p.serviceSid} before its release` }));
  const afterTrust = (await call('GET', `/v1/voice-trust/registrations/${trust.id}`)).json();
  expect(afterTrust.numbers).toEqual([expect.objectContaining({ phoneNumber: trusted, detached: true })]);

  // A bulk release goes the same way.
  const bulk = await requestsDuring(async () => {
    const res = await call('POST', '/v1/jobs/bulk-release', { phoneNumbers: [bulkTrunked, bulkInService] });
    expect(res.statusCode).toBe(202);
    const job = await waitForJob(api.app, tenant.headers, res.json().id);
    expect(job).toMatchObject({ status: 'succeeded', counts: { succeeded: 2 } });
  });
  expect(serviceReads(bulk)).toBe(0);
  expect(await onTrunk(trunkSid)).toEqual([]);
  expect(await inService(a2p.serviceSid)).toEqual([]);
  expect(await recorded()).toEqual([]);
});

it('a membership recorded only the old way (a registration’s state, the audit trail) is checked at Twilio in that number’s own candidate services only', async () => {
  // As a worker of the previous version leaves them during a rolling deploy: the join at Twilio and in the
  // registration's state or the audit trail, nothing in number_memberships.
  const [byState, byAudit, inNone] = [await buyThroughApi(api.app, tenant.headers, '748'), await buyThroughApi(api.app, tenant.headers, '748'), await buyThroughApi(api.app, tenant.headers, '748')];
  const stateService = await registeredService({ numbers: { attached: [byState], refused: [] } });
  await sdk.messaging.v1.services(stateService).phoneNumbers.create({ phoneNumberSid: await sidOf(byState) });
  const auditService = (await sdk.messaging.v1.services.create({ friendlyName: 'single action' })).sid;
  const auditSid = await sidOf(byAudit);
  await sdk.messaging.v1.services(auditService).phoneNumbers.create({ phoneNumberSid: auditSid });
  await api.db.query(
    `INSERT INTO audit_events (tenant_id, action, activity, resource_sid, http_status, summary) VALUES ($1, 'POST Services/PhoneNumbers', 'a2pAddNumbers', $2, 201, $3)`,
    [tenant.tenantId, auditSid, JSON.stringify({ method: 'POST', path: `/v1/Services/${auditService}/PhoneNumbers`, params: { PhoneNumberSid: auditSid } })],
  );
  expect(await recorded()).toEqual([]);

  const byRoute = await requestsDuring(async () => {
    for (const pn of [byState, byAudit, inNone]) expect((await call('DELETE', `/v1/numbers/${encodeURIComponent(pn)}`)).json()).toMatchObject({ status: 'released' });
  });
  // One read each for the two numbers with a candidate, none for the third, whatever the tenant's other services.
  expect(byRoute[MEMBER_READ]).toBe(2);
  expect(serviceReads(byRoute)).toBe(2);
  expect(await inService(stateService)).toEqual([]);
  expect(await inService(auditService)).toEqual([]);
});

it('a rotation moves the trunk and Messaging Service to the replacement through the recorded memberships, without reading the tenant’s other services', async () => {
  const number = await buyThroughApi(api.app, tenant.headers, '749');
  const trunk = await call('POST', '/v1/sip/trunks', { friendlyName: 'memberships rotation', phoneNumbers: [number] });
  const trunkSid = (await waitForTrunk(api.app, tenant.headers, trunk.json().id)).trunkSid!;
  expect((await call('POST', `/v1/a2p/campaigns/${a2p.campaignSid}/phone-numbers`, { phoneNumbers: [number] })).json()).toEqual({ attached: [number], refused: [] });

  // Quarantined by the health pass, then rotated by the rotation pass (both through the API).
  const at = new Date().toISOString();
  await call('POST', '/v1/number-health/call-outcomes', { outcomes: Array.from({ length: 3 }, () => ({ phoneNumber: number, at, outcome: 'blocked', externalId: randomUUID() })) });
  expect((await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 80, rotate: true, releaseAfterDays: 30, restDays: 7 })).statusCode).toBe(200);
  const runPass = async (schedule: 'health_pass' | 'rotation_pass') => {
    const jobs = async () => (await call('GET', `/v1/jobs?kind=${schedule}&limit=50`)).json().data as { id: string; status: string }[];
    const before = (await jobs()).length;
    expect((await call('POST', `/v1/number-health/policy/run?schedule=${schedule}`)).statusCode).toBe(200);
    return waitFor(async () => {
      const all = await jobs();
      return all.length > before && !['queued', 'running'].includes(all[0]!.status) ? all[0]! : null;
    }, schedule, 120_000);
  };
  await runPass('health_pass');
  expect((await call('GET', `/v1/numbers/${encodeURIComponent(number)}`)).json().hygieneState).toBe('quarantined');

  let jobId = '';
  const byRoute = await requestsDuring(async () => {
    const run = await runPass('rotation_pass');
    expect(run.status).toBe('succeeded');
    jobId = run.id;
  });
  const [item] = (await call('GET', `/v1/jobs/${jobId}/items`)).json().data as { status: string; detail: Record<string, unknown> }[];
  expect(item).toMatchObject({ status: 'succeeded', detail: { action: 'rotated', trunkSid, messagingServices: [a2p.serviceSid], trustProducts: [] } });
  const replacement = item!.detail.replacement as string;
  expect(await onTrunk(trunkSid)).toEqual([replacement]);
  expect(await inService(a2p.serviceSid)).toEqual([replacement]);
  // The replacement holds both; the old number holds nothing any more.
  expect(await recorded()).toEqual([[replacement, 'messaging_service', a2p.serviceSid], [replacement, 'sip_trunk', trunkSid]]);
  // The replacement's own check before it joins the service is the one read: none of the tenant's other services.
  expect(byRoute[MEMBER_READ]).toBe(1);
  expect(serviceReads(byRoute)).toBe(1);
});

it('the migration backfills the memberships recorded the old ways, for live numbers, each to its latest word', async () => {
  // Records as they stood before migration 037, in a transaction rolled back at the end (nothing else sees them).
  const migration = await readFile(new URL('../../../db/migrations/037_number_memberships.sql', import.meta.url), 'utf8');
  const backfill = migration.slice(migration.indexOf('-- Backfill'));
  const sid = (prefix: string) => `${prefix}${randomUUID().replaceAll('-', '')}`;
  const client = await api.db.connect();
  try {
    await client.query('BEGIN');
    const owner = (await client.query<{ id: string }>(`INSERT INTO tenants (name) VALUES ($1) RETURNING id`, [`backfill-${randomUUID()}`])).rows[0]!.id;
    const other = (await client.query<{ id: string }>(`INSERT INTO tenants (name) VALUES ($1) RETURNING id`, [`backfill-${randomUUID()}`])).rows[0]!.id;
    const numbers: Record<string, { pn: string; sid: string }> = {};
    for (const [i, name] of ['trunked', 'trusted', 'byState', 'byAudit', 'removedAgain', 'ofCancelled', 'ofDeletedService', 'released'].entries()) {
      numbers[name] = { pn: `+1999${String(Date.now()).slice(-5)}${String(i).padStart(2, '0')}`, sid: sid('PN') };
      await client.query(
        `INSERT INTO phone_numbers (tenant_id, phone_number, twilio_sid, status, purchase_key) VALUES ($1, $2, $3, $4, $5)`,
        [owner, numbers[name]!.pn, numbers[name]!.sid, name === 'released' ? 'released' : 'active', `backfill-${randomUUID()}`],
      );
    }
    const n = (name: string) => numbers[name]!;
    // A trunk (phone_numbers.sip_trunk_id), a released number on it too.
    const [trunkId, trunkSid] = [randomUUID(), sid('TK')];
    await client.query(`INSERT INTO sip_trunks (id, tenant_id, trunk_sid, domain_name, status, spec) VALUES ($1, $2, $3, $4, 'active', '{}')`, [trunkId, owner, trunkSid, `${trunkId}.pstn.twilio.com`]);
    await client.query(`UPDATE phone_numbers SET sip_trunk_id = $1 WHERE twilio_sid = ANY($2)`, [trunkId, [n('trunked').sid, n('released').sid]]);
    // A SHAKEN/STIR trust product (voice_trust_numbers).
    const [vtId, productSid] = [randomUUID(), sid('BU')];
    await client.query(
      `INSERT INTO voice_trust_registrations (id, tenant_id, product, status, step, draft, business_profile_sid, trust_product_sid, workflow_id) VALUES ($1, $2, 'shaken_stir', 'completed', 'done', '{}', $3, $4, $5)`,
      [vtId, owner, sid('BU'), productSid, `backfill-${vtId}`],
    );
    await client.query(`INSERT INTO voice_trust_numbers (registration_id, tenant_id, phone_number, twilio_sid, on_business_profile, on_trust_product) VALUES ($1, $2, $3, $4, true, true)`, [vtId, owner, n('trusted').pn, n('trusted').sid]);
    // Registrations' attached numbers: one live, one cancelled (its service deleted with it).
    const [stateService, cancelledService, auditService, deletedService] = [sid('MG'), sid('MG'), sid('MG'), sid('MG')];
    for (const [status, service, number] of [['completed', stateService, n('byState').pn], ['cancelled', cancelledService, n('ofCancelled').pn]] as const) {
      const id = randomUUID();
      await client.query(`INSERT INTO a2p_registrations (id, tenant_id, status, step, draft, state, workflow_id) VALUES ($1, $2, $3, 'done', '{}', $4, $5)`, [
        id, owner, status, JSON.stringify({ sids: { messagingService: service }, numbers: { attached: [number], refused: [] } }), `backfill-${id}`,
      ]);
    }
    // The audit trail: an add (a single action), an add then a remove (a rotation), an add to a service since deleted.
    const audit = (tenantId: string, action: string, resourceSid: string, path: string) =>
      client.query(`INSERT INTO audit_events (tenant_id, action, activity, resource_sid, http_status, summary) VALUES ($1, $2, 'test', $3, 201, $4)`, [tenantId, action, resourceSid, JSON.stringify({ method: action.split(' ')[0], path })]);
    await audit(owner, 'POST Services/PhoneNumbers', n('byAudit').sid, `/v1/Services/${auditService}/PhoneNumbers`);
    await audit(owner, 'POST Services/PhoneNumbers', n('removedAgain').sid, `/v1/Services/${auditService}/PhoneNumbers`);
    await audit(owner, 'DELETE Services/PhoneNumbers', n('removedAgain').sid, `/v1/Services/${auditService}/PhoneNumbers/${n('removedAgain').sid}`);
    await audit(owner, 'POST Services/PhoneNumbers', n('ofDeletedService').sid, `/v1/Services/${deletedService}/PhoneNumbers`);
    await audit(owner, 'DELETE Services', deletedService, `/v1/Services/${deletedService}`);
    // Another tenant's trail never names this tenant's numbers into anything.
    await audit(other, 'POST Services/PhoneNumbers', n('trusted').sid, `/v1/Services/${sid('MG')}/PhoneNumbers`);

    await client.query(backfill);
    const { rows } = await client.query<{ phone_number: string; kind: string; container_sid: string; tenant_id: string }>(
      `SELECT phone_number, kind, container_sid, tenant_id FROM number_memberships WHERE twilio_sid = ANY($1) ORDER BY phone_number, kind`,
      [Object.values(numbers).map((x) => x.sid)],
    );
    expect(rows).toEqual([
      { phone_number: n('trunked').pn, kind: 'sip_trunk', container_sid: trunkSid, tenant_id: owner },
      { phone_number: n('trusted').pn, kind: 'trust_product', container_sid: productSid, tenant_id: owner },
      { phone_number: n('byState').pn, kind: 'messaging_service', container_sid: stateService, tenant_id: owner },
      { phone_number: n('byAudit').pn, kind: 'messaging_service', container_sid: auditService, tenant_id: owner },
    ]);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});
