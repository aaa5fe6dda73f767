import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import './stack-info';

/** The workflow bundle built once for the whole run by the global setup, so files need no stack just to read it. */
export const readWorkflowBundle = (): Promise<string> => readFile(inject('workflowBundlePath'), 'utf8');
