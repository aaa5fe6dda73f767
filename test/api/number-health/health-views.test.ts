import { afterAll, beforeAll, expect, it } from 'vitest';
import { buyThroughApi, createTestApi, newTenant, waitFor } from '../../helpers/stack';
import { healthScan } from '../../../db/number-health/health';

/**
 * What the console's Health tab reads: the health list's filters (hygiene state, resting, below a score, with
 * the bounded scan behind them), the score distribution, a number's outcome history, and the policy's runs with
 * their jobs. Four numbers: ok, ok with a low score, quarantined and resting, quarantined and rested.
 */
let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;
let other: Awaited<ReturnType<typeof newTenant>>;
let ok: string, low: string, resting: string, rested: string;
const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);

beforeAll(async () => {
  api = await createTestApi();
  tenant = await newTenant(api.db, 'health-views');
  other = await newTenant(api.db, 'health-views-other');
  const bought = [];
  for (let i = 0; i < 4; i++) bought.push(await buyThroughApi(api.app, tenant.headers, '785'));
  [ok, low, resting, rested] = bought as [string, string, string, string];
  await buyThroughApi(api.app, other.headers, '785'); // another tenant's number, low and quarantined too
  const otherNumber = (await get('/v1/numbers', other.headers)).json().data[0].phoneNumber as string;
  const at = new Date().toISOString();
  for (const [pn, headers] of [[low, tenant.headers], [otherNumber, other.headers]] as const) {
    const outcomes = [1, 2, 3].map((i) => ({ phoneNumber: pn, at, outcome: 'blocked', externalId: `${pn}-b${i}` }));
    expect((await api.app.inject({ method: 'POST', url: '/v1/number-health/call-outcomes', headers, payload: { outcomes } })).json()).toMatchObject({ accepted: 3 });
  }
  // A complaint: below 100, not below the threshold.
  const complaint = { phoneNumber: rested, at, outcome: 'complaint', externalId: `${rested}-c1` };
  expect((await api.app.inject({ method: 'POST', url: '/v1/number-health/call-outcomes', headers: tenant.headers, payload: { outcomes: [complaint] } })).json()).toMatchObject({ accepted: 1 });
  expect((await api.app.inject({ method: 'PUT', url: '/v1/number-health/policy', headers: tenant.headers, payload: { quarantineBelowScore: 80, restDays: 30 } })).statusCode).toBe(200);
  // Quarantined 10 days ago (rests 20 more days) and 40 days ago (rested): as a health pass leaves them.
  const quarantine = `UPDATE phone_numbers SET hygiene_state = 'quarantined', quarantined_at = $3 WHERE tenant_id = $1 AND phone_number = $2 AND status = 'active'`;
  await api.db.query(quarantine, [tenant.tenantId, resting, daysAgo(10)]);
  await api.db.query(quarantine, [tenant.tenantId, rested, daysAgo(40)]);
  await api.db.query(quarantine, [other.tenantId, otherNumber, daysAgo(1)]);
});
afterAll(async () => {
  await api.app.inject({ method: 'DELETE', url: '/v1/number-health/policy', headers: tenant.headers });
  await api.close();
});

function get(url: string, headers = tenant.headers) {
  return api.app.inject({ method: 'GET', url, headers });
}
interface Item { phoneNumber: string; score: number; hygieneState: string; quarantinedAt: string | null; restingUntil: string | null }
const numbersOf = async (query: string, headers = tenant.headers) => {
  const res = await get(`/v1/number-health?${query}`, headers);
  expect(res.statusCode, query).toBe(200);
  return (res.json().data as Item[]).map((i) => i.phoneNumber);
};
const sorted = (...ns: string[]) => [...ns].sort();

