import { execFileSync } from 'node:child_process';
import { defineConfig } from '@playwright/test';

/** Debian's Chromium (`apt-get install chromium`, done by `npm run tools`): Playwright's own download needs the internet. */
function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {
      /* try the next */
    }
  }
  throw new Error('Chromium not found: run `npm run tools` (apt-get install chromium) or set CHROMIUM_PATH');
}

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: process.env.PLAYWRIGHT_OUTPUT_DIR ?? '../../test-results/browser', // one per concurrent run
  // Files side by side: each spec file has its own tenant, and the flows mostly wait on workflows and reviews, not
  // on the CPU. Tests within a file run in order (a flow builds on the one before it).
  workers: Number(process.env.BROWSER_WORKERS ?? 3),
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: process.env.CONSOLE_URL,
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromiumPath(),
      // Without the background-networking flags Chromium keeps trying hosts a closed network refuses.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
