import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { startLocalStack, startWorker, type LocalStack } from '../dev/local-stack';
import { stopChild } from '../dev/processes';
import { workflowBundleForRun } from './helpers/build-once';
import type { StackSlot } from './helpers/stack-info';

/**
 * The API tier's real parts, started once per run: PostgreSQL, the Temporal dev server, the Twilio sandbox —
 * and one slot per parallel test file: a sandbox account of its own with a worker of its own on its own task
 * queue (the worker's Twilio account is its configuration). Each file runs on its fork's slot, whose account
 * is reset before the file (test/helpers/slot-lifecycle.ts), so files run in parallel without seeing each
 * other's faults, failure rules, review clock, inventory or stats.
 */
export default async function setup(project: TestProject) {
  const started = Date.now();
  const workflowBundlePath = await workflowBundleForRun();
  const local = await startLocalStack('twilio-pro-test');
  const stop = local.stop;
  // The slots' workers and APIs run under different auth tokens; one key ring lets any worker's webhook
  // dispatcher open the signing secret any slot's API sealed (the dispatcher takes deliveries of every tenant).
  const stack = { ...local.stack, secretsKeys: `test-stack:${randomBytes(32).toString('base64')}` };
  const workers: ChildProcess[] = [];
  const teardown = async () => {
    await Promise.all(workers.map((w) => stopChild(w)));
    await stop();
  };
  let slots: StackSlot[];
  try {
    slots = await Promise.all(Array.from({ length: slotCount(project) }, (_, i) => openSlot(stack, i + 1, workers)));
  } catch (err) {
    await teardown();
    throw err;
  }
  project.provide('stack', stack);
  project.provide('slots', slots);
  project.provide('workflowBundlePath', workflowBundlePath);
  console.log(`test stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s with ${slots.length} slot(s)`);
  return async () => {
    const checked = await requestValidation(stack).catch((err) => err as Error);
    await teardown();
    if (checked instanceof Error) throw checked;
  };
}

/** One slot per fork vitest may run at once (VITEST_POOL_ID is 1..maxWorkers). */
function slotCount(project: TestProject): number {
  const max = project.globalConfig.maxWorkers;
  return Math.max(1, typeof max === 'number' ? max : 1);
}

async function openSlot(stack: LocalStack, k: number, workers: ChildProcess[]): Promise<StackSlot> {
  const res = await fetch(`${stack.sandboxUrl}/__sandbox/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (!res.ok) throw new Error(`creating slot ${k}'s sandbox account: ${res.status} ${await res.text()}`);
  const account = (await res.json()) as { sid: string; authToken: string };
  const slot = { accountSid: account.sid, authToken: account.authToken, taskQueue: `twilio-pro-test-${k}` };
  workers.push(await startWorker(stack, slot.taskQueue, { TWILIO_ACCOUNT_SID: slot.accountSid, TWILIO_AUTH_TOKEN: slot.authToken }));
  return slot;
}

/**
 * The run's promise to Twilio's spec: every request any test made the sandbox check (the sandbox validates
 * each against its operation in Twilio's OpenAPI documents) broke no rule, or the run fails.
 */
async function requestValidation(stack: LocalStack) {
  const res = await fetch(`${stack.sandboxUrl}/__sandbox/stats`);
  const stats = (await res.json()) as { requestValidation: { enabled: boolean; disabledReason?: string; checkedRequests: number; operations: number; totalViolations: number; violations: unknown } };
  const rv = stats.requestValidation;
  if (!rv.enabled) throw new Error(`the sandbox validated no request: ${rv.disabledReason}`);
  console.log(`request validation: ${rv.totalViolations} violation(s) in ${rv.checkedRequests} requests over ${rv.operations} operations`);
  if (rv.totalViolations !== 0) throw new Error(`requests that break Twilio's spec: ${JSON.stringify(rv.violations, null, 2)}`);
}
