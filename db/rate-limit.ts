import type { Db } from './pool';

/**
 * Takes one request from the tenant's token bucket (`perSecond` refill, `burst` capacity), in one
 * statement every API process shares. Returns how many seconds to wait when the bucket is empty, else 0.
 */
export async function takeRequestToken(db: Db, tenantId: string, limit: { perSecond: number; burst: number }): Promise<number> {
  const { rows } = await db.query<{ tokens: number }>(
    `INSERT INTO api_rate_buckets AS b (tenant_id, tokens, updated_at) VALUES ($1, $2 - 1, clock_timestamp())
     ON CONFLICT (tenant_id) DO UPDATE SET
       tokens = GREATEST(-1, LEAST($2, b.tokens + extract(epoch FROM clock_timestamp() - b.updated_at) * $3) - 1),
       updated_at = clock_timestamp()
     RETURNING tokens`,
    [tenantId, limit.burst, limit.perSecond],
  );
  const tokens = rows[0]!.tokens;
  return tokens >= 0 ? 0 : Math.max(1, Math.ceil(-tokens / limit.perSecond));
}
