import type { LocalStack } from '../../dev/local-stack';

/** A sandbox account with a worker of its own, on its own task queue: what one test file runs on at a time. */
export interface StackSlot {
  accountSid: string;
  authToken: string;
  taskQueue: string;
}

/** What the global setups started, handed to every test file through vitest's provide/inject. */
declare module 'vitest' {
  export interface ProvidedContext {
    stack: LocalStack;
    slots: StackSlot[];
    workflowBundlePath: string;
  }
}
