/**
 * Bulk-buy throughput against the sandbox, side by side in one run: for each scenario (sandbox
 * concurrency cap C, latency L, N numbers, worker processes W) the durable job (API → Temporal →
 * worker → SDK) next to the ceiling C/L and the plain p-limit script a user would write with the same
 * SDK; where the time went (waiting for the account's Twilio slots vs waiting for Temporal to start
 * tasks); the sandbox's peak concurrency and 429s; history sizes; job-status read latency.
 *
 *   npm run bench                                  # every scenario below
 *   npm run bench -- --only c10                    # one scenario: c10, c100, two-workers, big, big-cpu
 */
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { createTwilioClient } from '../activities/kit/twilio-client';
import { percentile, withBenchStack } from './harness';

interface Scenario {
  key: string;
  title: string;
  numbers: number;
  cap: number;
  latency: number;
  workers: number;
  plain: boolean;
}

const scenarios: Scenario[] = [
  { key: 'c10', title: 'C=10, L=100 ms, 1 000', numbers: 1000, cap: 10, latency: 100, workers: 1, plain: true },
  { key: 'c100', title: 'C=100, L=500 ms, 2 000', numbers: 2000, cap: 100, latency: 500, workers: 1, plain: true },
  { key: 'two-workers', title: '2 workers, C=10, L=100 ms, 1 000', numbers: 1000, cap: 10, latency: 100, workers: 2, plain: false },
  // The 10 000-number job at the production-like point, and again at a ceiling (1 000/s) this 2-core machine
  // can't feed: there the job is bound by the CPU that the worker, PostgreSQL, Temporal and the sandbox share.
  { key: 'big', title: 'C=100, L=500 ms, 10 000', numbers: 10_000, cap: 100, latency: 500, workers: 1, plain: false },
  { key: 'big-cpu', title: 'C=100, L=100 ms, 10 000', numbers: 10_000, cap: 100, latency: 100, workers: 1, plain: false },
];

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const chosen = scenarios.filter((s) => !values.only || values.only.split(',').includes(s.key));

type Row = Record<string, string>;
const rows: { scenario: Scenario; row: Row }[] = [];
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '—');

/** Seconds between two ISO timestamps of a history event. */
const eventTime = (e: { eventTime?: unknown }) => {
  const t = e.eventTime as { seconds?: { toNumber?: () => number } | number; nanos?: number } | undefined;
  const seconds = typeof t?.seconds === 'number' ? t.seconds : (t?.seconds?.toNumber?.() ?? 0);
  return seconds + (t?.nanos ?? 0) / 1e9;
};

