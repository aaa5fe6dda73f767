import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApi, newTenant, sandboxControl } from '../../helpers/stack';
import { goodDraft } from '../../fixtures/a2p-draft';

let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;
beforeAll(async () => {
  api = await createTestApi({ A2P_FEE_BRAND_USD: '5', A2P_FEE_CAMPAIGN_VETTING_USD: '20' });
  tenant = await newTenant(api.db, 'a2p');
});
afterAll(async () => api.close());

it('preflight answers problems with field paths and a cost estimate from configured fees, without calling Twilio', async () => {
  await sandboxControl('POST', 'stats/reset', {});
  const draft = goodDraft();
  draft.campaign.messageSamples[0] = 'Your appointment is at [time].';
  const res = await api.app.inject({ method: 'POST', url: '/v1/a2p/preflight', headers: tenant.headers, payload: draft });
  expect(res.statusCode).toBe(200);
  const body = res.json();
  expect(body.ok).toBe(false);
  expect(body.problems).toEqual(
    expect.arrayContaining([expect.objectContaining({ field: 'campaign.messageSamples.0', code: 'sample_missing_brand' })]),
  );
  expect(body.cost.lines).toEqual(expect.arrayContaining([{ item: 'brand registration', amountUsd: 5, when: 'one_time' }]));
  expect(body.cost.oneTimeUsd).toBe(5 + 41 + 20);

  const ok = await api.app.inject({ method: 'POST', url: '/v1/a2p/preflight', headers: tenant.headers, payload: goodDraft() });
  expect(ok.json()).toMatchObject({ ok: true, problems: [] });
  const stats = (await sandboxControl('GET', 'stats')) as { total: { requests: number } };
  expect(stats.total.requests).toBe(0);
});

it('preflight needs an API key and a JSON object', async () => {
  expect((await api.app.inject({ method: 'POST', url: '/v1/a2p/preflight', payload: goodDraft() })).statusCode).toBe(401);
  const notObject = await api.app.inject({ method: 'POST', url: '/v1/a2p/preflight', headers: tenant.headers, payload: [1, 2] });
  expect(notObject.statusCode).toBe(400);
});
