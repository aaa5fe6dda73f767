import { randomBytes } from 'node:crypto';
import type { Db } from '../kit/pool';
import { takeTokenSql, waitFor, type RateLimit } from './rate-limit';
import { hashApiKey, type Tenant } from './tenants';
import { withImpliedScopes, type ApiKeyScope } from '../../schemas/platform/api-keys';

/** Session tokens start with this, API keys with `tp_`: the auth plugin tells them apart by it. */
export const SESSION_TOKEN_PREFIX = 'tps_';
export const isSessionToken = (credential: string) => credential.startsWith(SESSION_TOKEN_PREFIX);

/** A console session as the API shows it: the key it acts as, and when it ends. Never the token. */
export interface SessionView {
  keyId: string;
  keyPrefix: string;
  /** The key's scopes as they are now (a session holds none of its own). */
  scopes: ApiKeyScope[];
  expiresAt: string;
}

/** Expired sessions are deleted a batch at a time as others are created: no scheduler needed, no long DELETE. */
const CLEANUP_BATCH = 500;

/**
 * Issues a session token for one of the tenant's keys, for `ttlMinutes` — but never past the key's own
 * expiry, so the expiry shown is the true one. The token is returned this once; only its hash is kept.
 */
export async function createSession(db: Db, tenantId: string, keyId: string, ttlMinutes: number): Promise<{ token: string; view: SessionView }> {
  await db.query(
    `DELETE FROM console_sessions WHERE id IN (SELECT id FROM console_sessions WHERE expires_at < now() LIMIT ${CLEANUP_BATCH})`,
  );
  const token = `${SESSION_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const { rows } = await db.query<{ key_prefix: string; scopes: ApiKeyScope[]; expires_at: Date }>(
    `WITH s AS (
       INSERT INTO console_sessions (tenant_id, api_key_id, token_hash, expires_at)
       SELECT k.tenant_id, k.id, $3, LEAST(now() + make_interval(mins => $4), COALESCE(k.expires_at, 'infinity'))
         FROM api_keys k WHERE k.id = $2 AND k.tenant_id = $1
       RETURNING api_key_id, expires_at)
     SELECT k.key_prefix, k.scopes, s.expires_at FROM s JOIN api_keys k ON k.id = s.api_key_id`,
    [tenantId, keyId, hashApiKey(token), ttlMinutes],
  );
  const r = rows[0];
  if (!r) throw new Error(`API key ${keyId} of tenant ${tenantId} vanished while its session was being created`);
  return { token, view: { keyId, keyPrefix: r.key_prefix, scopes: withImpliedScopes(r.scopes), expiresAt: r.expires_at.toISOString() } };
}

/** A session the token stands for, as the auth plugin needs it: the tenant, the key, and the session's end. */
export type SessionTenant = Tenant & { key: { id: string; scopes: string[] }; session: { id: string; expiresAt: string }; waitSeconds: number; suspended: boolean };

/**
 * The tenant, key and session a token stands for, when the session is neither expired nor revoked and its
 * key is neither: the key's scopes are read here on every request, so a session never outlives or outranks
 * its key. With a rate limit, the same statement takes a token from the tenant's bucket, as for an API key
 * (db/platform/tenants.ts findTenantByApiKey).
 */
export async function findTenantBySessionToken(db: Db, token: string, limit?: RateLimit): Promise<SessionTenant | null> {
  const lookup = `SELECT t.id, t.name, k.id AS key_id, k.scopes, t.suspended_at IS NOT NULL AS suspended, s.id AS session_id, s.expires_at,
            (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS stale
       FROM console_sessions s JOIN api_keys k ON k.id = s.api_key_id JOIN tenants t ON t.id = k.tenant_id
      WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
        AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`;
  const { rows } = await db.query<Tenant & { key_id: string; scopes: string[]; suspended: boolean; session_id: string; expires_at: Date; stale: boolean; tokens: number | null }>(
    limit
      ? `WITH k AS (${lookup}), b AS (${takeTokenSql('SELECT id, $2 - 1, clock_timestamp() FROM k', '$2', '$3')})
         SELECT k.*, (SELECT tokens FROM b) AS tokens FROM k`
      : lookup,
    limit ? [hashApiKey(token), limit.burst, limit.perSecond] : [hashApiKey(token)],
  );
  const r = rows[0];
  if (!r) return null;
  // The key is in use through its session: its last use is kept to the minute, as for the key itself.
  if (r.stale) void db.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [r.key_id]).catch(() => undefined);
  return {
    id: r.id,
    name: r.name,
    key: { id: r.key_id, scopes: r.scopes },
    session: { id: r.session_id, expiresAt: r.expires_at.toISOString() },
    suspended: r.suspended,
    waitSeconds: limit && r.tokens !== null ? waitFor(r.tokens, limit) : 0,
  };
}

/** Ends a session at once (sign-out): it is refused from the next request on, and deleted with the expired ones. */
export async function revokeSession(db: Db, tenantId: string, sessionId: string): Promise<{ revokedAt: string } | null> {
  const { rows } = await db.query<{ revoked_at: Date }>(
    `UPDATE console_sessions SET revoked_at = COALESCE(revoked_at, now()), expires_at = LEAST(expires_at, now())
      WHERE id = $1 AND tenant_id = $2 RETURNING revoked_at`,
    [sessionId, tenantId],
  );
  return rows[0] ? { revokedAt: rows[0].revoked_at.toISOString() } : null;
}
