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
import { createTwilioClient } from '../../activities/kit/twilio-client';
import { createTenant } from '../../db/platform/tenants';
import { freePort, repoRoot } from '../../dev/processes';

// WEB_DIST_DIR: a console built elsewhere (`vite build --outDir …`), so two people's runs don't share web/dist.
const webDist = process.env.WEB_DIST_DIR ?? path.join(repoRoot, 'web', 'dist');
if (!existsSync(path.join(webDist, 'index.html'))) {
  console.error(`test:browser: the console is not built in ${webDist}; run \`npm run build:web\` first`);
  process.exit(1);
}

let code = 1;
await withBenchStack(
  'browser',
  {
    cap: 10,
    env: {
      TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
      A2P_POLL_FIRST_MS: '300',
      A2P_POLL_MAX_MS: '1000',
      API_RATE_LIMIT_PER_SECOND: '10000',
      API_RATE_LIMIT_BURST: '10000',
      WEB_DIST_DIR: webDist,
      // The settings flow points a webhook endpoint at this very server (a 404 to see a failed delivery and resend it).
      WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
      WEBHOOK_ALLOWED_PORTS: '*',
      WEBHOOK_RETRY_BASE_MS: '60000',
    },
  },
  async ({ app, db, stack, control }) => {
    await control('reviews', { preset: 'fast' });
    const port = await freePort();
    await app.listen({ port, host: '127.0.0.1' });
    const keys: Record<string, string> = {};
    const tenants: Record<string, string> = {};
    for (const spec of ['signin', 'numbers', 'sip', 'a2p', 'pages', 'scopes', 'health', 'trust', 'costs', 'settings', 'sole-proprietor', 'account']) {
      const { tenant, apiKey } = await createTenant(db, `browser-${spec}-${Date.now()}`);
      keys[spec] = apiKey;
      tenants[spec] = tenant.id;
    }
    // Voice trust registers numbers on an approved business profile the tenant already has (as an A2P
    // registration would leave): made here, at the sandbox's Trust Hub, so the trust flow can pick it.
    const sdk = createTwilioClient({ accountSid: stack.accountSid, authToken: stack.authToken, baseUrl: stack.sandboxUrl, timeoutMs: 10_000 });
    const profile = await sdk.trusthub.v1.customerProfiles.create({ friendlyName: `Acme Roofing ${tenants.trust}`, email: 'ops@acme.example', policySid: 'RNdfbf3fae0e1107f8aded0e7cead80bf5' });
    await db.query(`INSERT INTO a2p_profiles (tenant_id, profile_sid, kind, status, friendly_name, email, business_name) VALUES ($1, $2, 'customer_profile', 'twilio-approved', 'Acme Roofing', 'ops@acme.example', 'Acme Roofing LLC')`, [tenants.trust, profile.sid]);
    code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'node_modules', '@playwright', 'test', 'cli.js'), 'test', '-c', path.join(repoRoot, 'test', 'browser', 'playwright.config.ts'), ...process.argv.slice(2)], {
        stdio: 'inherit',
        env: {
          ...process.env,
          CONSOLE_URL: `http://127.0.0.1:${port}`,
          SANDBOX_URL: stack.sandboxUrl,
          TENANT_KEYS: JSON.stringify(keys),
          TRUST_BUSINESS_PROFILE_SID: profile.sid,
          PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
        },
      });
      child.on('close', (c) => resolve(c ?? 1));
    });
  },
);
process.exit(code);
