/**
 * The API's contract, fuzzed: Schemathesis (pinned, installed by `npm run tools`) runs every operation of
 * the live OpenAPI document against a private stack (PostgreSQL, Temporal, sandbox, a worker, the API on
 * a port), with generated valid and invalid requests, and checks for server errors and for answers the
 * document doesn't declare — with an admin key, so every operation is reachable. Then a second tenant's key
 * is tried on everything the first tenant made: each must be a 404 and each list empty. Last, a read-only
 * key is tried on every operation it may not do: each must be a 403 naming the scope the operation needs.
 * Then the second tenant replays the first's Idempotency-Keys and names its SIDs and ids in bodies: each a
 * 4xx (or its own resource), and nothing of the first changes (cross-tenant.ts).
 * Exits non-zero on any failure; `npm test` runs it after vitest.
 *
 *   npm run fuzz                      # FUZZ_MAX_EXAMPLES (default 25) examples per operation
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withBenchStack } from '../../bench/harness';
import { createTenant } from '../../db/platform/tenants';
import { freePort, repoRoot } from '../../dev/processes';
import { crossTenantSweep } from './cross-tenant';

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
// Small bulk jobs: the fuzzer starts real ones, and the worker runs them against the sandbox. Reviews are
// polled every second or two, so the cross-tenant sweep's registrations finish (the sandbox reviews in seconds).
const env = { BULK_MAX_QUANTITY: '5', API_SYNC_TIMEOUT_MS: '5000', API_RATE_LIMIT_PER_SECOND: '10000', API_RATE_LIMIT_BURST: '10000', AUTH_FAILURES_BURST: '1000000', TENANT_MAX_TRUNKS: '100', TENANT_MAX_ACTIVE_JOBS: '100', A2P_POLL_FIRST_MS: '500', A2P_POLL_MAX_MS: '2000' };
await withBenchStack('fuzz', { cap: 10, env }, async ({ stack, app, db, headers }) => {
  const port = await freePort();
  await app.listen({ port, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${port}`;

  // 1. Schemathesis with the first tenant's key: its first, so an admin (anything less would hide operations behind 403s).
  const fuzzKey = (await app.inject({ method: 'GET', url: '/v1/api-keys/current', headers })).json() as { scopes?: string[] };
  if (!fuzzKey.scopes?.includes('admin')) {
    console.log(`the fuzzed tenant's key is not an admin key (scopes: ${JSON.stringify(fuzzKey.scopes)}): the run would not reach every operation`);
    failed = true;
  }
  // The checks (and the one operation where one doesn't apply) are in schemathesis.toml beside this file.
  const { code, output } = await schemathesis([
    '--config-file', path.join(repoRoot, 'test', 'fuzz', 'schemathesis.toml'),
    'run', `${base}/openapi.json`,
    '-H', `${'Authorization'}: ${headers.authorization}`,
    // The operator API takes operator keys, never this tenant's: every request would be a 401 (test/api/platform/operator.test.ts).
    '--exclude-tag', 'operator',
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

  // 3. A read key: every operation it may not do is a 403 naming the scope needed, whatever the request holds.
  const holes = await readKeyPass(base, headers);
  if (holes.length) failed = true;

  // 4. The second tenant can't write through the first's Idempotency-Keys, SIDs or ids either (cross-tenant.ts).
  const problems = await crossTenantSweep({ app, db, headers, other, sandbox: stack });
  for (const p of problems) console.log(`  CROSS-TENANT ${p}`);
  if (problems.length) failed = true;
});

/** Each operation whose scope is above read, with placeholders and an empty body, as a read key: the holes. */
async function readKeyPass(base: string, adminHeaders: Record<string, string>): Promise<string[]> {
  const issued = await fetch(`${base}/v1/api-keys`, {
    method: 'POST',
    headers: { ...adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'fuzz-read-only', scopes: ['read'] }),
  });
  const readKey = ((await issued.json()) as { key: string }).key;
  type Operation = { 'x-required-scope'?: string; 'x-required-scope-raised'?: { scope: string }; requestBody?: unknown };
  const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
  const holes: string[] = [];
  let tried = 0;
  for (const [template, ops] of Object.entries(doc.paths).filter(([p]) => p.startsWith('/v1/'))) {
    for (const [method, op] of Object.entries(ops)) {
      // A raised scope (a lookup asking for billed packages) is tried in its raised form.
      const needed = op['x-required-scope'] === 'read' ? op['x-required-scope-raised']?.scope : op['x-required-scope'];
      if (!needed) continue;
      const query = op['x-required-scope'] === 'read' ? '?fields=caller_name' : '';
      const res = await fetch(`${base}${template.replace(/\{[^}]+\}/g, 'placeholder')}${query}`, {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${readKey}`, ...(op.requestBody ? { 'content-type': 'application/json' } : {}) },
        body: op.requestBody ? '{}' : undefined,
      });
      tried += 1;
      const error = ((await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }).error;
      if (res.status !== 403 || error?.code !== 'insufficient_scope' || !error.message?.includes(`the ${needed} scope`)) {
        holes.push(`${method.toUpperCase()} ${template}${query}: ${res.status} ${error?.code ?? ''} (needs ${needed})`);
      }
    }
  }
  console.log(`read key: ${tried} operations it may not do tried, ${holes.length} answered other than 403 insufficient_scope`);
  for (const h of holes) console.log(`  HOLE ${h}`);
  return holes;
}
process.exit(failed ? 1 : 0);
