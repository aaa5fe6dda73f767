/**
 * Hostile input against the real API (its own process, over HTTP): /healthz latency alone, then while hostile
 * requests are sent in a loop — the probe's 240 KB `b-b-b-…` draft, a 1 MiB draft, the largest valid draft, JSON
 * nested 30 000 levels deep — printed side by side, with how long the API takes to answer each hostile request.
 * One request must never stall everyone else's: /healthz under attack should look like /healthz alone, and no
 * worse than under the same senders posting valid drafts (the ceiling: what legitimate traffic costs the loop).
 *
 *   npm run bench:input -- --seconds 10 --senders 2
 */
import { parseArgs } from 'node:util';
import { createPool } from '../db/kit/pool';
import { createTenant } from '../db/platform/tenants';
import { startLocalStack } from '../dev/local-stack';
import { freePort, spawnEntrypoint, stopChild, waitForLine } from '../dev/processes';
import { bBbDraft, deepJson, draftOfBytes, largestA2pDraft, MIB } from '../test/fixtures/hostile-input';
import { percentile } from './harness';
import { goodDraft } from '../test/fixtures/a2p-draft';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, senders: { type: 'string', default: '2' } } });
const SECONDS = Number(values.seconds);
const SENDERS = Number(values.senders);

const hostile: Record<string, string> = {
  '240 KB b-b-b draft': JSON.stringify(bBbDraft()),
  '1 MiB draft': JSON.stringify(draftOfBytes(MIB)),
  'largest valid draft': JSON.stringify(largestA2pDraft()),
  'JSON 30 000 levels deep': deepJson(30_000),
};

/** Milliseconds to the whole answer (or to the connection's end, when the server refuses a body mid-upload). */
async function timed(send: () => Promise<Response>): Promise<{ ms: number; status: number | string }> {
  const start = performance.now();
  try {
    const res = await send();
    await res.arrayBuffer();
    return { ms: performance.now() - start, status: res.status };
  } catch (err) {
    return { ms: performance.now() - start, status: (err as Error).message };
  }
}

/** /healthz, one request after another, until `until()` says stop. */
async function probeHealth(base: string, until: () => boolean): Promise<number[]> {
  const latencies: number[] = [];
  while (!until()) latencies.push((await timed(() => fetch(`${base}/healthz`))).ms);
  return latencies;
}

const summary = (xs: number[]) => `${percentile(xs, 50).toFixed(1)} / ${percentile(xs, 99).toFixed(1)} ms (n=${xs.length})`;

const { stack, stop } = await startLocalStack('bench-hostile-input');
const db = createPool(stack.databaseUrl, 2);
const port = await freePort();
const apiProcess = spawnEntrypoint('api/main.ts', {
  DATABASE_URL: stack.databaseUrl,
  TEMPORAL_ADDRESS: stack.temporalAddress,
  TEMPORAL_TASK_QUEUE: stack.taskQueue,
  TWILIO_ACCOUNT_SID: stack.accountSid,
  TWILIO_AUTH_TOKEN: stack.authToken,
  TWILIO_BASE_URL: stack.sandboxUrl,
  API_PORT: String(port),
  API_RATE_LIMIT_PER_SECOND: '100000',
  API_RATE_LIMIT_BURST: '100000',
  LOG_LEVEL: 'info',
});
apiProcess.stderr?.resume();
try {
  await waitForLine(apiProcess, /api\.listening/, 120_000);
  const base = `http://127.0.0.1:${port}`;
  const { apiKey } = await createTenant(db, 'bench-hostile-input');
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };

  const aloneUntil = performance.now() + SECONDS * 1000;
  const alone = await probeHealth(base, () => performance.now() > aloneUntil);

  /** /healthz while SENDERS post `bodies` (in turn) to preflight for SECONDS; each body's answers recorded. */
  async function healthUnder(bodies: Record<string, string>) {
    const answers: Record<string, { ms: number[]; statuses: Set<number | string> }> = Object.fromEntries(Object.keys(bodies).map((k) => [k, { ms: [], statuses: new Set() }]));
    let sending = true;
    const senders = Array.from({ length: SENDERS }, async (_, s) => {
      const kinds = Object.keys(bodies);
      for (let i = s; sending; i++) {
        const kind = kinds[i % kinds.length]!;
        const { ms, status } = await timed(() => fetch(`${base}/v1/a2p/preflight`, { method: 'POST', headers, body: bodies[kind] }));
        answers[kind]!.ms.push(ms);
        answers[kind]!.statuses.add(status);
      }
    });
    const until = performance.now() + SECONDS * 1000;
    const health = await probeHealth(base, () => performance.now() > until);
    sending = false;
    await Promise.all(senders);
    return { health, answers };
  }
  const valid = await healthUnder({ 'ordinary draft': JSON.stringify(goodDraft()), 'largest valid draft': hostile['largest valid draft']! });
  const { health: under, answers } = await healthUnder(hostile);

  console.log(`\nHostile input: POST /v1/a2p/preflight from ${SENDERS} senders in a loop for ${SECONDS} s; /healthz probed one request at a time; 2 cores\n`);
  console.log(`${'GET /healthz p50 / p99'.padEnd(34)} ${'alone'.padEnd(30)} ${'under valid drafts'.padEnd(30)} under hostile requests`);
  console.log(`${''.padEnd(34)} ${summary(alone).padEnd(30)} ${summary(valid.health).padEnd(30)} ${summary(under)}`);
  console.log(`\n${'hostile request'.padEnd(34)} ${'answer p50 / p99'.padEnd(30)} status`);
  const sizes: Record<string, string> = { ...hostile, 'ordinary draft': JSON.stringify(goodDraft()) };
  for (const [kind, a] of [...Object.entries(valid.answers).filter(([k]) => k === 'ordinary draft'), ...Object.entries(answers)]) {
    console.log(`${`${kind} (${(Buffer.byteLength(sizes[kind]!) / 1024).toFixed(0)} KiB)`.padEnd(34)} ${summary(a.ms).padEnd(30)} ${[...a.statuses].join(', ')}`);
  }
} finally {
  await stopChild(apiProcess);
  await db.end();
  await stop();
}
