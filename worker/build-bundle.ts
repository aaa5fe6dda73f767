import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildWorkflowBundle } from './worker';

/** Pre-builds the workflow bundle for production images (set WORKFLOW_BUNDLE_PATH to use it). */
const out = path.resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, await buildWorkflowBundle());
console.log(JSON.stringify({ event: 'workflows.bundled', path: out }));
