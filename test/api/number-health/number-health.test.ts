import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApi, newTenant } from '../../helpers/stack';
import { waitForJob } from '../../helpers/jobs';

/** Number health on real parts: reported outcomes and reputation, cached lookups, and the explainable score. */
let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;
beforeAll(async () => {
  api = await createTestApi();
  tenant = await newTenant(api.db, 'number-health');
});
afterAll(async () => api.close());

const post = (url: string, payload: object, headers = tenant.headers) => api.app.inject({ method: 'POST', url, headers, payload });
const health = async (pn: string, headers = tenant.headers) => api.app.inject({ method: 'GET', url: `/v1/number-health/${encodeURIComponent(pn)}`, headers });
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

it('a quiet number scores 100; reported blocks, labels, complaints and a low answer rate each take their documented points', async () => {
  // A number the sandbox's Lookup answers as a plain low-risk mobile (its magic bands are 01–05, 08, 09).
  const found = (await api.app.inject({ method: 'GET', url: '/v1/available-numbers?areaCode=620&limit=30', headers: tenant.headers })).json().data as { phoneNumber: string }[];
  const number = found.map((f) => f.phoneNumber).find((n) => !['01', '02', '03', '04', '05', '08', '09'].includes(n.slice(-4, -2)))!;
  expect((await api.app.inject({ method: 'POST', url: '/v1/numbers', headers: tenant.headers, payload: { phoneNumber: number } })).statusCode).toBe(201);
  await api.app.inject({ method: 'GET', url: `/v1/lookups/${encodeURIComponent(number)}?fields=line_type_intelligence,sms_pumping_risk`, headers: tenant.headers });
  expect((await health(number)).json()).toMatchObject({ phoneNumber: number, score: 100, factors: [], inputs: { lineType: 'mobile', smsPumpingRiskScore: 4 } });

  const outcomes = [
    ...Array.from({ length: 4 }, (_, i) => ({ outcome: 'answered', durationSeconds: 120 + i })),
    ...Array.from({ length: 2 }, () => ({ outcome: 'answered', durationSeconds: 4 })),
    ...Array.from({ length: 20 }, () => ({ outcome: 'no_answer' })),
    ...Array.from({ length: 4 }, () => ({ outcome: 'blocked' })),
    { outcome: 'labelled' }, { outcome: 'labelled' }, { outcome: 'complaint' },
  ].map((o, i) => ({ ...o, phoneNumber: number, at: minutesAgo(i + 1), externalId: `call-${i}` }));
  const stranger = { phoneNumber: '+12025550000', at: minutesAgo(1), outcome: 'answered' };
  const first = await post('/v1/number-health/call-outcomes', { outcomes: [...outcomes, stranger] });
  expect(first.json()).toEqual({ accepted: 33, duplicates: 0, refused: [{ index: 33, phoneNumber: '+12025550000', reason: 'not one of your live numbers' }] });
  // Posted again (a retry): counted once.
  expect((await post('/v1/number-health/call-outcomes', { outcomes })).json()).toMatchObject({ accepted: 0, duplicates: 33 });

  const scored = (await health(number)).json();
  expect(scored.factors.map((f: { factor: string; points: number }) => [f.factor, f.points])).toEqual([
    ['blocked_reports', -40], ['spam_labels', -20], ['complaints', -15], ['answer_rate', -20], ['no_a_attestation', -5],
  ]);
  expect(scored).toMatchObject({ score: 0, inputs: { calls: { total: 30, answered: 6, short: 2, blocked: 4, labelled: 2, complaints: 1 }, voiceTrust: { shakenStir: null, cnam: false, voiceIntegrity: false } } });

  expect((await post('/v1/number-health/reputation', { scores: [{ phoneNumber: number, score: 40, source: 'hiya' }, { phoneNumber: number, score: 90, source: 'other' }] })).json()).toMatchObject({ accepted: 2 });
  expect((await health(number)).json()).toMatchObject({ score: 0, inputs: { reputation: { score: 40, source: 'hiya' } } });

  // The list shows the tenant's numbers with their scores; another tenant sees none of it.
  const list = (await api.app.inject({ method: 'GET', url: '/v1/number-health?limit=10', headers: tenant.headers })).json();
  expect(list.data.map((h: { phoneNumber: string; score: number }) => [h.phoneNumber, h.score])).toEqual([[number, 0]]);
  const other = await newTenant(api.db, 'number-health-other');
  expect((await health(number, other.headers)).statusCode).toBe(404);
  expect((await post('/v1/number-health/call-outcomes', { outcomes: [outcomes[0]!] }, other.headers)).json()).toMatchObject({ accepted: 0, refused: [{ index: 0 }] });
});

it('bad reports are a 400 naming the field, and nothing is stored', async () => {
  // The tenant's rows only: other files report outcomes at the same time.
  const stored = async () => (await api.db.query('SELECT count(*)::int AS n FROM number_call_outcomes WHERE tenant_id = $1', [tenant.tenantId])).rows[0].n;
  const before = await stored();
  for (const [payload, field] of [
    [{ outcomes: [{ phoneNumber: '+12025550000', at: minutesAgo(1), outcome: 'maybe' }] }, 'outcome'],
    [{ outcomes: [{ phoneNumber: '2025550000', at: minutesAgo(1), outcome: 'answered' }] }, 'phoneNumber'],
    [{ outcomes: [] }, 'outcomes'],
  ] as const) {
    const res = await post('/v1/number-health/call-outcomes', payload);
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toContain(field);
  }
  expect((await post('/v1/number-health/reputation', { scores: [{ phoneNumber: '+12025550000', score: 101, source: 'hiya' }] })).statusCode).toBe(400);
  expect(await stored()).toBe(before);
});

it('a bulk lookup caches packages in the single lookup’s shape: the SMS-pumping risk it found counts in the score', async () => {
  // A 03xx number: the sandbox's Lookup answers it as high SMS-pumping risk (95).
  const found = (await api.app.inject({ method: 'GET', url: '/v1/available-numbers?areaCode=620&contains=******03**&limit=1', headers: tenant.headers })).json().data as { phoneNumber: string }[];
  const number = found[0]!.phoneNumber;
  expect((await post('/v1/numbers', { phoneNumber: number })).statusCode).toBe(201);
  const job = await post('/v1/jobs/bulk-lookup', { phoneNumbers: [number], fields: ['line_type_intelligence', 'sms_pumping_risk'] });
  expect(job.statusCode).toBe(202);
  expect((await waitForJob(api.app, tenant.headers, job.json().id)).status).toBe('succeeded');

  const cached = (await api.app.inject({ method: 'GET', url: `/v1/lookups/${encodeURIComponent(number)}?fields=sms_pumping_risk`, headers: tenant.headers })).json();
  expect(cached.packages.sms_pumping_risk).toMatchObject({ fromCache: true, data: { carrierRiskCategory: 'high', numberBlocked: true, smsPumpingRiskScore: 95 } });
  expect(cached.packages.sms_pumping_risk.data).not.toHaveProperty('sms_pumping_risk_score');
  const scored = (await health(number)).json();
  expect(scored).toMatchObject({ score: 85, inputs: { smsPumpingRiskScore: 95 } });
  expect(scored.factors.map((f: { factor: string }) => f.factor)).toEqual(['sms_pumping_risk']);
});
