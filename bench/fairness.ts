/**
 * Fairness inside one account's Twilio slots (issue #24 §3), side by side in one run on one stack: tenant B's
 * single purchases (`POST /v1/numbers`, one after another) alone; tenant A's bulk buy alone; then both at
 * once — B's latency against alone, A's throughput against alone.
 *
 *   npm run bench:fairness                                             # 3 000 numbers, 20 singles, C=20, L=300 ms
 *   npm run bench:fairness -- --bulk 600 --singles 10 --cap 20 --latency 300
 */
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { createTwilioClient } from '../activities/kit/twilio-client';
import type { Db } from '../db/kit/pool';
import { createTenant } from '../db/platform/tenants';
import { percentile, withBenchStack } from './harness';

const { values } = parseArgs({
  options: {
    bulk: { type: 'string', default: '3000' },
    singles: { type: 'string', default: '20' },
    cap: { type: 'string', default: '20' },
    latency: { type: 'string', default: '300' },
  },
});
const bulk = Number(values.bulk);
const singles = Number(values.singles);
const cap = Number(values.cap);
const latency = Number(values.latency);

type Inject = Parameters<Parameters<typeof withBenchStack>[2]>[0]['app']['inject'];
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '—');
const BULK_AREA = '415';
const SINGLES_AREA = '646';
const DONE = ['succeeded', 'partial', 'failed', 'cancelled'];

/** Seconds of a history event's time. */
const eventTime = (e: { eventTime?: unknown }) => {
  const t = e.eventTime as { seconds?: { toNumber?: () => number } | number; nanos?: number } | undefined;
  const seconds = typeof t?.seconds === 'number' ? t.seconds : (t?.seconds?.toNumber?.() ?? 0);
  return seconds + (t?.nanos ?? 0) / 1e9;
};

/**
 * Where a purchase's time went, from its workflow's history (ms): the activity from its start to its end
 * (waiting for a Twilio slot, Twilio's answer, PostgreSQL), and its wait to be started by the worker.
 */
async function purchaseSteps(temporal: Client, phoneNumbers: string[]) {
  const activity: number[] = [];
  const toStart: number[] = [];
  for await (const wf of temporal.workflow.list({ query: `WorkflowType = 'buyNumber'` })) {
    if (!phoneNumbers.some((n) => wf.workflowId.includes(`/buy-${n}-`))) continue;
    const events = (await temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()).events ?? [];
    const at = (has: (e: (typeof events)[number]) => unknown) => eventTime(events.find((e) => has(e)) ?? {});
    const scheduled = at((e) => e.activityTaskScheduledEventAttributes);
    const started = at((e) => e.activityTaskStartedEventAttributes);
    toStart.push((started - scheduled) * 1000);
    activity.push((at((e) => e.activityTaskCompletedEventAttributes) - started) * 1000);
  }
  return { activity, toStart };
}

/** Buys each number in turn through the API, as a user at the console would; the latency of each. */
async function buyOneByOne(inject: Inject, headers: Record<string, string>, numbers: string[]) {
  const ms: number[] = [];
  for (const phoneNumber of numbers) {
    const t0 = performance.now();
    const res = await inject({ method: 'POST', url: '/v1/numbers', headers, payload: { phoneNumber } });
    if (res.statusCode !== 201) throw new Error(`buying ${phoneNumber}: ${res.statusCode} ${res.body}`);
    ms.push(performance.now() - t0);
  }
  return ms;
}

