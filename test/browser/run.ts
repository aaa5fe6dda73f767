/**
 * `npm run test:browser`: the console in a real browser on real parts. Starts a private stack (PostgreSQL,
 * Temporal, the sandbox with fast A2P reviews, a worker, the API serving the built console on a port),
 * makes a tenant per spec file, and runs Playwright (Debian's Chromium, see playwright.config.ts) against it.
 * Screenshots land in test-results/screenshots (not committed); UPDATE_DOCS_SCREENSHOTS=1 also refreshes docs/.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { withBenchStack } from '../../bench/harness';
import { createTenant } from '../../db/platform/tenants';
import { freePort, repoRoot } from '../../dev/processes';

if (!existsSync(path.join(repoRoot, 'web', 'dist', 'index.html'))) {
  console.error('test:browser: the console is not built; run `npm run build:web` first');
  process.exit(1);
}

let code = 1;
await withBenchStack(
  'browser',
  { cap: 10, env: { TEMPORAL_UI_URL: 'http://127.0.0.1:8233', A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000', API_RATE_LIMIT_PER_SECOND: '10000', API_RATE_LIMIT_BURST: '10000' } },
  async ({ app, db, stack, control }) => {
    await control('reviews', { preset: 'fast' });
    const port = await freePort();
    await app.listen({ port, host: '127.0.0.1' });
    const keys: Record<string, string> = {};
    for (const spec of ['signin', 'numbers', 'sip', 'a2p', 'pages', 'scopes']) keys[spec] = (await createTenant(db, `browser-${spec}-${Date.now()}`)).apiKey;
    code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'node_modules', '@playwright', 'test', 'cli.js'), 'test', '-c', path.join(repoRoot, 'test', 'browser', 'playwright.config.ts'), ...process.argv.slice(2)], {
        stdio: 'inherit',
        env: {
          ...process.env,
          CONSOLE_URL: `http://127.0.0.1:${port}`,
          SANDBOX_URL: stack.sandboxUrl,
          TENANT_KEYS: JSON.stringify(keys),
          PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
        },
      });
      child.on('close', (c) => resolve(c ?? 1));
    });
  },
);
process.exit(code);
