/**
 * The console's Health views over a large inventory, side by side: the score distribution
 * (GET /v1/number-health/summary) and a "below a score" page (GET /v1/number-health?belowScore=…) as the
 * service answers them, next to the plain script a user would write with the client (page through every
 * number's health and count or filter on their side), and the ceiling — PostgreSQL reading the same live rows
 * once, with nothing scored. Scores are computed on request (nothing stored), so these grow with the inventory:
 * the figures say by how much. Cold = the first request after the inventory was written; warm = median of 5.
 *
 *   npm run bench:health -- --numbers 10000 --flagged 0.1
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createTenant } from '../db/platform/tenants';
import { withBenchStack } from './harness';

const { values } = parseArgs({ options: { numbers: { type: 'string', default: '10000' }, flagged: { type: 'string', default: '0.1' } } });
const N = Number(values.numbers);
const FLAGGED = Number(values.flagged);
if (!(N >= 1 && N <= 100_000 && FLAGGED >= 0 && FLAGGED <= 1)) throw new Error('--numbers must be 1..100000, --flagged 0..1');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await f();
  return { ms: performance.now() - t, value };
}
async function coldAndWarm<T>(f: () => Promise<T>) {
  const cold = await timed(f);
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) warm.push((await timed(f)).ms);
  return { cold: cold.ms, warm: median(warm), value: cold.value };
}

await withBenchStack('bench-health', { cap: 10 }, async ({ app, db }) => {
  const { tenant, apiKey } = await createTenant(db, `bench-health-${Date.now()}`);
  const headers = { authorization: `Bearer ${apiKey}` };
  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers });
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };

  // The inventory, written straight to PostgreSQL (buying 10 000 numbers is the bulk-buy bench's job): N live
  // numbers, a share of them with blocked calls reported so the scores spread over the buckets.
  const run = randomBytes(3).toString('hex');
  const numbers = Array.from({ length: N }, (_, i) => `+1555${String(i).padStart(7, '0')}`);
  await db.query(
    `INSERT INTO phone_numbers (tenant_id, phone_number, twilio_sid, status, purchase_key, purchased_at)
     SELECT $1, n, 'PN' || md5(n), 'active', $2 || n, now() FROM unnest($3::text[]) AS n`,
    [tenant.id, `bench-health-${run}-`, numbers],
  );
  const flagged = numbers.filter((_, i) => i % Math.max(1, Math.round(1 / FLAGGED)) === 0).slice(0, Math.round(N * FLAGGED));
  await db.query(
    `INSERT INTO number_call_outcomes (tenant_id, phone_number, at, outcome, external_id)
     SELECT $1, n, now() - make_interval(mins => k), 'blocked', n || '-' || k FROM unnest($2::text[]) AS n, generate_series(1, 3) AS k`,
    [tenant.id, flagged],
  );
  await db.query('ANALYZE phone_numbers; ANALYZE number_call_outcomes');

  // 1. The distribution.
  const summary = await coldAndWarm(() => get('/v1/number-health/summary'));
  const script = await coldAndWarm(async () => {
    const buckets = new Array(10).fill(0);
    let cursor: string | null = null;
    do {
      const page: { data: { score: number }[]; nextCursor: string | null } = await get(`/v1/number-health?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      for (const h of page.data) buckets[Math.min(9, Math.floor(h.score / 10))]++;
      cursor = page.nextCursor;
    } while (cursor);
    return buckets as number[];
  });
  const ceiling = await coldAndWarm(() => db.query(`SELECT phone_number, hygiene_state FROM phone_numbers WHERE tenant_id = $1 AND status = 'active'`, [tenant.id]));
  const same = JSON.stringify(summary.value.buckets.map((b: { count: number }) => b.count)) === JSON.stringify(script.value);

  // 2. The first page of numbers below 80 (the flagged ones), as the Health tab's filter asks for it.
  const below = await coldAndWarm(() => get('/v1/number-health?belowScore=80&limit=25'));
  const belowScript = await coldAndWarm(async () => {
    const found: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: { score: number }[]; nextCursor: string | null } = await get(`/v1/number-health?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      found.push(...page.data.filter((h) => h.score < 80));
      cursor = page.nextCursor;
    } while (cursor && found.length < 25);
    return found.slice(0, 25);
  });

  const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
  console.log(`\nHealth views over ${N} live numbers (${flagged.length} with blocked calls reported)\n`);
  console.log('| what | service | plain script (client pages of 200) | ceiling (PostgreSQL reads the rows) |');
  console.log('|---|---|---|---|');
  console.log(`| score distribution, cold | ${s(summary.cold)} | ${s(script.cold)} | ${s(ceiling.cold)} |`);
  console.log(`| score distribution, warm (median of 5) | ${s(summary.warm)} | ${s(script.warm)} | ${s(ceiling.warm)} |`);
  console.log(`| first 25 below score 80, cold | ${s(below.cold)} | ${s(belowScript.cold)} | — |`);
  console.log(`| first 25 below score 80, warm | ${s(below.warm)} | ${s(belowScript.warm)} | — |`);
  console.log(`\nsummary: total ${summary.value.total}, partial ${summary.value.partial}, buckets ${JSON.stringify(summary.value.buckets.map((b: { count: number }) => b.count))}; the script's buckets ${same ? 'are the same' : `DIFFER: ${JSON.stringify(script.value)}`}`);
  console.log(`below 80: the service's page has ${below.value.data.length} (nextCursor ${below.value.nextCursor ? 'set' : 'null'}), the script's ${belowScript.value.length}`);
  if (!same) process.exitCode = 1;
});
