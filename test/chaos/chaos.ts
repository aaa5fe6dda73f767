/**
 * Chaos: a bulk buy, a bulk release and an A2P registration run through the API (its own process) while
 * the worker, the API, the Temporal dev server and PostgreSQL are each killed with SIGKILL, in turn, and
 * restarted on the same data. Each kill waits for the job's own progress (so many items done, see KILL_AT), not
 * for a clock, and each must find the job still running with items pending, or the run fails: a kill that hit
 * nothing proves nothing. A prober reads the API all along. Afterwards: every job and registration
 * finished; the numbers owned at the sandbox equal the active rows; one of each A2P resource; no row left
 * in a transitional state; and every API answer was a 2xx or a clean 503 — never a 500.
 *
 *   npm run chaos
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createTwilioClient } from '../../activities/kit/twilio-client';
import { migrate } from '../../db/kit/migrate';
import { getJob } from '../../db/kit/jobs';
import { createPool } from '../../db/kit/pool';
import { createTenant } from '../../db/platform/tenants';
import { tenantScopedName } from '../../activities/kit/twilio-objects';
import { tenantPrefix } from '../../schemas/kit/workflow-ids';
import { startWorker, workerEnv, type LocalStack } from '../../dev/local-stack';
import { freePort, spawnEntrypoint, startPostgresProcess, stopChild, waitForLine } from '../../dev/processes';
import { startTemporalDevServer } from '../../dev/temporal';
import { buildWorkflowBundle } from '../../worker/worker';
import type { Job } from '../../schemas/kit/jobs';
import { goodDraft } from '../fixtures/a2p-draft';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Numbers the bulk buy asks for (long enough at 300 ms a purchase, 5 at a time, to live through every fault) and the release gives back. */
const BUY = 300;
const RELEASE = 100;
/**
 * Each Twilio call waits LATENCY_MS at the sandbox and the worker makes 5 at a time, so a job moves by at most ~17
 * items a second however fast the machine: a gate polled every 100 ms overshoots by a couple of items. While a part
 * is down and restarting (seconds, more on a loaded machine) the calls take SLOW_LATENCY_MS (≤ 2.5 items a second),
 * so the job is still far from its end at the next kill.
 */
