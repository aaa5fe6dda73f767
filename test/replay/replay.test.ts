import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { expect, it } from 'vitest';
import { repoRoot } from '../../dev/processes';
import { replayDataConverter } from '../fixtures/replay-keys';
import { sealedUnderKeyIds } from '../helpers/record-history';
import { readWorkflowBundle } from '../helpers/workflow-bundle';

const dir = path.join(repoRoot, 'test', 'replay', 'histories');
/** Recordings of paths deleted after their `deprecatePatch` (docs/operations/upgrading-workflows.md). */
const retiredDir = path.join(repoRoot, 'test', 'replay', 'retired');

async function savedHistories(filter: (file: string) => boolean, from = dir) {
  const files = (await readdir(from)).filter((f) => f.endsWith('.json') && filter(f)).sort();
  return Promise.all(
    files.map(async (f) => {
      const saved = JSON.parse(await readFile(path.join(from, f), 'utf8')) as { workflowId: string; history: unknown };
      return { file: f, workflowId: saved.workflowId, json: saved.history, history: historyFromJSON(saved.history) };
    }),
  );
}

async function replayFailures(histories: Awaited<ReturnType<typeof savedHistories>>, options: Partial<Parameters<typeof Worker.runReplayHistories>[0]>) {
  const code = await readWorkflowBundle();
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code }, ...options }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return failures;
}

/**
 * Recorded histories (RECORD_HISTORIES=1 npm test) replayed through today's workflow code: a change
 * that would break running workflows (non-determinism) fails here. Use patched() for such changes.
 * Histories recorded before payloads were sealed and `*.encoded.json` ones (sealed under the replay fixture
 * key) replay through the same data converter as the service's: the codec opens sealed payloads and passes
 * clear ones through, as a worker does during the upgrade.
 */
it('replays every recorded history, clear and encoded, through the current workflow code', async () => {
  const histories = await savedHistories(() => true);
  expect(histories.length).toBeGreaterThanOrEqual(12);
  const encoded = histories.filter((h) => h.file.endsWith('.encoded.json'));
  expect(encoded.length).toBeGreaterThanOrEqual(2);
  // What the name says: every encoded recording holds sealed payloads, and the clear ones none.
  for (const h of encoded) expect(sealedUnderKeyIds(h.json), h.file).not.toEqual([]);
  for (const h of histories.filter((x) => !encoded.includes(x))) expect(sealedUnderKeyIds(h.json), h.file).toEqual([]);
  expect(await replayFailures(histories, { dataConverter: replayDataConverter() })).toEqual([]);
});

it('an encoded history does not replay without the codec: its payloads really are sealed', async () => {
  const [one] = await savedHistories((f) => f.endsWith('.encoded.json'));
  const failures = await replayFailures([one!], {});
  expect(failures).toEqual([expect.stringContaining('Unknown encoding: binary/encrypted')]);
});

it('every retired recording really no longer replays: its path was deleted, not a failure hidden', async () => {
  const retired = await savedHistories(() => true, retiredDir);
  expect(retired.length).toBeGreaterThan(0);
  const failures = await replayFailures(retired, { dataConverter: replayDataConverter() });
  expect(failures).toHaveLength(retired.length);
  for (const f of failures) expect(f).toMatch(/nondeterminism/i);
});
