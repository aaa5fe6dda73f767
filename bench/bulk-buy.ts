/**
 * Bulk-buy throughput against the sandbox: the durable workflow path (API → Temporal → worker →
 * SDK → sandbox) next to the ceiling C/L and a plain, non-durable p-limit script using the SDK.
 *
 *   npm run bench -- --numbers 300 --cap 10 --latency 100
 */
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { createTwilioClient } from '../activities/twilio-client';
import { percentile, withBenchStack } from './harness';

const { values } = parseArgs({
  options: {
    numbers: { type: 'string', default: '300' },
    cap: { type: 'string', default: '10' },
    latency: { type: 'string', default: '100' },
    /** Workflow lanes per job; the worker's TWILIO_MAX_CONCURRENCY=C still bounds Twilio calls. */
    lanes: { type: 'string' },
  },
});
const N = Number(values.numbers);
const C = Number(values.cap);
const L = Number(values.latency);
const lanes = Number(values.lanes ?? 2 * C);

await withBenchStack('bench', { cap: C, env: { BULK_MAX_QUANTITY: String(Math.max(N, 1000)) } }, async ({ stack, app, db, temporal, headers, control }) => {
  await control('faults', { concurrencyLimit: C, latencyMs: L });
  await control('stats/reset', {});

  // 1. Durable: one bulk-buy job through the API.
  const t0 = performance.now();
  const started = await app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers, payload: { areaCode: '415', quantity: N, concurrency: lanes } });
  const jobId = started.json().id as string;
  const statusLatencies: number[] = [];
  let job;
  for (;;) {
    const s = performance.now();
    job = (await app.inject({ method: 'GET', url: `/v1/jobs/${jobId}`, headers })).json();
    statusLatencies.push(performance.now() - s);
    if (['succeeded', 'partial', 'failed', 'cancelled'].includes(job.status)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const durableSeconds = (performance.now() - t0) / 1000;
  const durableStats = await control('stats');
  const purchaseMs = (
    await db.query(
      `SELECT extract(epoch FROM (purchased_at - created_at)) * 1000 AS ms FROM phone_numbers WHERE job_id = $1 AND status = 'active'`,
      [jobId],
    )
  ).rows.map((r) => Number(r.ms));

  const wfId = `tenant-${(await db.query('SELECT tenant_id FROM jobs WHERE id = $1', [jobId])).rows[0].tenant_id}/job-${jobId}`;
  const parentEvents = (await temporal.workflow.getHandle(wfId).fetchHistory()).events?.length ?? 0;
  const batchEvents: number[] = [];
  for (let i = 0; ; i++) {
    try {
      batchEvents.push((await temporal.workflow.getHandle(`${wfId}/batch-${i}`).fetchHistory()).events?.length ?? 0);
    } catch {
      break;
    }
  }

  // 2. Plain script: the same SDK, p-limit at the same cap, no durability or bookkeeping.
  await control('stats/reset', {});
  const sdk = createTwilioClient({ accountSid: stack.accountSid, authToken: stack.authToken, baseUrl: stack.sandboxUrl, timeoutMs: 10_000 });
  const account = sdk.api.v2010.accounts(stack.accountSid);
  const t1 = performance.now();
  const candidates = await account.availablePhoneNumbers('US').local.list({ areaCode: 628, pageSize: N, limit: N });
  const limit = pLimit(C);
  const plainLatencies: number[] = [];
  await Promise.all(
    candidates.map((c) =>
      limit(async () => {
        const s = performance.now();
        await account.incomingPhoneNumbers.create({ phoneNumber: c.phoneNumber });
        plainLatencies.push(performance.now() - s);
      }),
    ),
  );
  const plainSeconds = (performance.now() - t1) / 1000;
  const plainStats = await control('stats');

  const ceiling = C / (L / 1000);
  const row = (name: string, v: string) => console.log(`${name.padEnd(44)} ${v}`);
  console.log(`\nbulk-buy benchmark: ${N} numbers, sandbox concurrency cap C=${C}, latency L=${L} ms, worker Twilio slots C, job lanes ${lanes}, 2 cores\n`);
  row('ceiling C/L (one request per purchase)', `${ceiling.toFixed(1)} numbers/s`);
  row('durable job (API→Temporal→worker→SDK)', `${(job.counts.succeeded / durableSeconds).toFixed(1)} numbers/s  (${job.counts.succeeded} in ${durableSeconds.toFixed(1)} s, ${((100 * job.counts.succeeded) / durableSeconds / ceiling).toFixed(0)} % of ceiling)`);
  row('plain script (SDK + p-limit, not durable)', `${(candidates.length / plainSeconds).toFixed(1)} numbers/s  (${candidates.length} in ${plainSeconds.toFixed(1)} s, ${((100 * candidates.length) / plainSeconds / ceiling).toFixed(0)} % of ceiling)`);
  row('durable: Twilio requests / 429s', `${durableStats.total?.requests ?? JSON.stringify(durableStats).slice(0, 80)} / ${durableStats.total?.rejected429 ?? '?'}`);
  row('plain: Twilio requests / 429s', `${plainStats.total?.requests ?? '?'} / ${plainStats.total?.rejected429 ?? '?'}`);
  row('durable purchase latency p50/p95/p99 (ms)', `${percentile(purchaseMs, 50).toFixed(0)} / ${percentile(purchaseMs, 95).toFixed(0)} / ${percentile(purchaseMs, 99).toFixed(0)}`);
  row('plain purchase latency p50/p95/p99 (ms)', `${percentile(plainLatencies, 50).toFixed(0)} / ${percentile(plainLatencies, 95).toFixed(0)} / ${percentile(plainLatencies, 99).toFixed(0)}`);
  row('GET /v1/jobs/:id latency p50/p95 (ms)', `${percentile(statusLatencies, 50).toFixed(1)} / ${percentile(statusLatencies, 95).toFixed(1)}`);
  row('history events: parent / per batch (max)', `${parentEvents} / ${Math.max(...batchEvents)} over ${batchEvents.length} batches`);

});
