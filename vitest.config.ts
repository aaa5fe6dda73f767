import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  // Tests use the packages' sources, so they need no build first.
  resolve: {
    alias: {
      '@twilio-pro/client': here('./client/src/index.ts'),
      '@twilio-pro/react': here('./react/src/index.ts'),
    },
  },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx', 'react/test/**/*.test.tsx', 'client/test/**/*.test.ts'],
    // One real stack (PostgreSQL, Temporal, sandbox, worker) per run, shared by all files.
    globalSetup: ['./test/global-setup.ts'],
    // Files run one at a time: some change the sandbox's fault settings for the whole account.
    fileParallelism: false,
    pool: 'forks',
    // The last line is a plain "N passed, N failed" that any CI reader can count.
    reporters: ['default', './test/closing-line-reporter.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
