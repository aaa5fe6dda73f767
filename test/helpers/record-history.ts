import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../config/temporal-payload-codec';
import { repoRoot } from '../../dev/processes';
import { replayFixtureRing } from '../fixtures/replay-keys';

/**
 * With RECORD_HISTORIES=1, saves a finished workflow's history under test/replay/histories, where
 * the replay test runs every saved history through the current workflow code. Recordings are append-only:
 * an existing file is never written over (it is what older workers really wrote). A history whose payloads
 * are sealed is saved as `<name>.encoded.json`, and only when sealed under the replay fixture key, which the
 * replay test holds (test/fixtures/replay-keys.ts); a history sealed under a stack's throw-away key could
 * never be replayed.
 */
export async function recordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await handle.fetchHistory();
  const json = historyToJSON(history);
  const keyIds = sealedUnderKeyIds(JSON.parse(json));
  const fixtureIds = replayFixtureRing().keys.map((k) => k.id);
  const foreign = keyIds.filter((id) => !fixtureIds.includes(id));
  if (foreign.length) {
    throw new Error(`${name}: sealed under key ${foreign.join(', ')}, not the replay fixture key: run its API and worker with SECRETS_KEYS=REPLAY_FIXTURE_KEYS`);
  }
  // The workflow id is kept with the history: ids derived from it (child workflows) must replay the same.
  const file = { workflowId: handle.workflowId, history: JSON.parse(json) as unknown };
  const fileName = `${name}${keyIds.length ? '.encoded' : ''}.json`;
  try {
    await writeFile(path.join(repoRoot, 'test', 'replay', 'histories', fileName), JSON.stringify(file), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** The key ids of the sealed payloads in a history (proto JSON: metadata values are base64). */
export function sealedUnderKeyIds(historyJson: unknown): string[] {
  const ids = new Set<string>();
  const encoding = Buffer.from(ENCRYPTED_ENCODING).toString('base64');
  const walk = (v: unknown) => {
    if (!v || typeof v !== 'object') return;
    const metadata = (v as { metadata?: Record<string, string> }).metadata;
    if (metadata?.encoding === encoding && metadata[KEY_ID_METADATA]) ids.add(Buffer.from(metadata[KEY_ID_METADATA], 'base64').toString('utf8'));
    for (const child of Object.values(v)) walk(child);
  };
  walk(historyJson);
  return [...ids];
}
