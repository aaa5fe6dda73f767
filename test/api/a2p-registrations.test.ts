import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApi, newTenant, sandboxControl, stack, twilioSdk, waitFor } from '../helpers/stack';
import { goodDraft } from '../fixtures/a2p-draft';

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

const get = async (id: string, headers = tenant.headers) => api.app.inject({ method: 'GET', url: `/v1/a2p/registrations/${id}`, headers });

it('refuses a draft that fails preflight with the same problem list, and starts nothing', async () => {
  const before = Number((await api.db.query('SELECT count(*) FROM a2p_registrations')).rows[0].count);
  const draft = goodDraft();
  draft.business.registrationNumber = '12';
  const res = await api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: tenant.headers, payload: draft });
  expect(res.statusCode).toBe(400);
  expect(res.json().error).toMatchObject({ code: 'preflight_failed', fields: [expect.objectContaining({ field: 'business.registrationNumber' })] });
  expect(res.json().problems[0]).toMatchObject({ code: 'ein_format' });
  expect(Number((await api.db.query('SELECT count(*) FROM a2p_registrations')).rows[0].count)).toBe(before);
});

it('runs a registration through the API: brand rejection → corrections → approval → numbers', async () => {
  const number = await twilioSdk().api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.create({ areaCode: '217' });
  const draft = { ...goodDraft(), phoneNumbers: [number.phoneNumber] };
  draft.business.name = 'Acme BRANDFAIL LLC';
  const started = await api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: { ...tenant.headers, 'idempotency-key': 'reg-1' }, payload: draft });
  expect(started.statusCode).toBe(202);
  const id = started.json().id as string;
  const replay = await api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: { ...tenant.headers, 'idempotency-key': 'reg-1' }, payload: draft });
  expect(replay.json().id).toBe(id);

  const early = await api.app.inject({ method: 'POST', url: `/v1/a2p/registrations/${id}/corrections`, headers: tenant.headers, payload: { business: { name: 'x' } } });
  expect(early.statusCode).toBe(409);

  const stuck = await waitFor(async () => {
    const r = (await get(id)).json();
    return r.status === 'action_required' ? r : null;
  }, 'brand rejection', 90_000);
  expect(stuck).toMatchObject({ step: 'brand', actionRequired: { reasons: [expect.objectContaining({ code: 30792, fields: expect.arrayContaining(['business.name']) })] } });
  expect(stuck.resources.brands[0]).toMatchObject({ status: 'FAILED' });

  const fixed = await api.app.inject({ method: 'POST', url: `/v1/a2p/registrations/${id}/corrections`, headers: tenant.headers, payload: { business: { name: 'Acme Dental LLC' } } });
  expect(fixed.statusCode).toBe(202);
  const done = await waitFor(async () => {
    const r = (await get(id)).json();
    return ['completed', 'failed'].includes(r.status) ? r : null;
  }, 'registration to complete', 120_000);
  expect(done).toMatchObject({ status: 'completed', step: 'done', brandResubmissions: 1, campaignSubmissions: 1 });
  expect(done.resources.campaigns[0]).toMatchObject({ status: 'VERIFIED' });
  const inService = await twilioSdk().messaging.v1.services(done.sids.messagingService).phoneNumbers.list();
  expect(inService.map((n) => n.phoneNumber)).toEqual([number.phoneNumber]);

  const other = await newTenant(api.db, 'a2p-other');
  expect((await get(id, other.headers)).statusCode).toBe(404);
  const list = await api.app.inject({ method: 'GET', url: '/v1/a2p/registrations', headers: tenant.headers });
  expect(list.json().data.map((r: { id: string }) => r.id)).toContain(id);
});
