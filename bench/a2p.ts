/**
 * A2P registrations against the sandbox (fast reviews, polling only): how long N concurrent
 * registrations take end to end under the sandbox's concurrency cap and Twilio's 1 request/second
 * brand and campaign pacing, how many Twilio requests and workflow history events one costs.
 *
 *   npm run bench:a2p -- --registrations 20 --cap 10 --latency 100
 */
import { parseArgs } from 'node:util';
import { goodDraft } from '../test/fixtures/a2p-draft';
import { percentile, withBenchStack } from './harness';

const { values } = parseArgs({
  options: {
    registrations: { type: 'string', default: '20' },
    cap: { type: 'string', default: '10' },
    latency: { type: 'string', default: '100' },
  },
});
const N = Number(values.registrations);
const C = Number(values.cap);
const L = Number(values.latency);

await withBenchStack('bench-a2p', { cap: C, env: { A2P_POLL_FIRST_MS: '500', A2P_POLL_MAX_MS: '2000' } }, async ({ app, db, temporal, headers, control }) => {
  await control('reviews', { preset: 'fast' });
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

  const row = (name: string, v: string) => console.log(`${name.padEnd(48)} ${v}`);
  console.log(`\nA2P benchmark: ${N} registrations started together, sandbox fast reviews ${JSON.stringify(clock.durations)} ms,`);
  console.log(`concurrency cap C=${C}, latency L=${L} ms, brand/campaign writes paced at 1/s, polling 0.5→2 s, 2 cores\n`);
  row('all completed in', `${wall.toFixed(1)} s (${(N / wall).toFixed(2)} registrations/s)`);
  row('registration wall time p50/p95/max (s)', `${percentile(durations, 50).toFixed(1)} / ${percentile(durations, 95).toFixed(1)} / ${Math.max(...durations).toFixed(1)}`);
  row('Twilio requests per registration', `${(stats.total.requests / N).toFixed(1)} (${stats.total.requests} total, ${stats.total.byStatus['429'] ?? 0} answered 429 (cap or 1/s pacing) and retried by the SDK)`);
  row('history events per registration p50/max', `${percentile(histories, 50)} / ${Math.max(...histories)}`);
  row('GET /v1/a2p/registrations/:id p50/p95 (ms)', `${percentile(getLatencies, 50).toFixed(1)} / ${percentile(getLatencies, 95).toFixed(1)}`);

});
