import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
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
  claimSlot();
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
    releaseSlot(); // last: ending what the file left running is still its use of the slot
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

/**
 * One file on a slot at a time, or the run says so: two files sharing a sandbox account would reset each other's
 * faults and inventory mid-test and fail in ways that look like flakes. The claim is a directory (mkdir is atomic)
 * named after the run's sandbox and the slot's task queue, holding the name of the file that has it.
 */
const claim = path.join(tmpdir(), `twilio-pro-slot-${new URL(stack.sandboxUrl).port}-${stack.taskQueue}`);
const thisFile = () => expect.getState().testPath ?? 'a test file';

function claimSlot() {
  try {
    mkdirSync(claim);
  } catch {
    const holder = (() => { try { return readFileSync(path.join(claim, 'holder'), 'utf8'); } catch { return 'unknown'; } })();
    throw new Error(`slot ${stack.taskQueue} (fork VITEST_POOL_ID=${process.env.VITEST_POOL_ID}) is in use by ${holder}: two files on one sandbox account`);
  }
  writeFileSync(path.join(claim, 'holder'), thisFile());
}

function releaseSlot() {
  rmSync(claim, { recursive: true, force: true });
}
