import type { Db } from '../kit/pool';
import type { KeyRing } from '../../config/key-ring';
import { SecretBox, UnopenableSecretError, type SecretKind } from './secrets';

/** Every column that holds sealed values, with the kind they are sealed as. */
const STORES = [
  { name: 'sipPasswords', kind: 'sip-password', table: 'sip_secrets', column: 'ciphertext' },
  { name: 'webhookSecrets', kind: 'webhook-secret', table: 'webhook_endpoints', column: 'secret_box' },
  { name: 'twilioCredentials', kind: 'twilio-credential', table: 'tenant_twilio_bindings', column: 'credentials_box', id: 'tenant_id' },
  { name: 'previousTwilioTokens', kind: 'twilio-credential', table: 'tenant_twilio_bindings', column: 'previous_credentials_box', id: 'tenant_id' },
] as const satisfies readonly { name: string; kind: SecretKind; table: string; column: string; id?: string }[];

type StoreName = (typeof STORES)[number]['name'];

export interface StoreRotation {
  /** Values now sealed under the current key. */
  resealed: number;
  /** Values no key of the ring opens: left as they are, with the reason (rotation goes on with the rest). */
  unopenable: { id: string; reason: string }[];
  /** Values changed or wiped while this batch was re-sealed: left to the next run. */
  changedMeanwhile: number;
}

export type RotationReport = { currentKeyId: string } & Record<StoreName, StoreRotation>;

/**
 * Re-seals every stored secret that is not under the ring's current key, in batches of `batchSize` rows
 * (keyset pages by id, so each batch is a short query and an unopenable row is passed, not retried).
 * Idempotent: a second run finds nothing to do. A value is replaced only if it is still the one that was
 * read, so a secret written or wiped meanwhile is never overwritten with an older one.
 */
export async function rotateSecrets(db: Db, ring: KeyRing, opts: { batchSize?: number } = {}): Promise<RotationReport> {
  const report = { currentKeyId: ring.current.id } as RotationReport;
  for (const store of STORES) report[store.name] = await rotateStore(db, SecretBox.of(ring, store.kind), store, opts.batchSize ?? 500);
  return report;
}

async function rotateStore(db: Db, box: SecretBox, store: (typeof STORES)[number], batchSize: number): Promise<StoreRotation> {
  const result: StoreRotation = { resealed: 0, unopenable: [], changedMeanwhile: 0 };
  const currentPrefix = `v2.${box.ring.current.id}.`;
  // The row's uuid key: `id`, or the store's own (a binding is keyed by its tenant).
  const id = 'id' in store ? store.id : 'id';
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await db.query<{ id: string; sealed: string }>(
      `SELECT ${id}::text AS id, ${store.column} AS sealed FROM ${store.table}
        WHERE ${id} > $1::uuid AND ${store.column} IS NOT NULL AND NOT starts_with(${store.column}, $2)
        ORDER BY ${id} LIMIT $3`,
      [after, currentPrefix, batchSize],
    );
    if (!rows.length) return result;
    after = rows.at(-1)!.id;
    const batch = resealBatch(box, rows, result);
    if (!batch.ids.length) continue;
    const { rowCount } = await db.query(
      `UPDATE ${store.table} t SET ${store.column} = v.resealed
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, sealed, resealed)
        WHERE t.${id} = v.id AND t.${store.column} = v.sealed`,
      [batch.ids, batch.sealed, batch.resealed],
    );
    result.resealed += rowCount ?? 0;
    result.changedMeanwhile += batch.ids.length - (rowCount ?? 0);
  }
}

/** Opens each value with any key of the ring and seals it under the current one; unopenable ones are reported. */
function resealBatch(box: SecretBox, rows: { id: string; sealed: string }[], result: StoreRotation) {
  const batch = { ids: [] as string[], sealed: [] as string[], resealed: [] as string[] };
  for (const row of rows) {
    try {
      batch.resealed.push(box.seal(box.open(row.sealed)));
      batch.ids.push(row.id);
      batch.sealed.push(row.sealed);
    } catch (err) {
      if (!(err instanceof UnopenableSecretError)) throw err;
      result.unopenable.push({ id: row.id, reason: err.message });
    }
  }
  return batch;
}

export type SecretsStatus = {
  currentKeyId: string;
  ring: string[];
  /** Key ids values are sealed under that this ring does not hold: rotate before dropping a key, never after. */
  missingKeyIds: string[];
} & Record<StoreName, Record<string, number>>;

/** How many stored values are sealed under each key id (`v1` for the format before key ids). */
export async function secretsStatus(db: Db, ring: KeyRing): Promise<SecretsStatus> {
  const ids = ring.keys.map((k) => k.id);
  const status = { currentKeyId: ring.current.id, ring: ids, missingKeyIds: [] as string[] } as SecretsStatus;
  const missing = new Set<string>();
  for (const store of STORES) {
    const { rows } = await db.query<{ key_id: string; n: number }>(
      `SELECT CASE split_part(${store.column}, '.', 1) WHEN 'v2' THEN split_part(${store.column}, '.', 2) WHEN 'v1' THEN 'v1' ELSE 'unknown' END AS key_id,
              count(*)::int AS n
         FROM ${store.table} WHERE ${store.column} IS NOT NULL GROUP BY 1 ORDER BY 1`,
    );
    status[store.name] = Object.fromEntries(rows.map((r) => [r.key_id, r.n]));
    for (const r of rows) if (r.key_id !== 'v1' && !ids.includes(r.key_id)) missing.add(r.key_id);
  }
  status.missingKeyIds = [...missing];
  return status;
}
