import { failingOnce } from '../../helpers/failing-db';
import { randomUUID } from 'node:crypto';
import { tenantScopedName } from '../../../activities/kit/twilio-objects';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createA2pActivities } from '../../../activities/a2p/registration';
import { createRegistration } from '../../../db/a2p/registrations';
import type { Db } from '../../../db/kit/pool';
import type { A2pState } from '../../../schemas/a2p/workflow';
import { buyThroughApi, createTestApi, newTenant, sandboxControl, stack, twilioSdk, waitFor } from '../../helpers/stack';
import { goodDraft } from '../../fixtures/a2p-draft';

let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;
beforeAll(async () => {
  api = await createTestApi({ A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000' });
  tenant = await newTenant(api.db, 'a2p-api');
  await sandboxControl('POST', 'reviews', { preset: 'fast' });
});
afterAll(async () => {
  await sandboxControl('POST', 'reviews', { preset: 'realistic' });
  await api.close();
});

/** Polls the registration until `done` holds. */
const until = (id: string, done: (r: any) => boolean, what: string, ms = 90_000) => // eslint-disable-line @typescript-eslint/no-explicit-any
  waitFor(async () => {
    const r = (await get(id)).json();
    return done(r) ? r : null;
  }, what, ms);
const get = async (id: string, headers = tenant.headers) => api.app.inject({ method: 'GET', url: `/v1/a2p/registrations/${id}`, headers });

it('refuses a draft that fails preflight with the same problem list, and starts nothing', async () => {
  // The tenant's rows only: other files register at the same time.
  const count = async () => Number((await api.db.query('SELECT count(*) FROM a2p_registrations WHERE tenant_id = $1', [tenant.tenantId])).rows[0].count);
  const before = await count();
  const draft = goodDraft();
  draft.business.registrationNumber = '12';
  const res = await api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: tenant.headers, payload: draft });
  expect(res.statusCode).toBe(400);
  expect(res.json().error).toMatchObject({ code: 'preflight_failed', fields: [expect.objectContaining({ field: 'business.registrationNumber' })] });
  expect(res.json().problems[0]).toMatchObject({ code: 'ein_format' });
  expect(await count()).toBe(before);
});

