import { appendFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with the one closing line every CI reader understands,
 * "vitest: N passed, N failed[, N skipped]", alone on the last line.
 * Vitest's own summary is decorated and is not read by tools that only
 * know pytest-style or plain closing lines.
 */
export default class ClosingLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
      // A file that failed to load, or whose beforeAll failed (its tests are then skipped), failed once more.
      const tests = [...module.children.allTests()];
      if (module.state() === 'failed' && !tests.some((t) => t.result().state === 'failed')) failed += 1;
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\nvitest: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
    // npm test (dev/test-suite.sh) adds every tier's counts into its own closing line.
    if (process.env.TEST_COUNTS_FILE) appendFileSync(process.env.TEST_COUNTS_FILE, `${process.env.TEST_TIER ?? 'vitest'} ${passed} ${failed} ${skipped}\n`);
  }
}