/** Starts a bulk buy through the API; `done` resolves when it has finished, with its wall time and numbers bought. */
async function startBulkBuy(inject: Inject, db: Db, headers: Record<string, string>, quantity: number) {
  const t0 = performance.now();
  const started = await inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers, payload: { areaCode: BULK_AREA, quantity } });
  if (started.statusCode !== 202) throw new Error(`bulk buy: ${started.statusCode} ${started.body}`);
  const jobId = started.json().id as string;
  const bought = async () => (await db.query(`SELECT count(*)::int AS n FROM phone_numbers WHERE job_id = $1 AND status = 'active'`, [jobId])).rows[0].n as number;
  const done = (async () => {
    for (;;) {
      const job = (await inject({ method: 'GET', url: `/v1/jobs/${jobId}`, headers })).json();
      if (DONE.includes(job.status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { seconds: (performance.now() - t0) / 1000, bought: await bought(), finishedAt: performance.now() };
  })();
  return { bought, done };
}

await withBenchStack('bench-fairness', { cap, env: { BULK_MAX_QUANTITY: String(Math.max(bulk, 1000)) } }, async ({ stack, app, db, temporal, headers, control }) => {
  const inject = app.inject.bind(app) as Inject;
  const tenantA = headers;
  const tenantB = { authorization: `Bearer ${(await createTenant(db, 'bench-fairness-b')).apiKey}` };
  await control('inventory', { areaCode: BULK_AREA, count: 2 * bulk + 2000 });
  await control('inventory', { areaCode: SINGLES_AREA, count: 2 * singles + 50 });
  await control('inventory', { areaCode: '212', count: 50 });
  // B's numbers, found before the latency is set (a user picks them in the console beforehand).
  const sdk = createTwilioClient({ accountSid: stack.accountSid, authToken: stack.authToken, baseUrl: stack.sandboxUrl, timeoutMs: 30_000 });
  const offered = await sdk.api.v2010.accounts(stack.accountSid).availablePhoneNumbers('US').local.list({ areaCode: Number(SINGLES_AREA), limit: 2 * singles + 1 });
  const numbers = offered.map((n) => n.phoneNumber);
  if (numbers.length < 2 * singles + 1) throw new Error(`only ${numbers.length} numbers offered in ${SINGLES_AREA}`);
  await control('faults', { concurrencyLimit: cap, latencyMs: latency });

  // Warm-up, as a running service is warm: one single purchase and a small bulk job.
  await buyOneByOne(inject, tenantB, numbers.slice(0, 1));
  await (await startBulkBuy(inject, db, tenantA, 20)).done.catch(() => undefined);
  const singlesAlone = numbers.slice(1, 1 + singles);
  const singlesLoaded = numbers.slice(1 + singles, 1 + 2 * singles);

  // (a) B alone.
  const aloneMs = await buyOneByOne(inject, tenantB, singlesAlone);
  // (b) A alone.
  const bulkAlone = await (await startBulkBuy(inject, db, tenantA, bulk)).done;
  // (c) Both: B starts once A's job is buying (its first slots' worth done), so B meets A's full backlog.
  await control('stats/reset', {});
  const loadedJob = await startBulkBuy(inject, db, tenantA, bulk);
  while ((await loadedJob.bought()) < cap) await new Promise((r) => setTimeout(r, 50));
  const loadedMs = await buyOneByOne(inject, tenantB, singlesLoaded);
  const singlesEndedAt = performance.now();
  const bulkLoaded = await loadedJob.done;
  const sandbox = (await control('stats')).total as { rejected429: number; maxInFlight: number };

  const p = (xs: number[], q: number) => percentile(xs, q);
  const [stepsAlone, stepsLoaded] = [await purchaseSteps(temporal, singlesAlone), await purchaseSteps(temporal, singlesLoaded)];
  const rateAlone = bulkAlone.bought / bulkAlone.seconds;
  const rateLoaded = bulkLoaded.bought / bulkLoaded.seconds;
  const rows: [string, string, string, string][] = [
    ['B: single purchase p50 (ms)', fmt(p(aloneMs, 50), 0), fmt(p(loadedMs, 50), 0), `${fmt(p(loadedMs, 50) / p(aloneMs, 50), 2)}×`],
    ['B: single purchase p95 (ms)', fmt(p(aloneMs, 95), 0), fmt(p(loadedMs, 95), 0), `${fmt(p(loadedMs, 95) / p(aloneMs, 95), 2)}×`],
    ['B: of which activity p50 (ms)', fmt(p(stepsAlone.activity, 50), 0), fmt(p(stepsLoaded.activity, 50), 0), `${fmt(p(stepsLoaded.activity, 50) / p(stepsAlone.activity, 50), 2)}×`],
    ['B: activity schedule-to-start p50 (ms)', fmt(p(stepsAlone.toStart, 50), 0), fmt(p(stepsLoaded.toStart, 50), 0), ''],
    ['A: bulk buy wall time (s)', fmt(bulkAlone.seconds), fmt(bulkLoaded.seconds), `${fmt(bulkLoaded.seconds / bulkAlone.seconds, 2)}×`],
    ['A: bulk buy (numbers/s)', fmt(rateAlone), fmt(rateLoaded), `${fmt(rateLoaded / rateAlone, 2)}×`],
    ['A: bought / asked', `${bulkAlone.bought} / ${bulk}`, `${bulkLoaded.bought} / ${bulk}`, ''],
  ];
  console.log(`\nfairness benchmark: tenant A's bulk buy of ${bulk} vs tenant B's ${singles} single purchases (one at a time), C=${cap}, L=${latency} ms, one worker\n`);
  console.log(''.padEnd(40) + ['alone', 'both at once', 'both ÷ alone'].map((h) => h.padEnd(16)).join(''));
  for (const r of rows) console.log(r[0].padEnd(40) + r.slice(1).map((c) => c.padEnd(16)).join(''));
  // B's figures count only if A was buying throughout them.
  const overlap = singlesEndedAt <= bulkLoaded.finishedAt ? 'all of B’s purchases ran while A’s job was buying' : 'A’s job finished before B’s last purchase: raise --bulk';
  console.log(`\n${overlap}; sandbox during both: peak in flight ${sandbox.maxInFlight}, 429s ${sandbox.rejected429}`);
  console.log('B’s activity: from its start to its end (waiting for a Twilio slot, Twilio’s answer, PostgreSQL); the rest of a purchase is the API, Temporal and the worker.');
});
