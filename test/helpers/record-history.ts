import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { repoRoot } from '../../dev/processes';

/**
 * With RECORD_HISTORIES=1, saves a finished workflow's history under test/replay/histories, where
 * the replay test runs every saved history through the current workflow code.
 */
export async function recordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await handle.fetchHistory();
  // The workflow id is kept with the history: ids derived from it (child workflows) must replay the same.
  const file = { workflowId: handle.workflowId, history: JSON.parse(historyToJSON(history)) as unknown };
  await writeFile(path.join(repoRoot, 'test', 'replay', 'histories', `${name}.json`), JSON.stringify(file));
}
