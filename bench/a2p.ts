/**
 * A2P registrations against the sandbox (fast reviews, polling only): how long N concurrent
 * registrations take end to end under the sandbox's concurrency cap and Twilio's 1 request/second
 * brand and campaign pacing, how many Twilio requests and workflow history events one costs.
 *
 * With --prior P, the account first holds what P earlier registrations left (3 end users, an address
 * document and a Messaging Service each), and the run is made twice, side by side: reconciling every
 * create by paging through Twilio's lists (before), and with the SIDs kept in PostgreSQL (now).
 *
 *   npm run bench:a2p -- --registrations 20 --cap 10 --latency 100 --prior 1000
 */
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { createTwilioClient } from '../activities/kit/twilio-client';
import { goodDraft } from '../test/fixtures/a2p-draft';
import { percentile, withBenchStack } from './harness';

const { values } = parseArgs({
  options: {
    registrations: { type: 'string', default: '20' },
    cap: { type: 'string', default: '10' },
    latency: { type: 'string', default: '100' },
    prior: { type: 'string', default: '0' },
  },
});
const N = Number(values.registrations);
const C = Number(values.cap);
const L = Number(values.latency);
const P = Number(values.prior);
const results: { label: string; lines: [string, string][] }[] = [];

async function run(label: string, env: Record<string, string>) {
await withBenchStack('bench-a2p', { cap: C, env: { A2P_POLL_FIRST_MS: '500', A2P_POLL_MAX_MS: '2000', ...env } }, async ({ app, db, temporal, headers, control, stack }) => {
  await control('reviews', { preset: 'fast' });
  if (P > 0) {
    // What earlier registrations left in the account: Trust Hub can't filter end users, documents or services by name.
    const sdk = createTwilioClient({ accountSid: stack.accountSid, authToken: stack.authToken, baseUrl: stack.sandboxUrl, timeoutMs: 30_000 });
    const limit = pLimit(20);
    const seeded = performance.now();
    await Promise.all(
      Array.from({ length: P }, (_, i) =>
        limit(async () => {
          const tag = `tp:prior-${i}`;
          for (const type of ['customer_profile_business_information', 'authorized_representative_1', 'us_a2p_messaging_profile_information']) {
            await sdk.trusthub.v1.endUsers.create({ friendlyName: `${tag}:${type}`, type, attributes: {} });
          }
          await sdk.trusthub.v1.supportingDocuments.create({ friendlyName: `${tag}:address`, type: 'customer_profile_address', attributes: {} });
          await sdk.messaging.v1.services.create({ friendlyName: `Prior ${i} ${tag.slice(0, 11)}` });
        }),
      ),
    );
    console.log(`[${label}] seeded ${P} earlier registrations' resources in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
  }
  await control('faults', { concurrencyLimit: C, latencyMs: L });
  await control('stats/reset', {});

  const t0 = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const draft = goodDraft();
    draft.profile.friendlyName = `Acme Dental ${i}`;
    const res = await app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers, payload: { ...draft, phoneNumbers: [] } });
    if (res.statusCode !== 202) throw new Error(`start ${i}: ${res.statusCode} ${res.body}`);
    ids.push(res.json().id);
  }
  const finishedAt = new Map<string, number>();
  const getLatencies: number[] = [];
  while (finishedAt.size < N) {
    for (const id of ids) {
      if (finishedAt.has(id)) continue;
      const s = performance.now();
      const r = (await app.inject({ method: 'GET', url: `/v1/a2p/registrations/${id}`, headers })).json();
      getLatencies.push(performance.now() - s);
      if (r.finishedAt) {
        if (r.status !== 'completed') throw new Error(`registration ${id} ended ${r.status}: ${JSON.stringify(r.actionRequired)}`);
        finishedAt.set(id, performance.now() - t0);
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const wall = (performance.now() - t0) / 1000;
  const stats = await control('stats');
  const histories: number[] = [];
  for (const id of ids) {
    const { rows } = await db.query('SELECT workflow_id FROM a2p_registrations WHERE id = $1', [id]);
    histories.push((await temporal.workflow.getHandle(rows[0].workflow_id).describe()).historyLength);
  }
  const durations = [...finishedAt.values()].map((ms) => ms / 1000);
  const clock = await control('reviews');

  results.push({
    label,
    lines: [
      ['all completed in', `${wall.toFixed(1)} s (${(N / wall).toFixed(2)}/s)`],
      ['registration wall time p50/p95/max (s)', `${percentile(durations, 50).toFixed(1)} / ${percentile(durations, 95).toFixed(1)} / ${Math.max(...durations).toFixed(1)}`],
      ['Twilio requests per registration', `${(stats.total.requests / N).toFixed(1)} (${stats.total.byStatus['429'] ?? 0} × 429)`],
      ['history events per registration p50/max', `${percentile(histories, 50)} / ${Math.max(...histories)}`],
      ['GET /v1/a2p/registrations/:id p50/p95 (ms)', `${percentile(getLatencies, 50).toFixed(1)} / ${percentile(getLatencies, 95).toFixed(1)}`],
    ],
  });
  if (label === 'now') console.log(`(sandbox fast reviews ${JSON.stringify(clock.durations)} ms)`);
});
}

if (P > 0) await run('before: list to reconcile', { A2P_RECONCILE_BY_LISTING: 'true' });
await run('now', {});
console.log(`\nA2P benchmark: ${N} registrations started together${P ? `, ${P} earlier registrations' resources in the account` : ''},`);
console.log(`concurrency cap C=${C}, latency L=${L} ms, brand/campaign writes paced at 1/s, polling 0.5→2 s, 2 cores\n`);
console.log(`${''.padEnd(44)} ${results.map((r) => r.label.padEnd(30)).join(' ')}`);
for (let i = 0; i < results[0]!.lines.length; i++) console.log(`${results[0]!.lines[i]![0].padEnd(44)} ${results.map((r) => r.lines[i]![1].padEnd(30)).join(' ')}`);