it('each filter returns exactly its numbers, each item says its hygiene state and rest, and another tenant’s never appear', async () => {
  expect(await numbersOf('hygieneState=quarantined')).toEqual(sorted(resting, rested));
  expect(await numbersOf('hygieneState=ok')).toEqual(sorted(ok, low));
  expect(await numbersOf('resting=true')).toEqual([resting]);
  expect(await numbersOf('resting=false')).toEqual(sorted(ok, low, rested));
  expect(await numbersOf('belowScore=80')).toEqual([low]);
  expect(await numbersOf('belowScore=80&hygieneState=quarantined')).toEqual([]);
  expect(await numbersOf('belowScore=100')).toEqual(sorted(low, rested));
  expect(await numbersOf('belowScore=100&resting=false&hygieneState=quarantined')).toEqual([rested]);
  expect(await numbersOf('')).toEqual(sorted(ok, low, resting, rested));

  const items = Object.fromEntries(((await get('/v1/number-health')).json().data as Item[]).map((i) => [i.phoneNumber, i]));
  expect(items[ok]).toMatchObject({ hygieneState: 'ok', quarantinedAt: null, restingUntil: null, score: 100 });
  expect(items[low]!.score).toBeLessThan(80);
  const restingItem = items[resting]!;
  expect(restingItem.hygieneState).toBe('quarantined');
  expect(Date.parse(restingItem.restingUntil!) - Date.parse(restingItem.quarantinedAt!)).toBe(30 * 86_400_000);
  expect(Math.abs(Date.parse(restingItem.quarantinedAt!) - daysAgo(10).getTime())).toBeLessThan(60_000);
  expect(items[rested]).toMatchObject({ hygieneState: 'quarantined', restingUntil: null });
  expect(items[rested]!.score).toBeGreaterThanOrEqual(80);
  expect((await get(`/v1/number-health/${encodeURIComponent(resting)}`)).json().restingUntil).toBe(restingItem.restingUntil);

  // The other tenant sees its own quarantined low number only.
  const theirs = await numbersOf('belowScore=80&hygieneState=quarantined', other.headers);
  expect(theirs).toHaveLength(1);
  expect([ok, low, resting, rested]).not.toContain(theirs[0]);

  for (const [query, field] of [['hygieneState=sick', 'hygieneState'], ['resting=yes', 'resting'], ['belowScore=101', 'belowScore'], ['belowScore=x', 'belowScore'], ['belowScore=1.5', 'belowScore']]) {
    const res = await get(`/v1/number-health?${query}`);
    expect(res.statusCode, query).toBe(400);
    expect(JSON.stringify(res.json().error), query).toContain(field);
  }
});

