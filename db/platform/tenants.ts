import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../kit/pool';
import { takeTokenSql, waitFor, type RateLimit } from './rate-limit';
import { withImpliedScopes, type ApiKeyScope } from '../../schemas/platform/api-keys';

export interface Tenant {
  id: string;
  name: string;
}

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** Creates a tenant with a fresh API key; the key is returned once and only its hash is kept. */
export async function createTenant(db: Db, name: string): Promise<{ tenant: Tenant; apiKey: string }> {
  const apiKey = `tp_${randomBytes(24).toString('base64url')}`;
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<Tenant>(
      'INSERT INTO tenants (name) VALUES ($1) RETURNING id, name',
      [name],
    );
    const tenant = rows[0]!;
    // The tenant's first key may do everything, issuing the tenant's other keys included (the admin scope).
    await client.query(`INSERT INTO api_keys (tenant_id, key_hash, key_prefix, name, scopes) VALUES ($1, $2, $3, 'initial', $4)`, [
      tenant.id,
      hashApiKey(apiKey),
      apiKey.slice(0, 7),
      withImpliedScopes(['admin']),
    ]);
    await client.query('COMMIT');
    return { tenant, apiKey };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * The key's tenant and the key itself (id, scopes), when the key exists, is not revoked and has not
 * expired. With a rate limit, the same statement takes a token from the tenant's bucket (one round trip
 * for both on every request): `waitSeconds` is then how long the tenant must wait, 0 when this request
 * may go on.
 */
export async function findTenantByApiKey(
  db: Db,
  apiKey: string,
  limit?: RateLimit,
): Promise<(Tenant & { key: { id: string; scopes: string[] }; waitSeconds: number; suspended: boolean }) | null> {
  const lookup = `SELECT t.id, t.name, k.id AS key_id, k.scopes, t.suspended_at IS NOT NULL AS suspended,
            (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS stale
       FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
      WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`;
  const { rows } = await db.query<Tenant & { key_id: string; scopes: string[]; suspended: boolean; stale: boolean; tokens: number | null }>(
    limit
      ? `WITH k AS (${lookup}), b AS (${takeTokenSql('SELECT id, $2 - 1, clock_timestamp() FROM k', '$2', '$3')})
         SELECT k.*, (SELECT tokens FROM b) AS tokens FROM k`
      : `${lookup}`,
    limit ? [hashApiKey(apiKey), limit.burst, limit.perSecond] : [hashApiKey(apiKey)],
  );
  const r = rows[0];
  if (!r) return null;
  // Last use to the minute, written off the request's path (one write a minute per key, not per call).
  if (r.stale) void db.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [r.key_id]).catch(() => undefined);
  return { id: r.id, name: r.name, key: { id: r.key_id, scopes: r.scopes }, suspended: r.suspended, waitSeconds: limit && r.tokens !== null ? waitFor(r.tokens, limit) : 0 };
}

export async function findTenantByName(db: Db, name: string): Promise<Tenant | null> {
  const { rows } = await db.query<Tenant>('SELECT id, name FROM tenants WHERE name = $1', [name]);
  return rows[0] ?? null;
}

export interface ApiKeyView {
  id: string;
  name: string | null;
  prefix: string;
  /** Every scope the key holds, the implied ones included (see schemas/platform/api-keys.ts). */
  scopes: ApiKeyScope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  expiresAt: string | null;
}

interface ApiKeyRow {
  id: string;
  name: string | null;
  key_prefix: string;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  expires_at: Date | null;
}
const keyColumns = 'id, name, key_prefix, scopes, created_at, last_used_at, revoked_at, expires_at';
const toKeyView = (r: ApiKeyRow): ApiKeyView => ({
  id: r.id,
  name: r.name,
  prefix: r.key_prefix,
  scopes: withImpliedScopes(r.scopes as ApiKeyScope[]),
  createdAt: r.created_at.toISOString(),
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
  revokedAt: r.revoked_at?.toISOString() ?? null,
  expiresAt: r.expires_at?.toISOString() ?? null,
});

export interface NewApiKey {
  name?: string | null;
  /** What the key may do; the implied scopes are added (["spend"] is stored as read, write, spend). */
  scopes: ApiKeyScope[];
  /** ISO 8601; null or omitted: the key never expires. */
  expiresAt?: string | null;
}

/** Issues another API key for a tenant (admin unless told otherwise: the operator's own); returned this once. */
export async function addApiKey(db: Db, tenantId: string, opts: NewApiKey = { scopes: ['admin'] }): Promise<string> {
  return (await issueApiKey(db, tenantId, opts)).apiKey;
}

/** Issues an API key with exactly the scopes asked for (and those they imply); only its hash is kept. */
export async function issueApiKey(db: Db, tenantId: string, opts: NewApiKey): Promise<{ apiKey: string; view: ApiKeyView }> {
  const apiKey = `tp_${randomBytes(24).toString('base64url')}`;
  const { rows } = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (tenant_id, key_hash, key_prefix, name, scopes, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${keyColumns}`,
    [tenantId, hashApiKey(apiKey), apiKey.slice(0, 7), opts.name ?? null, withImpliedScopes(opts.scopes), opts.expiresAt ?? null],
  );
  return { apiKey, view: toKeyView(rows[0]!) };
}

/** One of the tenant's keys by id (the calling key's own view), or null. */
export async function getApiKey(db: Db, tenantId: string, keyId: string): Promise<ApiKeyView | null> {
  const { rows } = await db.query<ApiKeyRow>(`SELECT ${keyColumns} FROM api_keys WHERE id = $1 AND tenant_id = $2`, [keyId, tenantId]);
  return rows[0] ? toKeyView(rows[0]) : null;
}

/** The tenant's keys, newest first: prefix, scopes and last use, never the key. */
export async function listApiKeys(db: Db, tenantId: string): Promise<ApiKeyView[]> {
  const { rows } = await db.query<ApiKeyRow>(`SELECT ${keyColumns} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC`, [tenantId]);
  return rows.map(toKeyView);
}

export class LastAdminKeyError extends Error {}

/**
 * Revokes one of the tenant's keys; it stops working on the next request. The tenant's last active
 * admin key can't be revoked (nobody could manage keys any more). Null when the tenant has no such key.
 */
export async function revokeApiKey(db: Db, tenantId: string, keyId: string): Promise<ApiKeyView | null> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    // Revocations of one tenant's keys queue here, so two can't each leave the other as the last admin.
    await client.query('SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE', [tenantId]);
    const { rows } = await client.query<ApiKeyRow>(`SELECT ${keyColumns} FROM api_keys WHERE id = $1 AND tenant_id = $2`, [keyId, tenantId]);
    const key = rows[0];
    if (!key) {
      await client.query('ROLLBACK');
      return null;
    }
    const live = !key.revoked_at && (!key.expires_at || key.expires_at.getTime() > Date.now());
    if (live && key.scopes.includes('admin')) {
      // An expired admin key manages nothing: only live ones count.
      const { rows: admins } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM api_keys
          WHERE tenant_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) AND 'admin' = ANY(scopes)`,
        [tenantId],
      );
      if (admins[0]!.n <= 1) throw new LastAdminKeyError('this is the last admin key of the tenant; issue another admin key first');
    }
    const { rows: revoked } = await client.query<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${keyColumns}`,
      [keyId],
    );
    await client.query('COMMIT');
    return toKeyView(revoked[0]!);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
