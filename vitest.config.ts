import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/slow-first-sequencer';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Files of test/workflows and test/unit that need the shared stack (PostgreSQL, the sandbox or the dev server). */
const needStack = [
  'test/workflows/number-health/hygiene.workflow.test.ts',
  'test/workflows/numbers/bulk-buy.workflow.test.ts',
  'test/workflows/kit/activity-retries.workflow.test.ts',
  'test/unit/kit/activity-heartbeats.test.ts',
  'test/unit/kit/twilio-objects.test.ts',
];

/**
 * Two tiers (npm run test:fast, npm run test:api; `npm test` runs both, then fuzz, chaos and the browser flows):
 * - fast: no stack — unit, time-skipping workflow tests, replay histories, the sandbox's contract (in-process);
 * - api: one shared real stack with a slot (sandbox account + worker) per fork, files in parallel.
 * Both run files in parallel; a file's tests run in order.
 */
export default defineConfig({
  // Tests use the packages' sources, so they need no build first.
  resolve: {
    alias: {
      '@twilio-pro/client': here('./client/src/index.ts'),
      '@twilio-pro/react': here('./react/src/index.ts'),
    },
  },
  test: {
    pool: 'forks',
    fileParallelism: true,
    // The last line is a plain "N passed, N failed" that any CI reader can count.
    reporters: ['default', './test/closing-line-reporter.ts'],
    sequence: { sequencer: SlowFirstSequencer },
    testTimeout: 180_000,
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          include: ['test/unit/**/*.test.ts', 'test/workflows/**/*.test.ts', 'test/replay/**/*.test.ts', 'test/sandbox/**/*.test.ts', 'test/dev/**/*.test.ts', 'react/test/**/*.test.tsx', 'client/test/**/*.test.ts'],
          exclude: needStack,
          globalSetup: ['./test/global-setup-fast.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'api',
          include: ['test/api/**/*.test.ts', 'test/client/**/*.test.ts', ...needStack],
          globalSetup: ['./test/global-setup.ts'],
          setupFiles: ['./test/helpers/slot-lifecycle.ts'],
          // A fork's files share its module cache: each file re-importing the API, the activities and the SDKs cost
          // ~2.6 s of CPU per file (188 s of "setup" in all; test:api 502 → 383 s alone, 773 → 567 CPU-s). Safe
          // because no file of this tier mocks modules or changes process.env, and each builds its own API, pool
          // and clients (test/helpers/stack.ts); the slot lifecycle still runs around every file.
          isolate: false,
        },
      },
    ],
  },
});
