import type { LocalStack } from '../../dev/local-stack';

/** What the global setup started, handed to every test file through vitest's provide/inject. */
declare module 'vitest' {
  export interface ProvidedContext {
    stack: LocalStack;
  }
}
