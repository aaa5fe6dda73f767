import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { referencePages, staleReferencePages } from '../../../dev/generate-reference-docs';
import { EVENT_TYPES } from '../../../db/platform/webhooks';
import { webhookEvents, type WebhookEventType } from '../../../schemas/platform/webhook-events';
import type { A2pStatus, A2pStep } from '../../../schemas/a2p/workflow';
import { ConfigSchema } from '../../../config/env';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('generated reference pages (docs/reference)', () => {
  it('the checked-in pages are what the generator writes from the code (npm run docs:generate)', async () => {
    expect(await staleReferencePages(root)).toEqual([]);
  });

  it('the check names a page that differs from the code, and a missing one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'reference-docs-'));
    try {
      const pages = Object.entries(referencePages());
      for (const [file, text] of pages) {
        await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
        await writeFile(path.join(dir, file), text);
      }
      const [edited, edits] = [pages[1]![0], pages[1]![1].replace('| `DATABASE_URL` |', '| `DATABASE_URI` |')];
      await writeFile(path.join(dir, edited), edits);
      await rm(path.join(dir, pages[3]![0]));
      const stale = await staleReferencePages(dir);
      expect(stale.map((s) => s.file)).toEqual([edited, pages[3]![0]]);
      expect(stale[0]!.found).toContain('DATABASE_URI');
      expect(stale[1]!.found).toBe('(missing file)');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('every setting of the config schema is on the configuration page, with its description', () => {
    const page = referencePages()['docs/reference/configuration.md']!;
    for (const name of Object.keys(ConfigSchema.shape)) {
      const description = (ConfigSchema.shape as Record<string, z.ZodType>)[name]!.description;
      expect(description, name).toBeTruthy();
      expect(page, name).toContain(`| \`${name}\` |`);
    }
  });
});

/**
 * The payloads are built by PostgreSQL triggers; the schemas the page is generated from must name the same
 * event types as the API accepts and the same fields as the triggers build. Each function's newest
 * definition (migrations in order) is the one that runs.
 */
async function triggerPayloadFields(): Promise<Map<string, string[]>> {
  const dir = path.join(root, 'db/migrations');
  const bodies = new Map<string, string>();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()) {
    const sql = await readFile(path.join(dir, file), 'utf8');
    for (const m of sql.matchAll(/CREATE (?:OR REPLACE )?FUNCTION (\w+)\([^)]*\)[^$]*\$\$([\s\S]*?)\$\$/g)) bodies.set(m[1]!, m[2]!);
  }
  const fields = new Map<string, string[]>();
  for (const body of bodies.values()) {
    for (const call of body.matchAll(/enqueue_tenant_event\(\s*NEW\.tenant_id\s*,\s*([\s\S]*?),\s*jsonb_build_object\(([\s\S]*?)\)\s*\)\s*;/g)) {
      const keys = [...call[2]!.matchAll(/'(\w+)'\s*,/g)].map((k) => k[1]!);
      for (const literal of call[1]!.matchAll(/'([a-z_]+\.[a-z_]*)'/g)) {
        const named = literal[1]!.endsWith('_') ? EVENT_TYPES.filter((t) => t.startsWith(literal[1]!)) : [literal[1]!];
        for (const type of named) fields.set(type, keys);
      }
    }
  }
  return fields;
}

describe('webhook event schemas (schemas/platform/webhook-events.ts)', () => {
  it('describe exactly the event types endpoints subscribe to', () => {
    expect(Object.keys(webhookEvents).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('have the fields the PostgreSQL triggers put in each payload', async () => {
    const fromTriggers = await triggerPayloadFields();
    expect([...fromTriggers.keys()].sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) {
      const schemaFields = Object.keys(webhookEvents[type as WebhookEventType].data.shape);
      expect(schemaFields.sort(), type).toEqual([...fromTriggers.get(type)!].sort());
    }
  });

  it('use the A2P registration statuses and steps the workflow records', () => {
    // Compile-time: the enums are A2pStatus and A2pStep exactly (npx tsc fails otherwise).
    type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
    const data = webhookEvents['registration.status_changed'].data.shape;
    const status: Same<z.infer<typeof data.status>, A2pStatus> = true;
    const step: Same<z.infer<typeof data.step>, A2pStep> = true;
    expect([status, step]).toEqual([true, true]);
  });
});
