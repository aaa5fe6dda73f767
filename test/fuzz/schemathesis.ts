/**
 * The API's contract, fuzzed: Schemathesis (pinned, installed by `npm run tools`) runs every operation of
 * the live OpenAPI document against a private stack (PostgreSQL, Temporal, sandbox, a worker, the API on
 * a port), with generated valid and invalid requests, and checks for server errors and for answers the
 * document doesn't declare. Then a second tenant's key is tried on everything the first tenant made:
 * each must be a 404 and each list empty. Exits non-zero on any failure; `npm test` runs it after vitest.
 *
 *   npm run fuzz                      # FUZZ_MAX_EXAMPLES (default 25) examples per operation
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withBenchStack } from '../../bench/harness';
import { createTenant } from '../../db/tenants';
import { freePort, repoRoot } from '../../dev/processes';

function schemathesis(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(repoRoot, '.tools', 'venv', 'bin', 'st'), args, { env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

let failed = false;
// Small bulk jobs: the fuzzer starts real ones, and the worker runs them against the sandbox.
await withBenchStack('fuzz', { cap: 10, env: { BULK_MAX_QUANTITY: '5', API_SYNC_TIMEOUT_MS: '5000', API_RATE_LIMIT_PER_SECOND: '10000', API_RATE_LIMIT_BURST: '10000' } }, async ({ app, db, headers }) => {
  const port = await freePort();
  await app.listen({ port, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${port}`;

  // 1. Schemathesis with the first tenant's key.
  // The checks (and the one operation where one doesn't apply) are in schemathesis.toml beside this file.
  const { code, output } = await schemathesis([
    '--config-file', path.join(repoRoot, 'test', 'fuzz', 'schemathesis.toml'),
    'run', `${base}/openapi.json`,
    '-H', `${'Authorization'}: ${headers.authorization}`,
    '--max-examples', process.env.FUZZ_MAX_EXAMPLES ?? '25',
    '--seed', process.env.FUZZ_SEED ?? '1',
    '--request-timeout', '15',
    '--no-color',
  ]);
  const report = path.join(tmpdir(), 'twilio-pro-schemathesis.txt');
  await writeFile(report, output);
  // Schemathesis closes with a pytest-style rule ("=== 2 warnings in 69s ===") that CI
  // readers take for a test run with no test in it; the summary above that rule is enough.
  const summary = output.slice(Math.max(0, output.lastIndexOf('SUMMARY') - 40));
  console.log(summary.split('\n').filter((line) => !/^=+ .* in [\d.]+s =+$/.test(line.trim())).join('\n'));
  console.log(`(whole report: ${report})`);
  if (code !== 0) failed = true;

  // 2. A second tenant sees and touches nothing of the first's.
  const other = { authorization: `Bearer ${(await createTenant(db, `fuzz-other-${Date.now()}`)).apiKey}` };
  const leaks: string[] = [];
  const lists: [string, (item: Record<string, string>) => string[]][] = [
    ['/v1/jobs', (j) => [`/v1/jobs/${j.id}`, `/v1/jobs/${j.id}/items`]],
    ['/v1/numbers', (n) => [`/v1/numbers/${encodeURIComponent(n.phoneNumber!)}`]],
    ['/v1/a2p/registrations', (r) => [`/v1/a2p/registrations/${r.id}`]],
    ['/v1/a2p/business-profiles', (p) => [`/v1/a2p/business-profiles/${p.sid}`]],
    ['/v1/a2p/brands', (b) => [`/v1/a2p/brands/${b.sid}`]],
    ['/v1/a2p/campaigns', (c) => [`/v1/a2p/campaigns/${c.sid}`]],
    ['/v1/sip/trunks', (t) => [`/v1/sip/trunks/${t.id}`, `/v1/sip/trunks/${t.id}/phone-numbers`]],
    ['/v1/webhook-endpoints', (e) => [`/v1/webhook-endpoints/${e.id}/deliveries`]],
  ];
  let tried = 0;
  for (const [list, detail] of lists) {
    const mine = (await app.inject({ method: 'GET', url: `${list}?limit=100`, headers })).json() as { data: Record<string, string>[] };
    const theirs = (await app.inject({ method: 'GET', url: list, headers: other })).json() as { data: unknown[] };
    if (theirs.data.length) leaks.push(`${list} lists ${theirs.data.length} of another tenant's items`);
    for (const item of mine.data) {
      for (const url of detail(item)) {
        tried += 1;
        const res = await app.inject({ method: 'GET', url, headers: other });
        if (res.statusCode !== 404) leaks.push(`GET ${url} with another tenant's key: ${res.statusCode}`);
      }
    }
  }
  console.log(`cross-tenant: ${tried} resources of the fuzzed tenant tried with a second tenant's key, ${leaks.length} answered other than 404`);
  for (const l of leaks) console.log(`  LEAK ${l}`);
  if (leaks.length) failed = true;
});
process.exit(failed ? 1 : 0);
