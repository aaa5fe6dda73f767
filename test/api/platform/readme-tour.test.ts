import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createTestApi, newTenant, ownedInSandbox } from '../../helpers/stack';

/**
 * The README's curl tour, run as written against the real API (listening on a port, as `npm start`'s) and the
 * shared stack: only the two setup lines change, to this API's URL and a fresh tenant's key. So a tour that
 * names a wrong path, field or status fails here.
 */
const SETUP_API = 'API=http://127.0.0.1:3000/v1';
const SETUP_KEY = 'KEY=$(cat .data/dev-api-key)';

/** The one ```sh block between the README's tour markers. */
async function readmeTour(): Promise<string> {
  const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
  const tour = /<!-- tour:start -->\n([\s\S]*?)<!-- tour:end -->/.exec(readme)?.[1];
  if (!tour) throw new Error('README.md has no <!-- tour:start --> … <!-- tour:end --> section');
  const blocks = [...tour.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  if (blocks.length !== 1) throw new Error(`the tour must be one sh block, found ${blocks.length}`);
  return blocks[0]!;
}

/** The tour with its two setup assignments pointed at this API and key; each must be there, once, as written. */
function pointedAt(tour: string, apiBase: string, key: string): string {
  const lines = tour.split('\n');
  for (const setup of [SETUP_API, SETUP_KEY]) expect(lines.filter((l) => l === setup), `the tour sets ${setup}`).toHaveLength(1);
  return lines.map((l) => (l === SETUP_API ? `API=${apiBase}/v1` : l === SETUP_KEY ? `KEY='${key}'` : l)).join('\n');
}

function runBash(script: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', `set -euo pipefail\n${script}`], { cwd, timeout: 150_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

let api: Awaited<ReturnType<typeof createTestApi>>;
let base: string;
beforeAll(async () => {
  api = await createTestApi();
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => api?.close());

it('the README tour runs as written: it buys a number and a bulk job of three, and shows the job’s Twilio writes', async () => {
  const tenant = await newTenant(api.db, 'tour');
  const cwd = await mkdtemp(path.join(tmpdir(), 'readme-tour-'));
  const run = await runBash(pointedAt(await readmeTour(), base, tenant.apiKey), cwd).finally(() => rm(cwd, { recursive: true, force: true }));
  expect(run.code, `${run.stderr}\n${run.stdout}`).toBe(0);

  // What the tour did is real: the tenant holds four numbers, each one bought at the sandbox.
  const numbers = (await api.app.inject({ method: 'GET', url: '/v1/numbers?limit=10', headers: tenant.headers })).json().data as { phoneNumber: string; status: string; jobId: string | null }[];
  expect(numbers.map((n) => n.status)).toEqual(['active', 'active', 'active', 'active']);
  const atTwilio = await ownedInSandbox('+1415');
  for (const n of numbers) expect(atTwilio, n.phoneNumber).toContain(n.phoneNumber);

  // The bulk job succeeded with three purchases, and the tour printed its end and its three Twilio writes.
  const jobs = (await api.app.inject({ method: 'GET', url: '/v1/jobs?kind=bulk_buy', headers: tenant.headers })).json().data as { id: string; status: string; counts: { succeeded: number } }[];
  expect(jobs).toHaveLength(1);
  expect(jobs[0]).toMatchObject({ status: 'succeeded', counts: { succeeded: 3 } });
  expect(numbers.filter((n) => n.jobId === jobs[0]!.id)).toHaveLength(3);
  expect(run.stdout).toContain('"status": "succeeded"');
  expect(run.stdout.match(/ {2}POST IncomingPhoneNumbers {2}PN[0-9a-f]{32}/g)).toHaveLength(3);
});
