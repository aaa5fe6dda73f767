import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real stack (PostgreSQL, Temporal, sandbox, worker) per run, shared by all files.
    globalSetup: ['./test/global-setup.ts'],
    // Files run one at a time: some change the sandbox's fault settings for the whole account.
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