it('runs a registration through the API: brand rejection → corrections → approval → numbers', async () => {
  const number = { phoneNumber: await buyThroughApi(api.app, tenant.headers, '217') };
  const draft = { ...goodDraft(), phoneNumbers: [number.phoneNumber] };
  draft.business.name = 'Acme BRANDFAIL LLC';
  Object.assign(draft.business, { tradeName: 'Acme Dental' }); // the samples name the brand by its DBA
  const started = await api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: { ...tenant.headers, 'idempotency-key': 'reg-1' }, payload: draft });
  expect(started.statusCode).toBe(202);
  const id = started.json().id as string;
  const replay = await api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: { ...tenant.headers, 'idempotency-key': 'reg-1' }, payload: draft });
  expect(replay.json().id).toBe(id);

  const early = await api.app.inject({ method: 'POST', url: `/v1/a2p/registrations/${id}/corrections`, headers: tenant.headers, payload: { business: { name: 'x' } } });
  expect(early.statusCode).toBe(409);

  const stuck = await until(id, (r) => r.status === 'action_required', 'brand rejection', 90_000);
  expect(stuck).toMatchObject({ step: 'brand', actionRequired: { reasons: [expect.objectContaining({ code: 30792, fields: expect.arrayContaining(['business.name']) })] } });
  expect(stuck.resources.brands[0]).toMatchObject({ status: 'FAILED' });

  const fixed = await api.app.inject({ method: 'POST', url: `/v1/a2p/registrations/${id}/corrections`, headers: tenant.headers, payload: { business: { name: 'Acme Dental LLC' } } });
  expect(fixed.statusCode).toBe(202);
  // The answer is the row once the workflow took the corrections: resubmitting, not still action_required (a
  // console stops polling a registration that waits for someone, so that answer would leave it stale).
  expect(fixed.json()).toMatchObject({ status: 'running', step: 'brand', actionRequired: null });
  const done = await until(id, (r) => ['completed', 'failed'].includes(r.status), 'registration to complete', 120_000);
  expect(done).toMatchObject({ status: 'completed', step: 'done', brandResubmissions: 1, campaignSubmissions: 1 });
  expect(done.resources.campaigns[0]).toMatchObject({ status: 'VERIFIED' });
  const inService = await twilioSdk().messaging.v1.services(done.sids.messagingService).phoneNumbers.list();
  expect(inService.map((n) => n.phoneNumber)).toEqual([number.phoneNumber]);
  expect(done.numbers).toEqual({ attached: [number.phoneNumber], refused: [] });
  // The timeline tells the story in order: the rejection with Twilio's reason, the wait for corrections, the approvals.
  const story = done.timeline.map((e: { message: string }) => e.message);
  const at = (re: RegExp) => story.findIndex((m: string) => re.test(m));
  expect(at(/^brand BN\w+ \w+ → FAILED: /)).toBeGreaterThan(-1);
  expect(at(/^brand: action required — correct the business information/)).toBeGreaterThan(at(/→ FAILED/));
  expect(at(/^brand BN\w+ FAILED → \w+/)).toBeGreaterThan(at(/action required/));
  expect(at(/^campaign QE\w+ .*→ VERIFIED/)).toBeGreaterThan(at(/^brand BN\w+ .*→ APPROVED/));
  expect(story.at(-1)).toBe('done: completed');

  const other = await newTenant(api.db, 'a2p-other');
  expect((await get(id, other.headers)).statusCode).toBe(404);
  const list = await api.app.inject({ method: 'GET', url: '/v1/a2p/registrations', headers: tenant.headers });
  expect(list.json().data.map((r: { id: string }) => r.id)).toContain(id);
});

it('refuses a draft naming a number the tenant does not own (another tenant\'s), before anything starts', async () => {
  const other = await newTenant(api.db, 'a2p-owner');
  const theirs = await buyThroughApi(api.app, other.headers, '217');
  const before = Number((await api.db.query('SELECT count(*) FROM a2p_registrations WHERE tenant_id = $1', [tenant.tenantId])).rows[0].count);
  const res = await api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: tenant.headers, payload: { ...goodDraft(), phoneNumbers: [theirs] } });
  expect(res.statusCode).toBe(400);
  expect(res.json().error.fields).toEqual([{ field: 'phoneNumbers.0', message: expect.stringContaining('not an active number of this tenant') }]);
  expect(Number((await api.db.query('SELECT count(*) FROM a2p_registrations WHERE tenant_id = $1', [tenant.tenantId])).rows[0].count)).toBe(before);
});

it('cancel while a rejected campaign awaits corrections: the campaign and its service are deleted at Twilio, approved bundles and the brand kept', async () => {
  const draft = { ...goodDraft(), phoneNumbers: [] as string[] };
  draft.campaign.messageSamples = [...draft.campaign.messageSamples.slice(0, 1), `${draft.campaign.messageSamples[1]} CAMPAIGNFAIL`];
  const started = await api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: tenant.headers, payload: draft });
  expect(started.statusCode).toBe(202);
  const id = started.json().id as string;
  const stuck = await until(id, (r) => r.status === 'action_required', 'campaign rejection', 90_000);
  expect(stuck.step).toBe('campaign');
  const { messagingService, campaign, brand, customerProfile, trustProduct } = stuck.sids;

  const cancel = await api.app.inject({ method: 'POST', url: `/v1/a2p/registrations/${id}/cancel`, headers: tenant.headers });
  expect(cancel.statusCode).toBe(202);
  const ended = await until(id, (r) => r.status === 'cancelled', 'cancelled registration', 60_000);
  expect(ended.cleanup).toEqual([
    expect.objectContaining({ kind: 'campaign', sid: campaign, action: 'deleted' }),
    expect.objectContaining({ kind: 'messaging_service', sid: messagingService, action: 'deleted' }),
    expect.objectContaining({ kind: 'brand', sid: brand, action: 'kept' }),
    expect.objectContaining({ kind: 'trust_product', sid: trustProduct, action: 'kept' }),
    expect.objectContaining({ kind: 'customer_profile', sid: customerProfile, action: 'kept' }),
  ]);
  expect(ended.finishedAt).not.toBeNull();
  expect(ended.resources.campaigns[0]).toMatchObject({ sid: campaign, status: 'deleted' });
  const sdk = twilioSdk();
  await expect(sdk.messaging.v1.services(messagingService).fetch()).rejects.toMatchObject({ status: 404 });
  expect((await sdk.messaging.v1.brandRegistrations(brand).fetch()).status).toBe('APPROVED');
  expect(ended.timeline.filter((e: { type: string }) => e.type === 'cleanup')).toHaveLength(5);

  const again = await api.app.inject({ method: 'POST', url: `/v1/a2p/registrations/${id}/cancel`, headers: tenant.headers });
  expect(again.statusCode).toBe(409);
});

