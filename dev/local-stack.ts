import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate } from '../db/kit/migrate';
import { createPool } from '../db/kit/pool';
import { buildWorkflowBundle } from '../worker/worker';
import { freePort, spawnEntrypoint, startPostgresProcess, stopChild, waitForLine } from './processes';
import { startTemporalDevServer } from './temporal';

/** Everything a throw-away stack started (tests and benchmarks). */
export interface LocalStack {
  databaseUrl: string;
  temporalAddress: string;
  sandboxUrl: string;
  accountSid: string;
  authToken: string;
  taskQueue: string;
  bundlePath: string;
  /**
   * One secrets key ring for every process of a stack whose workers run under different Twilio accounts (the
   * test slots): without it each derives its ring from its own auth token, and one worker's webhook dispatcher
   * could not open a signing secret another slot's API sealed.
   */
  secretsKeys?: string;
}

/** The environment the worker entrypoint needs, as docker-compose would set it. */
export function workerEnv(s: LocalStack, taskQueue: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    DATABASE_URL: s.databaseUrl,
    TEMPORAL_ADDRESS: s.temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    TWILIO_ACCOUNT_SID: s.accountSid,
    TWILIO_AUTH_TOKEN: s.authToken,
    TWILIO_BASE_URL: s.sandboxUrl,
    WORKFLOW_BUNDLE_PATH: s.bundlePath,
    ...(s.secretsKeys && !extra.SECRETS_KEY && !extra.SECRETS_KEYS ? { SECRETS_KEYS: s.secretsKeys } : {}),
    LOG_LEVEL: 'info',
    // Tests' webhook receivers listen on 127.0.0.1 at free ports; a test of the refusal passes these as 'false' / '80,443'.
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
    WEBHOOK_ALLOWED_PORTS: '*',
    ...extra,
  };
}

export async function startWorker(s: LocalStack, taskQueue: string, extra: NodeJS.ProcessEnv = {}) {
  const child = spawnEntrypoint('worker/main.ts', workerEnv(s, taskQueue, extra), process.env.SHOW_WORKER_LOGS ? 'worker' : undefined);
  child.stderr?.resume();
  await waitForLine(child, /worker\.started/, 120_000);
  return child;
}

/**
 * Real PostgreSQL (embedded), the real Temporal dev server, the Twilio sandbox process and a
 * pre-built workflow bundle, all in a temporary directory; `stop` removes every trace.
 */
export async function startLocalStack(taskQueue: string): Promise<{ stack: LocalStack; stop: () => Promise<void> }> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'twilio-pro-'));
  // PostgreSQL runs as its own user when we are root: it must be able to enter this directory.
  await chmod(tmp, 0o755);
  const cleanups: (() => Promise<unknown>)[] = [() => rm(tmp, { recursive: true, force: true })];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch((err) => console.error('stop:', err));
  };
  try {
    const [pgResult, temporalResult, bundleResult] = await Promise.allSettled([
      freePort().then((port) => startPostgresProcess({ dataDir: path.join(tmp, 'pg'), port, persistent: false })),
      startTemporalDevServer({}),
      // Built once per test run (npm test sets WORKFLOW_BUNDLE_PATH after `npm run build:workflows`); else here.
      process.env.WORKFLOW_BUNDLE_PATH ? readFile(process.env.WORKFLOW_BUNDLE_PATH, 'utf8') : buildWorkflowBundle(),
    ]);
    // Whatever started must be stopped, even when a sibling failed.
    if (pgResult.status === 'fulfilled') cleanups.push(pgResult.value.stop);
    if (temporalResult.status === 'fulfilled') cleanups.push(temporalResult.value.stop);
    for (const r of [pgResult, temporalResult, bundleResult]) if (r.status === 'rejected') throw r.reason;
    const pg = (pgResult as PromiseFulfilledResult<Awaited<ReturnType<typeof startPostgresProcess>>>).value;
    const temporal = (temporalResult as PromiseFulfilledResult<Awaited<ReturnType<typeof startTemporalDevServer>>>).value;
    const bundleCode = (bundleResult as PromiseFulfilledResult<string>).value;
    const db = createPool(pg.url, 1);
    await migrate(db);
    await db.end();
    const bundlePath = path.join(tmp, 'workflow-bundle.js');
    await writeFile(bundlePath, bundleCode);

    const sandboxPort = await freePort();
    const accountSid = `AC${randomBytes(16).toString('hex')}`;
    const authToken = randomBytes(16).toString('hex');
    const sandbox = spawnEntrypoint('sandbox/main.ts', {
      SANDBOX_PORT: String(sandboxPort),
      SANDBOX_ACCOUNT_SID: accountSid,
      SANDBOX_AUTH_TOKEN: authToken,
      SANDBOX_SEED: '42',
    });
    sandbox.stderr?.on('data', (d) => process.stderr.write(`[sandbox] ${d}`));
    sandbox.stdout?.resume();
    await waitForLine(sandbox, /sandbox\.listening/);
    cleanups.push(() => stopChild(sandbox));
    const stack: LocalStack = {
      databaseUrl: pg.url,
      temporalAddress: temporal.address,
      sandboxUrl: `http://127.0.0.1:${sandboxPort}`,
      accountSid,
      authToken,
      taskQueue,
      bundlePath,
    };
    return { stack, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
