import { afterAll, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, repoRoot, stopChild, waitForLine } from '../../dev/processes';
import { execFileSync, spawn } from 'node:child_process';

// A checkout only its owner can enter: `mktemp -d` makes one (mode 700), like /root. Before the fix,
// initdb failed there with EACCES (PostgreSQL runs as a `postgres` user when we are root).
const cleanups: string[] = [];
afterAll(async () => {
  for (const dir of cleanups) await rm(dir, { recursive: true, force: true });
});

it('embedded PostgreSQL starts from a checkout other users cannot enter, with its data there too', async () => {
  const closed = await mkdtemp(path.join(tmpdir(), 'twilio-pro-closed-'));
  cleanups.push(closed);
  expect((await stat(closed)).mode & 0o777).toBe(0o700);
  const openHome = await mkdtemp(path.join('/var/tmp', 'twilio-pro-open-'));
  cleanups.push(openHome);
  execFileSync('chmod', ['755', openHome]);
  // The project as a clone there would have it (hard links: no 450 MB copy).
  const checkout = path.join(closed, 'repo');
  execFileSync('mkdir', [checkout]);
  execFileSync('cp', ['-al', ...['dev', 'node_modules', 'package.json', 'tsconfig.json'].map((f) => path.join(repoRoot, f)), checkout]);

  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(checkout, 'dev', 'postgres-main.ts')], {
    cwd: checkout,
    env: { ...process.env, PG_DATA_DIR: path.join(checkout, '.data', 'postgres'), PG_PORT: String(port), PG_PERSISTENT: 'false', EMBEDDED_PG_OPEN_HOME: openHome },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  try {
    const line = await waitForLine(child, /postgres\.ready/, 120_000).catch((err) => {
      throw new Error(`${(err as Error).message}\n${stderr}`);
    });
    const client = new pg.Client({ connectionString: (JSON.parse(line) as { url: string }).url });
    await client.connect();
    expect((await client.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
    await client.end();
    if (process.getuid?.() === 0) {
      // As root: the binaries ran from a copy every user can reach, and the data went there, said so.
      expect(await readdir(openHome)).toEqual(expect.arrayContaining(['data', expect.stringMatching(/^embedded-postgres-/)]));
      expect(stderr).toContain(`the data is kept in ${openHome}/data/`);
    }
  } finally {
    await stopChild(child, 30_000);
  }
});
