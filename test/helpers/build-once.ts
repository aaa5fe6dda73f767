import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildWorkflowBundle } from '../../worker/worker';

/**
 * The workflow bundle for a test run: the one `npm test` built once (WORKFLOW_BUNDLE_PATH), or, for a
 * run of single files, a fresh one — never a cached file that could be older than the workflows' code.
 * The variable is set for everything started after this (stacks, workers).
 */
export async function workflowBundleForRun(): Promise<string> {
  if (!process.env.WORKFLOW_BUNDLE_PATH) {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'twilio-pro-bundle-')), 'workflow-bundle.js');
    await writeFile(file, await buildWorkflowBundle());
    process.env.WORKFLOW_BUNDLE_PATH = file;
  }
  return process.env.WORKFLOW_BUNDLE_PATH;
}
