/**
 * Chaos: a bulk buy, a bulk release and an A2P registration run through the API (its own process) while
 * the worker, the API, the Temporal dev server and PostgreSQL are each killed with SIGKILL, in turn, and
 * restarted on the same data. A prober reads the API all along. Afterwards: every job and registration
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
import { createPool } from '../../db/kit/pool';
import { createTenant } from '../../db/platform/tenants';
import { tenantScopedName } from '../../activities/kit/twilio-objects';
import { tenantPrefix } from '../../schemas/kit/workflow-ids';
import { startWorker, workerEnv, type LocalStack } from '../../dev/local-stack';
import { freePort, spawnEntrypoint, startPostgresProcess, stopChild, waitForLine } from '../../dev/processes';
import { startTemporalDevServer } from '../../dev/temporal';
import { buildWorkflowBundle } from '../../worker/worker';
import { goodDraft } from '../fixtures/a2p-draft';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Numbers the bulk buy asks for (long enough at 300 ms a purchase, 5 at a time, to live through every fault) and the release gives back. */
const BUY = 300;
const RELEASE = 100;
const log = (m: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 23)}] ${m}`);

const dir = await mkdtemp(path.join(tmpdir(), 'twilio-pro-chaos-'));
await chmod(dir, 0o755); // PostgreSQL runs as its own user when we are root
const ports = { pg: await freePort(), temporal: await freePort(), sandbox: await freePort(), api: await freePort() };
const taskQueue = 'chaos';
const children: ChildProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
let failed = false;

/** Each part of the stack, startable again on the same data and port. */
const pgDir = path.join(dir, 'pg');
let pg = await startPostgresProcess({ dataDir: pgDir, port: ports.pg, persistent: true });
const startTemporal = () => startTemporalDevServer({ port: ports.temporal, dbFile: path.join(dir, 'temporal.sqlite') });
let temporal = await startTemporal();
const db = createPool(pg.url, 4);
await migrate(db);
const bundlePath = path.join(dir, 'workflow-bundle.js');
await writeFile(bundlePath, await buildWorkflowBundle());
const accountSid = `AC${randomBytes(16).toString('hex')}`;
const authToken = randomBytes(16).toString('hex');
const sandbox = spawnEntrypoint('sandbox/main.ts', { SANDBOX_PORT: String(ports.sandbox), SANDBOX_ACCOUNT_SID: accountSid, SANDBOX_AUTH_TOKEN: authToken, SANDBOX_SEED: '7' });
sandbox.stdout?.resume();
sandbox.stderr?.resume();
await waitForLine(sandbox, /sandbox\.listening/);
children.push(sandbox);
const sandboxUrl = `http://127.0.0.1:${ports.sandbox}`;
const stack: LocalStack = { databaseUrl: pg.url, temporalAddress: temporal.address, sandboxUrl, accountSid, authToken, taskQueue, bundlePath };
const control = (p: string, body?: unknown) =>
  fetch(`${sandboxUrl}/__sandbox/${p}`, { method: body ? 'POST' : 'GET', headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined }).then((r) => r.json());
await control('reviews', { preset: 'fast' });
await control('faults', { latencyMs: 300 });

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

  // SIGKILL each part in turn, and bring it back on the same data.
  const faults: string[] = [];
  const kill = async (name: string, child: ChildProcess) => {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    faults.push(name);
    const progress = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM phone_numbers WHERE status = 'active'`).catch(() => null);
    log(`SIGKILLed ${name}${progress ? ` (${progress.rows[0]!.n} numbers active so far)` : ''}`);
  };
  await sleep(1500);
  await kill('worker', worker);
  await sleep(2000);
  worker = await startWorkerProcess();
  log('worker restarted');
  await sleep(2000);
  await kill('API', api);
  await sleep(1000);
  api = await startApi();
  log('API restarted');
  await sleep(2000);
  await kill('Temporal dev server', temporal.child!);
  await sleep(3000);
  temporal = await startTemporal();
  log('Temporal restarted on the same database file');
  await sleep(3000);
  // PostgreSQL: the postmaster itself (its wrapper too), then crash recovery on the same data directory
  // (the folder is open to the postgres user, so the data stays where it was asked for).
  const postmasterPid = Number((await readFile(path.join(pgDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  process.kill(postmasterPid, 'SIGKILL');
  await kill('PostgreSQL', pg.child);
  await sleep(3000);
  pg = await restartPostgres();
  log('PostgreSQL restarted (crash recovery)');

  // Everything finishes.
  const buy = await waitFor(async () => finished((await call('GET', `/jobs/${buyId}`)).json), 'the bulk buy', 240_000);
  log(`bulk buy ${buy.status}: ${JSON.stringify(buy.counts)}`);
  const bought = ((await call('GET', `/numbers?status=active&limit=${RELEASE}`)).json?.data ?? []).map((n: { phoneNumber: string }) => n.phoneNumber) as string[];
  const releaseId = await submit('/jobs/bulk-release', { phoneNumbers: bought.slice(0, RELEASE), idempotencyKey: 'chaos-release' }, 'chaos-release');
  await sleep(800);
  await kill('worker (during the release)', worker);
  await sleep(1500);
  worker = await startWorkerProcess();
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
  const problems: string[] = [];
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

async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
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
      if (i >= 5) throw err;
      await sleep(1000);
    }
  }
}

