import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { expect, it } from 'vitest';
import { repoRoot } from '../../dev/processes';
import { stack } from '../helpers/stack';

const dir = path.join(repoRoot, 'test', 'replay', 'histories');

/**
 * Recorded histories (RECORD_HISTORIES=1 npm test) replayed through today's workflow code: a change
 * that would break running workflows (non-determinism) fails here. Use patched() for such changes.
 */
it('replays every recorded history through the current workflow code', async () => {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  expect(files.length).toBeGreaterThanOrEqual(12);
  const code = await readFile(stack.bundlePath, 'utf8');
  const histories = await Promise.all(
    files.map(async (f) => {
      const saved = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as { workflowId: string; history: unknown };
      return { workflowId: saved.workflowId, history: historyFromJSON(saved.history) };
    }),
  );
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code } }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
});
