import { afterAll, beforeAll } from 'vitest';
import { Connection, type Client } from '@temporalio/client';
import { createApiTemporalClient } from '../../api/kit/temporal-client';
import { temporalConnectionOptions } from '../../config/temporal-connection';
import { sandboxControl, stack, testConfig } from './stack';

/**
 * Every API-tier file starts on a clean slot and leaves it clean for the next file on this fork: its
 * sandbox account's world (faults, failure rules, review clock, stats, pacing, inventory sizes) is reset
 * first, and whatever the file left running on the slot's task queue — workflows, and Schedules that would
 * start more — is ended after, so nothing of it calls Twilio during the next file.
 */
beforeAll(async () => {
  await sandboxControl('POST', 'reset');
});

afterAll(async () => {
  const config = testConfig();
  const connection = await Connection.connect(temporalConnectionOptions(config));
  try {
    // The API's client: it opens the sealed payloads a Schedule's description carries.
    const client = createApiTemporalClient(config, connection);
    await deleteSlotSchedules(client);
    await terminateSlotWorkflows(client);
  } finally {
    await connection.close();
  }
});

async function deleteSlotSchedules(client: Client) {
  for await (const summary of client.schedule.list()) {
    const handle = client.schedule.getHandle(summary.scheduleId);
    const description = await handle.describe().catch(() => null);
    if (description?.action.type === 'startWorkflow' && description.action.taskQueue === stack.taskQueue) await handle.delete().catch(() => undefined);
  }
}

async function terminateSlotWorkflows(client: Client) {
  const running = client.workflow.list({ query: `TaskQueue = '${stack.taskQueue}' AND ExecutionStatus = 'Running'` });
  for await (const wf of running) {
    await client.workflow.getHandle(wf.workflowId, wf.runId).terminate('the test file that started it has ended').catch(() => undefined);
  }
}
