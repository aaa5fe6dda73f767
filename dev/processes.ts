import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Prefixes each output line of a child with its name, so one terminal reads clearly. */
export function pipeLogs(child: ChildProcess, name: string) {
  const tag = `[${name}]`.padEnd(10);
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${tag} ${line}\n`));
  }
}

/**
 * Starts one of the project's TypeScript entrypoints (the same ones docker-compose runs) as a single
 * process — `node --import tsx`, not the tsx CLI, which would put a second process in between that
 * a SIGKILL does not reach.
 */
export function spawnEntrypoint(script: string, env: NodeJS.ProcessEnv, name?: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, script)], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (name) pipeLogs(child, name);
  return child;
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the child has exited. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once `line` matches in the child's stdout (e.g. a "listening" log), or rejects on exit. */
export function waitForLine(child: ChildProcess, match: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${match}`)), timeoutMs);
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      if (match.test(line)) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`process exited with code ${code} before ${match}`));
    });
  });
}

/** Runs dev/postgres-main.ts and resolves with its URL once the server accepts connections. */
export async function startPostgresProcess(opts: { dataDir: string; port: number; persistent: boolean; name?: string }) {
  const child = spawnEntrypoint(
    'dev/postgres-main.ts',
    { PG_DATA_DIR: opts.dataDir, PG_PORT: String(opts.port), PG_PERSISTENT: String(opts.persistent) },
    opts.name,
  );
  child.stderr?.on('data', (d) => process.stderr.write(`[postgres] ${d}`));
  const line = await waitForLine(child, /postgres\.ready/, 120_000);
  return { url: (JSON.parse(line) as { url: string }).url, stop: () => stopChild(child, 30_000), child };
}