it('a rejected customer profile: action_required with Twilio\'s reason, corrected business information is resubmitted and approved', async () => {
  const draft = { ...goodDraft(), phoneNumbers: [] as string[] };
  draft.business.name = 'Acme REJECT Dental LLC';
  Object.assign(draft.business, { tradeName: 'Acme Dental' });
  const started = await api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: tenant.headers, payload: draft });
  expect(started.statusCode).toBe(202);
  const id = started.json().id as string;
  const stuck = await until(id, (r) => r.status === 'action_required', 'profile rejection', 60_000);
  expect(stuck.step).toBe('customer_profile');
  expect(stuck.resources.profiles[0]).toMatchObject({ kind: 'customer_profile', status: 'twilio-rejected' });
  expect(stuck.actionRequired.reasons.length).toBeGreaterThan(0);
  const fixed = await api.app.inject({ method: 'POST', url: `/v1/a2p/registrations/${id}/corrections`, headers: tenant.headers, payload: { business: { name: 'Acme Dental LLC' } } });
  expect(fixed.statusCode).toBe(202);
  const done = await until(id, (r) => r.finishedAt, 'registration after the profile fix', 90_000);
  expect(done).toMatchObject({ status: 'completed', step: 'done' });
  const info = (await twilioSdk().trusthub.v1.endUsers.list()).find((u) => u.friendlyName === `${tenantScopedName(tenant.tenantId, `tenant-${tenant.tenantId}/a2p-${id}`)}:customer_profile_business_information`);
  expect((info?.attributes as { business_name?: string }).business_name).toBe('Acme Dental LLC');
});

it('a new state is shown only with its timeline entry: a failure between the two leaves neither, and the retry records both', async () => {
  const id = randomUUID();
  await createRegistration(api.db, { id, tenantId: tenant.tenantId, draft: goodDraft(), idempotencyKey: null, workflowId: `tenant-${tenant.tenantId}/a2p-${id}` });
  const activities = (db: Db) => createA2pActivities({ db, twilio: twilioSdk(), twilioObjects: {} as never });
  const state = { status: 'completed', step: 'done' } as A2pState;
  const shown = async () => (await get(id)).json() as { status: string; timeline: { message: string }[] };

  await expect(activities(failingOnce(api.db, 'INSERT INTO registration_events')).a2pRecordState({ registrationId: id, state })).rejects.toThrow('connection lost');
  const afterFailure = await shown();
  expect(afterFailure.status).toBe('queued');
  expect(afterFailure.timeline.map((e) => e.message)).not.toContain('done: completed');

  await activities(api.db).a2pRecordState({ registrationId: id, state }); // Temporal's retry
  await activities(api.db).a2pRecordState({ registrationId: id, state }); // and one after its commit: no duplicate
  const recorded = await shown();
  expect(recorded.status).toBe('completed');
  expect(recorded.timeline.map((e) => e.message).filter((m) => m === 'done: completed')).toHaveLength(1);
});
