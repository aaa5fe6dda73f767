/**
 * SIP trunk provisioning against the sandbox, side by side: N trunks created through the service
 * (POST /v1/sip/trunks, each a durable, compensated saga in Temporal) next to the plain, non-durable
 * script a user would write with the SDK (sequential calls per trunk, p-limit C across trunks), and
 * the ceiling the sandbox's concurrency cap C and latency L allow: C / (requests per trunk × L).
 * Each trunk: 2 TLS origination URIs, 1 credential list with 1 credential, recording from answer, K numbers.
 * Both phases share the account's 100-trunk limit, so N ≤ 50.
 *
 *   npm run bench:sip -- --trunks 20 --cap 10 --latency 100 --numbers 2
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { createTwilioClient } from '../activities/kit/twilio-client';
import { MAX_TRUNKS_PER_ACCOUNT } from '../schemas/sip/trunks';
import { percentile, withBenchStack } from './harness';

const { values } = parseArgs({
  options: {
    trunks: { type: 'string', default: '20' },
    cap: { type: 'string', default: '10' },
    latency: { type: 'string', default: '100' },
    numbers: { type: 'string', default: '2' },
  },
});
const N = Number(values.trunks);
const C = Number(values.cap);
const L = Number(values.latency);
const K = Number(values.numbers);
if (!(N >= 1 && 2 * N <= MAX_TRUNKS_PER_ACCOUNT)) throw new Error(`--trunks must be 1..${MAX_TRUNKS_PER_ACCOUNT / 2}: both phases create N trunks in one account (Twilio's limit is ${MAX_TRUNKS_PER_ACCOUNT})`);
if (!(C >= 1 && L >= 0 && K >= 0)) throw new Error('--cap must be ≥ 1, --latency and --numbers ≥ 0');

const run = randomBytes(3).toString('hex');
const svcPrefix = `bench-svc-${run}-`;
const plainPrefix = `bench-plain-${run}-`;
const PASSWORD = 'Bench-Pass-2024x';
const RECORDING = { mode: 'record-from-answer', trim: 'do-not-trim' } as const;
const uris = (i: number) => [
  { sipUrl: `sip:pbx-a-${i}.example.com;transport=tls`, priority: 10, weight: 10 },
  { sipUrl: `sip:pbx-b-${i}.example.com;transport=tls`, priority: 20, weight: 10 },
];
const SETTLING = new Set(['queued', 'running', 'rolling_back']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await withBenchStack('bench-sip', { cap: C }, async ({ stack, app, db, temporal, headers, control }) => {
  const sdk = createTwilioClient({ accountSid: stack.accountSid, authToken: stack.authToken, baseUrl: stack.sandboxUrl, timeoutMs: 10_000 });
  const account = sdk.api.v2010.accounts(stack.accountSid);
  const accountStats = async () => {
    const s = await control('stats');
    return s.accounts[stack.accountSid] as { requests: number; rejected429: number; byStatus: Record<string, number> };
  };

  // 0. Numbers, bought before any fault: through the API for the service, with the SDK for the script.
  const svcNumbers: string[] = [];
  while (svcNumbers.length < N * K) {
    const search = await app.inject({ method: 'GET', url: `/v1/available-numbers?areaCode=415&limit=${Math.min(100, N * K - svcNumbers.length)}`, headers });
    const found = (search.json().data ?? []) as { phoneNumber: string }[];
    if (!found.length) throw new Error(`no available numbers in 415: ${search.statusCode} ${search.body}`);
    for (const { phoneNumber } of found) {
      const bought = await app.inject({ method: 'POST', url: '/v1/numbers', headers, payload: { phoneNumber } });
      if (bought.statusCode !== 201) throw new Error(`buying ${phoneNumber}: ${bought.statusCode} ${bought.body}`);
      svcNumbers.push(phoneNumber);
    }
  }
  const plainNumberSids: string[] = [];
  for (let j = 0; j < N * K; j++) plainNumberSids.push((await account.incomingPhoneNumbers.create({ areaCode: '212' })).sid);

  await control('faults', { concurrencyLimit: C, latencyMs: L });

  // 1. The service: N creates started together, polled without live reads until each operation settles.
  await control('stats/reset', {});
  const t0 = performance.now();
  const started = await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const s = performance.now();
      const res = await app.inject({
        method: 'POST',
        url: '/v1/sip/trunks',
        headers,
        payload: {
          friendlyName: `Bench svc ${i}`,
          domainName: `${svcPrefix}${i}.pstn.twilio.com`,
          recording: { mode: RECORDING.mode },
          originationUris: uris(i),
          termination: { credentialLists: [{ friendlyName: `bench-svc-${i}`, credentials: [{ username: `pbx${i}`, password: PASSWORD }] }] },
          phoneNumbers: svcNumbers.slice(i * K, (i + 1) * K),
        },
      });
      if (res.statusCode !== 202) throw new Error(`create ${i}: ${res.statusCode} ${res.body}`);
      return { id: res.json().id as string, startedAt: s };
    }),
  );
  const settled = new Map<string, { ms: number; view: any }>(); // eslint-disable-line @typescript-eslint/no-explicit-any
  const getLatencies: number[] = [];
  while (settled.size < N) {
    for (const { id, startedAt } of started) {
      if (settled.has(id)) continue;
      const s = performance.now();
      const res = await app.inject({ method: 'GET', url: `/v1/sip/trunks/${id}?refresh=false`, headers });
      getLatencies.push(performance.now() - s);
      if (res.statusCode !== 200) throw new Error(`GET trunk ${id}: ${res.statusCode} ${res.body}`);
      const view = res.json();
      if (view.operation && !SETTLING.has(view.operation.status)) settled.set(id, { ms: performance.now() - startedAt, view });
    }
    if (settled.size < N) await sleep(100);
  }
  const svcSeconds = (performance.now() - t0) / 1000;
  const svcStats = await accountStats();
  const svcLatencies = [...settled.values()].map((s) => s.ms / 1000);
  const outcomes: Record<string, number> = {};
  const problems: string[] = [];
  let complete = 0;
  for (const { view } of settled.values()) {
    const op = view.operation;
    outcomes[op.status] = (outcomes[op.status] ?? 0) + 1;
    if (op.status !== 'succeeded') problems.push(`${view.domainName}: ${op.status} at ${op.error?.step ?? '?'}: ${op.error?.message ?? ''}`);
    const ok =
      view.status === 'active' &&
      view.originationUris.length === 2 && view.originationUris.every((u: { sid: string | null }) => u.sid) &&
      view.termination.credentialLists.length === 1 && view.termination.credentialLists[0].sid &&
      view.phoneNumbers.length === K && view.recording.mode === RECORDING.mode;
    if (ok) complete++;
  }
  const histories: number[] = [];
  for (const { id } of started) {
    const { rows } = await db.query<{ workflow_id: string }>('SELECT workflow_id FROM sip_operations WHERE trunk_id = $1', [id]);
    for (const r of rows) histories.push((await temporal.workflow.getHandle(r.workflow_id).fetchHistory()).events?.length ?? 0);
  }
  const svcAtTwilio = (await sdk.trunking.v1.trunks.list({ pageSize: 1000 })).filter((t) => t.domainName?.startsWith(svcPrefix)).length;

  // 2. The plain script: the same trunks with the SDK, sequential per trunk, p-limit C across trunks.
  await control('stats/reset', {});
  const limit = pLimit(C);
  const plainLatencies: number[] = [];
  const plainErrors: string[] = [];
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: N }, (_, i) =>
      limit(async () => {
        const s = performance.now();
        try {
          const trunk = await sdk.trunking.v1.trunks.create({ friendlyName: `Bench plain ${i}`, domainName: `${plainPrefix}${i}.pstn.twilio.com`, secure: true });
          const t = sdk.trunking.v1.trunks(trunk.sid);
          await t.recordings().update({ mode: RECORDING.mode, trim: RECORDING.trim });
          for (const u of uris(i)) await t.originationUrls.create({ sipUrl: u.sipUrl, priority: u.priority, weight: u.weight, enabled: true, friendlyName: `pbx-${u.priority}` });
          const list = await account.sip.credentialLists.create({ friendlyName: `bench-plain-${run}-${i}` });
          await account.sip.credentialLists(list.sid).credentials.create({ username: `pbx${i}`, password: PASSWORD });
          await t.credentialsLists.create({ credentialListSid: list.sid });
          for (const phoneNumberSid of plainNumberSids.slice(i * K, (i + 1) * K)) await t.phoneNumbers.create({ phoneNumberSid });
          plainLatencies.push((performance.now() - s) / 1000);
        } catch (err) {
          plainErrors.push(`trunk ${i}: ${(err as Error).message}`);
        }
      }),
    ),
  );
  const plainSeconds = (performance.now() - t1) / 1000;
  const plainStats = await accountStats();
  const plainAtTwilio = (await sdk.trunking.v1.trunks.list({ pageSize: 1000 })).filter((t) => t.domainName?.startsWith(plainPrefix)).length;

  // 3. The ceiling: C requests in flight, each taking L, R sequential requests per trunk.
  const plainDone = plainLatencies.length;
  const requestsPerTrunk = (plainStats.requests - plainStats.rejected429) / Math.max(1, plainDone);
  const ceiling = C / (requestsPerTrunk * (L / 1000));
  const svcDone = outcomes.succeeded ?? 0;
  const svcRate = svcDone / svcSeconds;
  const plainRate = plainDone / plainSeconds;
  const pct = (rate: number) => `${((100 * rate) / ceiling).toFixed(0)} %`;
  const p = (xs: number[], digits: number) => (xs.length ? `${percentile(xs, 50).toFixed(digits)} / ${percentile(xs, 95).toFixed(digits)}` : '—');

  const W = [40, 30, 30, 22];
  const line = (cells: string[]) => console.log(cells.map((c, i) => c.padEnd(W[i]!)).join(' ').trimEnd());
  console.log(`\nSIP trunk benchmark: ${N} trunks (2 TLS origination URIs, 1 credential list + 1 credential, recording, ${K} numbers each),`);
  console.log(`sandbox concurrency cap C=${C}, latency L=${L} ms, worker Twilio slots C, 2 cores\n`);
  line(['', 'service (API→Temporal→worker)', 'plain script (SDK + p-limit)', 'ceiling']);
  line(['trunks provisioned', `${svcDone} / ${N}`, `${plainDone} / ${N}`, '']);
  line(['wall time (s)', svcSeconds.toFixed(1), plainSeconds.toFixed(1), `${((Math.ceil(N / C) * requestsPerTrunk * L) / 1000).toFixed(1)}  (⌈N/C⌉ × R × L)`]);
  line(['trunks/s', `${svcRate.toFixed(2)}  (${pct(svcRate)} of ceiling)`, `${plainRate.toFixed(2)}  (${pct(plainRate)} of ceiling)`, `${ceiling.toFixed(2)}  (C / (R × L))`]);
  line(['per-trunk latency p50/p95 (s)', p(svcLatencies, 2), p(plainLatencies, 2), `${((requestsPerTrunk * L) / 1000).toFixed(2)}  (R × L)`]);
  line(['Twilio requests per trunk', (svcStats.requests / N).toFixed(1), (plainStats.requests / N).toFixed(1), `R = ${requestsPerTrunk.toFixed(1)}`]);
  line(['Twilio requests total / 429s', `${svcStats.requests} / ${svcStats.rejected429}`, `${plainStats.requests} / ${plainStats.rejected429}`, '']);
  line(['history events per operation p50/max', histories.length ? `${percentile(histories, 50)} / ${Math.max(...histories)}` : '—', '—', '']);
  line(['GET /v1/sip/trunks/:id p50/p95 (ms)', p(getLatencies, 1), '—', '']);
  line([`trunks at the sandbox (bench prefix)`, `${svcAtTwilio} (expected ${N})`, `${plainAtTwilio} (expected ${N})`, '']);
  line(['operation outcomes', Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(', '), plainErrors.length ? `${plainErrors.length} failed` : 'no errors', '']);
  line(['trunks complete in the view', `${complete} / ${N}`, '—', '']);
  for (const pr of problems.slice(0, 5)) console.log(`  service: ${pr}`);
  for (const e of plainErrors.slice(0, 5)) console.log(`  plain: ${e}`);
  if (svcAtTwilio !== N || plainAtTwilio !== N || svcDone !== N || plainDone !== N) process.exitCode = 1;
});
