import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll } from 'vitest';
import { findTestServer } from '../../dev/temporal';
import { readWorkflowBundle } from './workflow-bundle';

/**
 * Temporal's time-skipping test server for the file's tests, with the run's workflow bundle; read both
 * through the getters once beforeAll has run.
 */
export function timeSkippingEnvironment() {
  let env: TestWorkflowEnvironment | undefined;
  let bundle: string | undefined;
  beforeAll(async () => {
    const path = findTestServer();
    if (!path) throw new Error('temporal-test-server not found: run `npm run tools`');
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
    bundle = await readWorkflowBundle();
  });
  afterAll(async () => env?.teardown());
  return {
    get env() {
      return env!;
    },
    get bundle() {
      return bundle!;
    },
  };
}