const LATENCY_MS = 300;
const SLOW_LATENCY_MS = 2000;
/** Items done when each part is killed: the buy's (of BUY) for the first four, the release's (of RELEASE) for the last. */
const KILL_AT = { worker: 10, api: 40, temporal: 80, postgres: 120, releaseWorker: RELEASE / 2 };
const log = (m: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 23)}] ${m}`);

const dir = await mkdtemp(path.join(tmpdir(), 'twilio-pro-chaos-'));
await chmod(dir, 0o755); // PostgreSQL runs as its own user when we are root
const ports = { pg: await freePort(), sandbox: await freePort(), api: await freePort() };
const taskQueue = 'chaos';
const children: ChildProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
let failed = false;
// A run that fails before the try below (a part that never starts) still stops what it started: 'exit' runs on
// every way out, and a SIGTERM lets each part, PostgreSQL's wrapper included, shut down after this process is gone.
process.on('exit', () => {
  for (const part of [() => api, () => worker, () => sandbox, () => temporal.child, () => pg.child]) {
    try {
      const child = part();
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    } catch {
      // not started yet
    }
  }
});

/** Each part of the stack, startable again on the same data and port. */
const pgDir = path.join(dir, 'pg');
let pg = await startPostgresProcess({ dataDir: pgDir, port: ports.pg, persistent: true });
// First on any free port (it retries on another if a port it picks is taken meanwhile), then restarted on that one:
// the worker and the API reconnect to the address they were given.
const temporalDb = path.join(dir, 'temporal.sqlite');
let temporal = await startTemporalDevServer({ dbFile: temporalDb });
const temporalPort = Number(temporal.address.split(':').pop());
const startTemporal = () => startTemporalDevServer({ port: temporalPort, dbFile: temporalDb });
const db = createPool(pg.url, 4);
await migrate(db);
// The bundle the test run built once (`npm test` sets WORKFLOW_BUNDLE_PATH), or one of our own when run alone.
const bundlePath = process.env.WORKFLOW_BUNDLE_PATH ?? path.join(dir, 'workflow-bundle.js');
if (!process.env.WORKFLOW_BUNDLE_PATH) await writeFile(bundlePath, await buildWorkflowBundle());
const accountSid = `AC${randomBytes(16).toString('hex')}`;
const authToken = randomBytes(16).toString('hex');
const sandbox = spawnEntrypoint('sandbox/main.ts', { SANDBOX_PORT: String(ports.sandbox), SANDBOX_ACCOUNT_SID: accountSid, SANDBOX_AUTH_TOKEN: authToken, SANDBOX_SEED: '7' });
sandbox.stdout?.resume();
sandbox.stderr?.resume();
await waitForLine(sandbox, /sandbox\.listening/);
children.push(sandbox);
const sandboxUrl = `http://127.0.0.1:${ports.sandbox}`;
const stack: LocalStack = { databaseUrl: pg.url, temporalAddress: temporal.address, sandboxUrl, accountSid, authToken, taskQueue, bundlePath };
/** The sandbox's control API; a refusal stops the run (the kills' margins rest on the latency it sets). */
const control = async (p: string, body?: unknown) => {
  const res = await fetch(`${sandboxUrl}/__sandbox/${p}`, { method: body ? 'POST' : 'GET', headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  if (!res.ok) throw new Error(`sandbox control ${p} answered ${res.status}: ${await res.text()}`);
  return res.json();
};
await control('reviews', { preset: 'fast' });
await control('faults', { latencyMs: LATENCY_MS });

// Fast polling so the registration finishes in seconds; a short heartbeat-free activity timeout is the worker's own.
const partEnv = { A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000', TWILIO_MAX_CONCURRENCY: '5' };
const startWorkerProcess = () => startWorker(stack, taskQueue, partEnv);
const startApi = async () => {
  const child = spawnEntrypoint('api/main.ts', { ...workerEnv(stack, taskQueue, partEnv), API_PORT: String(ports.api), API_TEMPORAL_TIMEOUT_MS: '2000' });
  child.stderr?.resume();
  await waitForLine(child, /api\.listening/, 60_000);
  return child;
};
let worker = await startWorkerProcess();
let api = await startApi();
const base = `http://127.0.0.1:${ports.api}/v1`;
const { apiKey, tenant: chaosTenant } = await createTenant(db, 'chaos');
const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };

/** Every answer the API gave while the chaos ran, by status (0: no answer — the API itself was down). */
const answers = new Map<number, number>();
const serverErrors: string[] = [];
async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    const res = await fetch(`${base}${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
    const json = (await res.json().catch(() => null)) as { error?: { code?: string } } | null;
    answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
    if (res.status >= 500 && res.status !== 503) serverErrors.push(`${method} ${url} → ${res.status} ${JSON.stringify(json)}`);
    if (res.status === 503 && !json?.error?.code) serverErrors.push(`${method} ${url} → 503 without the error shape`);
    return { status: res.status, json };
  } catch {
    answers.set(0, (answers.get(0) ?? 0) + 1);
    return { status: 0, json: null };
  }
}
/** Retries a write until the API answers it (the API or a dependency may be down right now). */
async function submit(url: string, body: unknown, key: string): Promise<string> {
  for (;;) {
    const res = await fetch(`${base}${url}`, { method: 'POST', headers: { ...headers, 'idempotency-key': key }, body: JSON.stringify({ ...(body as object) }) }).catch(() => null);
    if (res && (res.status === 202 || res.status === 201)) return ((await res.json()) as { id: string }).id;
    await sleep(500);
  }
}

try {
  // The work: a bulk buy, an A2P registration; the bulk release starts once the buy is done.
  await control('inventory', { areaCode: '512', count: BUY * 2 });
  const buyId = await submit('/jobs/bulk-buy', { areaCode: '512', quantity: BUY, idempotencyKey: 'chaos-buy' }, 'chaos-buy');
  const registrationId = await submit('/a2p/registrations', { ...goodDraft(), phoneNumbers: [] }, 'chaos-a2p');
  log(`started bulk buy ${buyId} and registration ${registrationId}`);

  let probing = true;
  const prober = (async () => {
    while (probing) {
      await call('GET', `/jobs/${buyId}`);
      await call('GET', '/numbers?limit=5');
      await call('GET', `/a2p/registrations/${registrationId}`);
      await sleep(100);
    }
  })();

  // SIGKILL each part in turn once the job has done so much, and bring it back on the same data.
  const problems: string[] = [];
  const faults: string[] = [];
  /** Kills a part (`stop` returns once it is dead) and records whether the job was in flight at that moment. */
  const kill = async (name: string, jobId: string, stop: () => Promise<void>) => {
    const before = await jobNow(jobId);
    await stop();
    faults.push(name);
    // Read again once the part is dead (PostgreSQL itself can't answer then): a job never goes back to running,
    // so one still running with items pending was in flight when the part died.
    const job = (await jobNow(jobId)) ?? before;
    const inFlight = job?.status === 'running' && job.counts.pending > 0;
    const state = job ? `job ${job.status}, ${job.counts.succeeded}/${job.counts.requested} done, ${job.counts.pending} pending` : 'job unreadable';
    log(`SIGKILLed ${name}: ${inFlight ? 'work in flight' : 'NO WORK IN FLIGHT'} (${state})`);
    if (!inFlight) problems.push(`the ${name} kill hit no work in flight (${state})`);
  };
  /** An outage of one part while the job runs: gate on its progress, kill, restart (each start waits for its ready line). */
  const outage = async (name: string, jobId: string, atDone: number, stop: () => Promise<void>, restart: () => Promise<void>) => {
    await untilDone(jobId, atDone, `${atDone} items of job ${jobId} done before the ${name} kill`);
    await control('faults', { latencyMs: SLOW_LATENCY_MS });
    await kill(name, jobId, stop);
    // Slow answers only around the kill (requests in flight when the part dies); a restarting worker reads the A2P
    // policies from Twilio before it reports started, which at 2 s an answer took ~20 s.
    await control('faults', { latencyMs: LATENCY_MS });
    await restart();
    log(`${name} restarted`);
  };
  await outage('worker', buyId, KILL_AT.worker, () => sigkill(worker), async () => void (worker = await startWorkerProcess()));
  await outage('API', buyId, KILL_AT.api, () => sigkill(api), async () => void (api = await startApi()));
  await outage('Temporal dev server', buyId, KILL_AT.temporal, () => sigkill(temporal.child!), async () => void (temporal = await startTemporal()));
  // PostgreSQL: the postmaster itself (its wrapper too), then crash recovery on the same data directory
  // (the folder is open to the postgres user, so the data stays where it was asked for).
  const killPostgres = async () => {
    const postmasterPid = Number((await readFile(path.join(pgDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(postmasterPid, 'SIGKILL');
    await sigkill(pg.child);
  };
  await outage('PostgreSQL', buyId, KILL_AT.postgres, killPostgres, async () => void (pg = await restartPostgres()));

  // Everything finishes.
  const buy = await waitFor(async () => finished((await call('GET', `/jobs/${buyId}`)).json), 'the bulk buy', 240_000);
  log(`bulk buy ${buy.status}: ${JSON.stringify(buy.counts)}`);
  const bought = ((await call('GET', `/numbers?status=active&limit=${RELEASE}`)).json?.data ?? []).map((n: { phoneNumber: string }) => n.phoneNumber) as string[];
  const releaseId = await submit('/jobs/bulk-release', { phoneNumbers: bought.slice(0, RELEASE), idempotencyKey: 'chaos-release' }, 'chaos-release');
  await outage('worker (during the release)', releaseId, KILL_AT.releaseWorker, () => sigkill(worker), async () => void (worker = await startWorkerProcess()));
  const release = await waitFor(async () => finished((await call('GET', `/jobs/${releaseId}`)).json), 'the bulk release', 240_000);
  log(`bulk release ${release.status}: ${JSON.stringify(release.counts)}`);
  const registration = await waitFor(async () => {
    const r = (await call('GET', `/a2p/registrations/${registrationId}`)).json;
    return r?.finishedAt ? r : null;
  }, 'the registration', 240_000);
  log(`registration ${registration.status} at step ${registration.step}`);
  probing = false;
  await prober;

  // The accounting, at the sandbox through the official SDK.
  const sdk = createTwilioClient({ accountSid, authToken, baseUrl: sandboxUrl, timeoutMs: 30_000 });
  if (buy.status !== 'succeeded' || buy.counts.succeeded !== BUY) problems.push(`bulk buy ended ${buy.status} with ${buy.counts.succeeded}/${BUY}`);
  if (release.status !== 'succeeded' || release.counts.succeeded !== RELEASE) problems.push(`bulk release ended ${release.status} with ${release.counts.succeeded}/${RELEASE}`);
  if (registration.status !== 'completed') problems.push(`registration ended ${registration.status}`);
  const owned = await sdk.api.v2010.accounts(accountSid).incomingPhoneNumbers.list({ pageSize: 1000 });
  const active = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM phone_numbers WHERE status = 'active'`)).rows[0]!.n;
  if (owned.length !== active || owned.length !== BUY - RELEASE) problems.push(`numbers owned at the sandbox ${owned.length}, active rows ${active}, expected ${BUY - RELEASE}`);
  const tag = tenantScopedName(chaosTenant.id, `${tenantPrefix(chaosTenant.id)}/a2p-${registrationId}`);
  const counts = {
    customerProfiles: (await sdk.trusthub.v1.customerProfiles.list({ friendlyName: tag })).length,
    trustProducts: (await sdk.trusthub.v1.trustProducts.list({ friendlyName: tag })).length,
    brands: (await sdk.messaging.v1.brandRegistrations.list()).length,
    services: (await sdk.messaging.v1.services.list()).length,
  };
  log(`A2P resources at the sandbox: ${JSON.stringify(counts)}`);
  for (const [k, n] of Object.entries(counts)) if (n !== 1) problems.push(`${n} ${k} at the sandbox, expected 1`);
  const transitional = await db.query(
    `SELECT 'phone_numbers' AS t, status, count(*)::int AS n FROM phone_numbers WHERE status IN ('purchasing', 'releasing') GROUP BY 2
     UNION ALL SELECT 'jobs', status, count(*)::int FROM jobs WHERE status IN ('queued', 'running', 'cancelling') GROUP BY 2
     UNION ALL SELECT 'a2p_registrations', status, count(*)::int FROM a2p_registrations WHERE finished_at IS NULL GROUP BY 2`,
  );
  for (const r of transitional.rows) problems.push(`${r.n} ${r.t} rows still ${r.status}`);
  problems.push(...serverErrors);

  console.log('\nchaos summary');
  console.log(`  faults (SIGKILL, then restart on the same data): ${faults.join(', ')}`);
  console.log(`  API answers while it ran: ${[...answers].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s === 0 ? 'no answer (API down)' : s}: ${n}`).join(', ')}`);
  console.log(`  bulk buy ${buy.status} ${buy.counts.succeeded}/${BUY}; bulk release ${release.status} ${release.counts.succeeded}/${RELEASE}; registration ${registration.status}`);
  console.log(`  numbers owned at the sandbox ${owned.length} = active rows ${active}; A2P resources ${JSON.stringify(counts)}`);
  console.log(problems.length ? `  PROBLEMS:\n    ${problems.join('\n    ')}` : '  outcome: no problem found');
  failed = problems.length > 0;
} catch (err) {
  console.error('chaos run failed:', err);
  failed = true;
} finally {
  await stopChild(api).catch(() => undefined);
  await stopChild(worker).catch(() => undefined);
  for (const c of children) await stopChild(c).catch(() => undefined);
  await db.end().catch(() => undefined);
  await temporal.stop().catch(() => undefined);
  await pg.stop().catch(() => undefined);
  for (const c of cleanups) await c().catch(() => undefined);
}
process.exit(failed ? 1 : 0);

async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs: number, everyMs = 500): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The job as `GET /jobs/{id}` shows it, read from PostgreSQL (the API may be the part that is down); null while PostgreSQL is. */
function jobNow(jobId: string): Promise<Job | null> {
  return getJob(db, chaosTenant.id, jobId).catch(() => null);
}

/** Waits until `done` of the job's items are done (succeeded for a buy, any outcome for a release), polled every 100 ms. */
function untilDone(jobId: string, done: number, what: string): Promise<Job> {
  return waitFor(async () => {
    const job = await jobNow(jobId);
    return job && job.counts.requested - job.counts.pending >= done ? job : null;
  }, what, 180_000, 100);
}

/** SIGKILLs a child process; resolves once it has exited. */
async function sigkill(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
}

function finished(job: { status?: string } | null) {
  return job && ['succeeded', 'partial', 'failed', 'cancelled'].includes(job.status ?? '') ? (job as { status: string; counts: { succeeded: number } }) : null;
}

/** PostgreSQL on the same data and port; the first tries may meet the old server's memory still held. */
async function restartPostgres() {
  for (let i = 1; ; i++) {
    try {
      return await startPostgresProcess({ dataDir: pgDir, port: ports.pg, persistent: true });
    } catch (err) {
      if (i >= 10) throw err;
      log(`PostgreSQL start ${i} failed (the killed server's memory may still be held); again in 1 s`);
      await sleep(1000);
    }
  }
}

