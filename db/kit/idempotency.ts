import { createHash } from 'node:crypto';
import type { Db } from './pool';

/** JSON with object keys sorted, so the same request always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Records what an Idempotency-Key is used for the first time; false when the key was used before for a
 * different request (the caller answers 409 idempotency_conflict).
 */
export async function claimIdempotencyKey(db: Db, p: { tenantId: string; scope: string; key: string; request: unknown }): Promise<boolean> {
  const hash = createHash('sha256').update(canonical(p.request)).digest('hex');
  const { rows } = await db.query<{ request_hash: string }>(
    `WITH mine AS (
       INSERT INTO idempotency_keys (tenant_id, scope, key, request_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, scope, key) DO NOTHING RETURNING request_hash)
     SELECT request_hash FROM mine
     UNION ALL SELECT request_hash FROM idempotency_keys WHERE tenant_id = $1 AND scope = $2 AND key = $3
     LIMIT 1`,
    [p.tenantId, p.scope, p.key, hash],
  );
  // A concurrent first use of the key committed after this statement's snapshot: read it afresh.
  const stored = rows[0]?.request_hash ?? (
    await db.query<{ request_hash: string }>('SELECT request_hash FROM idempotency_keys WHERE tenant_id = $1 AND scope = $2 AND key = $3', [p.tenantId, p.scope, p.key])
  ).rows[0]?.request_hash;
  return stored === hash;
}
