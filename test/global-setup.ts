import type { TestProject } from 'vitest/node';
import { startLocalStack, startWorker } from '../dev/local-stack';
import { stopChild } from '../dev/processes';
import './helpers/stack-info';

/** Starts the real parts once per run: PostgreSQL, the Temporal dev server, the Twilio sandbox and a worker. */
export default async function setup(project: TestProject) {
  const started = Date.now();
  const { stack, stop } = await startLocalStack('twilio-pro-test');
  let worker;
  try {
    worker = await startWorker(stack, stack.taskQueue);
  } catch (err) {
    await stop();
    throw err;
  }
  project.provide('stack', stack);
  console.log(`test stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return async () => {
    await stopChild(worker);
    await stop();
  };
}
