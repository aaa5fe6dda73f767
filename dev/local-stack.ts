import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { buildWorkflowBundle } from '../worker/worker';
import { startEmbeddedPostgres } from './postgres';
import { freePort, spawnEntrypoint, stopChild, waitForLine } from './processes';
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
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export async function startWorker(s: LocalStack, taskQueue: string, extra: NodeJS.ProcessEnv = {}) {
  const child = spawnEntrypoint('worker/main.ts', workerEnv(s, taskQueue, extra));
  child.stderr?.on('data', (d) => process.stderr.write(`[worker] ${d}`));
  await waitForLine(child, /worker\.started/, 120_000);
  return child;
}

/**
 * Real PostgreSQL (embedded), the real Temporal dev server, the Twilio sandbox process and a
 * pre-built workflow bundle, all in a temporary directory; `stop` removes every trace.
 */
export async function startLocalStack(taskQueue: string): Promise<{ stack: LocalStack; stop: () => Promise<void> }> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'twilio-pro-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(tmp, { recursive: true, force: true })];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch((err) => console.error('stop:', err));
  };
  try {
    const [pg, temporal, bundleCode] = await Promise.all([
      startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), port: await freePort(), persistent: false }),
      freePort().then((port) => startTemporalDevServer({ port })),
      buildWorkflowBundle(),
    ]);
    cleanups.push(pg.stop, temporal.stop);
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