it('a filter on the score pages through the inventory a bounded scan at a time: short pages carry a cursor, no number is missed', async () => {
  const page = async (query: string, cursor: string | null) => {
    const res = (await get(`/v1/number-health?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json();
    return { data: (res.data as Item[]).map((i) => i.phoneNumber), nextCursor: res.nextCursor as string | null };
  };
  const saved = { ...healthScan };
  Object.assign(healthScan, { chunkRows: 1, maxRows: 1 }); // each request scores one number
  try {
    const pages: Awaited<ReturnType<typeof page>>[] = [];
    let cursor: string | null = null;
    do {
      pages.push(await page('belowScore=100&limit=2', cursor));
      cursor = pages[pages.length - 1]!.nextCursor;
    } while (cursor && pages.length < 10);
    expect(pages.flatMap((p) => p.data)).toEqual(sorted(low, rested));
    // Four numbers, one scored per request: each stopped at the cap and said where; the fifth found the end.
    expect(pages).toHaveLength(5);
    expect(pages.slice(0, 4).every((p) => p.data.length <= 1 && p.nextCursor !== null)).toBe(true);
    expect(pages.some((p) => p.data.length === 0 && p.nextCursor !== null)).toBe(true);
  } finally {
    Object.assign(healthScan, saved);
  }
  // Limit reached with another match ahead: the next page starts at it; after the last match, no cursor.
  const first = await page('belowScore=100&limit=1', null);
  expect(first.data).toEqual([sorted(low, rested)[0]]);
  expect(first.nextCursor).not.toBeNull();
  expect(await page('belowScore=100&limit=1', first.nextCursor)).toEqual({ data: [sorted(low, rested)[1]], nextCursor: null });
});

it('the summary counts numbers by state and by score bucket, with the threshold; a capped scan says partial', async () => {
  const scores = await Promise.all([ok, low, resting, rested].map(async (pn) => (await get(`/v1/number-health/${encodeURIComponent(pn)}`)).json().score as number));
  const summary = (await get('/v1/number-health/summary')).json();
  const expected = Array.from({ length: 10 }, (_, i) => ({ from: i * 10, to: i === 9 ? 100 : i * 10 + 9, count: 0 }));
  for (const score of scores) expected[Math.min(9, Math.floor(score / 10))]!.count++;
  expect(expected.filter((b) => b.count > 0).length).toBeGreaterThan(1); // the numbers are not all in one bucket
  expect(summary).toMatchObject({ total: 4, quarantined: 2, resting: 1, threshold: 80, buckets: expected, partial: false });
  expect(Math.abs(Date.parse(summary.computedAt) - Date.now())).toBeLessThan(60_000);

  const saved = { ...healthScan };
  Object.assign(healthScan, { chunkRows: 2, summaryMaxRows: 2 });
  try {
    const capped = (await get('/v1/number-health/summary')).json();
    expect(capped).toMatchObject({ total: 4, quarantined: 2, resting: 1, partial: true });
    expect(capped.buckets.reduce((a: number, b: { count: number }) => a + b.count, 0)).toBe(2);
  } finally {
    Object.assign(healthScan, saved);
  }
  expect((await get('/v1/number-health/summary', other.headers)).json()).toMatchObject({ total: 1, quarantined: 1, resting: 0, threshold: null });
});

it('a number’s outcomes come newest first, a page at a time; another tenant’s number is a 404', async () => {
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  const posted = [
    { outcome: 'answered', durationSeconds: 42, at: minutesAgo(5), externalId: 'o-1' },
    { outcome: 'no_answer', at: minutesAgo(3) },
    { outcome: 'complaint', at: minutesAgo(4), externalId: 'o-3' },
  ].map((o) => ({ phoneNumber: ok, ...o }));
  expect((await api.app.inject({ method: 'POST', url: '/v1/number-health/call-outcomes', headers: tenant.headers, payload: { outcomes: posted } })).json()).toMatchObject({ accepted: 3 });

  const url = `/v1/number-health/${encodeURIComponent(ok)}/outcomes`;
  const first = (await get(`${url}?limit=2`)).json();
  expect(first.data).toEqual([
    { at: posted[1]!.at, outcome: 'no_answer', durationSeconds: null, externalId: null },
    { at: posted[2]!.at, outcome: 'complaint', durationSeconds: null, externalId: 'o-3' },
  ]);
  const second = (await get(`${url}?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`)).json();
  expect(second).toEqual({ data: [{ at: posted[0]!.at, outcome: 'answered', durationSeconds: 42, externalId: 'o-1' }], nextCursor: null });
  // The low number's three blocks are its own.
  expect((await get(`/v1/number-health/${encodeURIComponent(low)}/outcomes`)).json().data.map((o: { outcome: string }) => o.outcome)).toEqual(['blocked', 'blocked', 'blocked']);

  expect((await get(url, other.headers)).statusCode).toBe(404);
  expect((await get('/v1/number-health/%2B12025550000/outcomes')).statusCode).toBe(404);
  for (const cursor of ['nope', '2026-02-30T00:00:00.000Z|1']) {
    const bad = await get(`${url}?cursor=${encodeURIComponent(cursor)}`);
    expect(bad.statusCode, cursor).toBe(400);
    expect(JSON.stringify(bad.json().error)).toContain('cursor');
  }
});

it('a Schedule’s run in the policy carries its job, whose items are what the pass did', async () => {
  const runner = await newTenant(api.db, 'health-views-runs');
  const call = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object) => api.app.inject({ method, url, headers: runner.headers, ...(payload ? { payload } : {}) });
  const pn = await buyThroughApi(api.app, runner.headers, '785');
  expect((await call('PUT', '/v1/number-health/policy', { quarantineBelowScore: 50 })).json().recentRuns).toEqual([]);
  try {
    // What the Schedule does when it is due, at once.
    await api.temporal.schedule.getHandle(`tenant-${runner.tenantId}/health-pass`).trigger();
    const run = await waitFor(async () => {
      const runs = (await call('GET', '/v1/number-health/policy')).json().recentRuns as { workflowId: string; jobId: string | null }[];
      return runs[0]?.jobId ? runs[0] : null;
    }, 'the run’s job', 60_000);
    const job = (await call('GET', `/v1/jobs/${run.jobId}`)).json();
    expect(job).toMatchObject({ id: run.jobId, kind: 'health_pass' });
    const done = await waitFor(async () => ((await call('GET', `/v1/jobs/${run.jobId}`)).json().status === 'succeeded' ? true : null), 'the pass', 60_000);
    expect(done).toBe(true);
    expect((await call('GET', `/v1/jobs/${run.jobId}/items`)).json().data.map((i: { phoneNumber: string; detail: { action: string } }) => [i.phoneNumber, i.detail.action])).toEqual([[pn, 'none']]);
    expect((await call('GET', '/v1/number-health/policy')).json().rotation.recentRuns).toEqual([]);
  } finally {
    await call('DELETE', '/v1/number-health/policy');
  }
});