for (const sc of chosen) {
  const env = { BULK_MAX_QUANTITY: String(Math.max(sc.numbers, 1000)) };
  await withBenchStack(`bench-${sc.key}`, { cap: sc.cap, env, workers: sc.workers }, async ({ stack, app, db, temporal, headers, control }) => {
    const areaCode = '415';
    await control('inventory', { areaCode, count: sc.numbers + 2000 });
    await control('faults', { concurrencyLimit: sc.cap, latencyMs: sc.latency });
    // Warm-up, as a running service is warm (and as the plain script below runs in an already warm
    // process): a small job first, so the measured one doesn't pay for first-time code loading.
    await control('inventory', { areaCode: '212', count: 50 });
    const warm = await app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers, payload: { areaCode: '212', quantity: 20 } });
    for (let s = 'queued'; !['succeeded', 'partial', 'failed', 'cancelled'].includes(s); await new Promise((r) => setTimeout(r, 50))) {
      s = (await app.inject({ method: 'GET', url: `/v1/jobs/${warm.json().id}`, headers })).json().status;
    }
    await control('stats/reset', {});
    const limiterTotals = async () =>
      (await db.query(`SELECT COALESCE(sum(requests), 0)::float8 AS requests, COALESCE(sum(waited_ms), 0)::float8 AS waited FROM twilio_limiter_stats WHERE account_sid = $1`, [stack.accountSid])).rows[0] as { requests: number; waited: number };
    await new Promise((r) => setTimeout(r, 2500)); // the warm-up's figures are flushed (every 2 s), to be subtracted
    const before = await limiterTotals();

    // 1. The durable job, through the API, with no tuning: it uses the account's concurrency.
    const t0 = performance.now();
    const started = await app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers, payload: { areaCode, quantity: sc.numbers } });
    if (started.statusCode !== 202) throw new Error(`bulk buy: ${started.statusCode} ${started.body}`);
    const jobId = started.json().id as string;
    const statusLatencies: number[] = [];
    let job;
    for (;;) {
      const s = performance.now();
      job = (await app.inject({ method: 'GET', url: `/v1/jobs/${jobId}`, headers })).json();
      statusLatencies.push(performance.now() - s);
      if (['succeeded', 'partial', 'failed', 'cancelled'].includes(job.status)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - t0) / 1000;
    const sandbox = (await control('stats')).total as { requests: number; rejected429: number; maxInFlight: number };
    const owned = (await db.query(`SELECT count(*)::int AS n FROM phone_numbers WHERE job_id = $1 AND status = 'active'`, [jobId])).rows[0].n as number;

    if (process.env.BENCH_TIMELINE) {
      const { rows: t } = await db.query(
        `SELECT floor(extract(epoch FROM purchased_at - (SELECT created_at FROM jobs WHERE id = $1)))::int AS s, count(*)::int AS n
           FROM phone_numbers WHERE job_id = $1 AND status = 'active' GROUP BY 1 ORDER BY 1`,
        [jobId],
      );
      console.log(`purchases per second since the job was created: ${t.map((r) => `${r.s}:${r.n}`).join(' ')}`);
      const { rows: first } = await db.query(
        `SELECT s, count(*)::int AS n FROM (
           SELECT floor(10 * extract(epoch FROM purchased_at - (SELECT created_at FROM jobs WHERE id = $1)))::int AS s
             FROM phone_numbers WHERE job_id = $1 AND status = 'active') t WHERE s < 30 GROUP BY 1 ORDER BY 1`,
        [jobId],
      );
      console.log(`first 3 s, per 100 ms: ${first.map((r) => `${r.s / 10}:${r.n}`).join(' ')}`);
      const { rows: [p] } = await db.query(
        `SELECT extract(epoch FROM min(n.purchased_at) - j.created_at)::float8 AS first, extract(epoch FROM max(n.purchased_at) - j.created_at)::float8 AS last,
                extract(epoch FROM j.finished_at - j.created_at)::float8 AS finished
           FROM jobs j JOIN phone_numbers n ON n.job_id = j.id WHERE j.id = $1 GROUP BY j.id`,
        [jobId],
      );
      console.log(`seconds since the job was created: first purchase ${fmt(p.first, 2)}, last ${fmt(p.last, 2)}, job finished ${fmt(p.finished, 2)}`);
      const slowest = [...statusLatencies].sort((a, b) => b - a).slice(0, 8);
      console.log(`${statusLatencies.length} status reads; slowest (ms): ${slowest.map((x) => fmt(x)).join(' ')}`);
    }
    // Where the time went: waiting for the account's Twilio slots (the limiter), and for Temporal to start tasks.
    await new Promise((r) => setTimeout(r, 2500)); // the workers flush their limiter figures every 2 s
    const after = await limiterTotals();
    const limiter = { requests: after.requests - before.requests, waited: after.waited - before.waited };
    const tenant = (await db.query('SELECT tenant_id FROM jobs WHERE id = $1', [jobId])).rows[0].tenant_id as string;
    const wfId = `tenant-${tenant}/job-${jobId}`;
    const histories: { id: string; events: number }[] = [];
    let scheduleToStart = 0;
    const createdAt = (await db.query('SELECT extract(epoch FROM created_at)::float8 AS t FROM jobs WHERE id = $1', [jobId])).rows[0].t as number;
    const measure = async (id: string) => {
      const h = await temporal.workflow.getHandle(id).fetchHistory();
      const events = h.events ?? [];
      if (process.env.BENCH_TIMELINE && histories.length < 2) {
        // When each step of the start happened, in ms since the job's row was written.
        const steps = events.slice(0, 14).map((e) => `${String(e.eventType).replace('EVENT_TYPE_', '').toLowerCase()}@${Math.round((eventTime(e) - createdAt) * 1000)}`);
        console.log(`${id.split('/').pop()}: ${steps.join(' ')}`);
      }
      histories.push({ id, events: events.length });
      const scheduled = new Map<string, number>();
      for (const e of events) {
        const id = String(e.eventId);
        if (e.activityTaskScheduledEventAttributes || e.workflowTaskScheduledEventAttributes) scheduled.set(id, eventTime(e));
        const startedOf = e.activityTaskStartedEventAttributes ?? e.workflowTaskStartedEventAttributes;
        if (startedOf?.scheduledEventId) scheduleToStart += eventTime(e) - (scheduled.get(String(startedOf.scheduledEventId)) ?? eventTime(e));
      }
    };
    await measure(wfId);
    for (let i = 0; ; i++) {
      try {
        await measure(`${wfId}/batch-${i}`);
      } catch {
        break;
      }
    }

    // 2. The plain script: the same SDK, p-limit at the cap, no durability or bookkeeping.
    let plainRate = NaN;
    let plainP95 = NaN;
    if (sc.plain) {
      await control('stats/reset', {});
      const sdk = createTwilioClient({ accountSid: stack.accountSid, authToken: stack.authToken, baseUrl: stack.sandboxUrl, timeoutMs: 30_000 });
      const account = sdk.api.v2010.accounts(stack.accountSid);
      await control('inventory', { areaCode: '628', count: sc.numbers + 1000 });
      const t1 = performance.now();
      const candidates: string[] = [];
      // Twilio returns at most a page of available numbers; a script searches until it has enough.
      const seen = new Set<string>();
      while (candidates.length < sc.numbers) {
        const page = await account.availablePhoneNumbers('US').local.list({ areaCode: 628, pageSize: 1000, limit: 1000 });
        const fresh = page.map((p) => p.phoneNumber).filter((n) => !seen.has(n));
        if (!fresh.length) break;
        for (const n of fresh) seen.add(n);
        const limit = pLimit(sc.cap);
        const take = fresh.slice(0, sc.numbers - candidates.length);
        const latencies: number[] = [];
        await Promise.all(take.map((n) => limit(async () => {
          const s = performance.now();
          await account.incomingPhoneNumbers.create({ phoneNumber: n });
          latencies.push(performance.now() - s);
        })));
        candidates.push(...take);
        plainP95 = percentile(latencies, 95);
      }
      plainRate = candidates.length / ((performance.now() - t1) / 1000);
    }

    const ceiling = sc.cap / (sc.latency / 1000);
    const rate = owned / seconds;
    const maxChild = Math.max(0, ...histories.slice(1).map((h) => h.events));
    rows.push({
      scenario: sc,
      row: {
        'ceiling C/L (numbers/s)': fmt(ceiling),
        'durable job (numbers/s)': `${fmt(rate)} (${fmt((100 * rate) / ceiling, 0)} % of ceiling)`,
        'plain script (numbers/s)': sc.plain ? `${fmt(plainRate)} (${fmt((100 * plainRate) / ceiling, 0)} %)` : '—',
        'durable ÷ plain': sc.plain ? fmt(rate / plainRate, 2) : '—',
        'bought / asked (counted)': `${owned} / ${sc.numbers}`,
        'wall time (s)': fmt(seconds),
        'sandbox peak in flight / 429s': `${sandbox.maxInFlight} / ${sandbox.rejected429}`,
        'Twilio requests': String(sandbox.requests),
        'avg wait for a Twilio slot (ms)': fmt(limiter.requests ? limiter.waited / limiter.requests : NaN),
        'Temporal schedule-to-start, total (s)': fmt(scheduleToStart, 2),
        'history events: parent / max child': `${histories[0]?.events ?? 0} / ${maxChild} (${histories.length - 1} children)`,
        'GET /v1/jobs/{id} p50/p99 (ms)': `${fmt(percentile(statusLatencies, 50))} / ${fmt(percentile(statusLatencies, 99))}`,
        'plain purchase p95 (ms)': sc.plain ? fmt(plainP95, 0) : '—',
      },
    });
  });
}

// Scenarios side by side.
const labels = Object.keys(rows[0]?.row ?? {});
const width = 40;
const col = 34;
console.log(`\nbulk-buy benchmark (2 cores; worker TWILIO_MAX_CONCURRENCY = C; jobs sent with no concurrency: the account's is used)\n`);
console.log(''.padEnd(width) + rows.map((r) => r.scenario.title.padEnd(col)).join(''));
for (const label of labels) console.log(label.padEnd(width) + rows.map((r) => (r.row[label] ?? '').padEnd(col)).join(''));
console.log(`\nA slot wait near zero with Temporal's schedule-to-start small means Twilio's concurrency (C/L) bounds the run;`);
console.log(`long slot waits mean requests queue for the account's C slots, as they should when jobs ask for more than C.`);
