export interface RateLimit {
  perSecond: number;
  burst: number;
}

/**
 * Takes one request from a tenant's token bucket (`perSecond` refill, `burst` capacity): an INSERT … ON
 * CONFLICT every API process shares. `source` gives the row (tenant id, burst - 1, now); `burst` and `rate`
 * name the bind parameters holding them. Returns the tokens left (negative: refused).
 */
export const takeTokenSql = (source: string, burst: string, rate: string) => `
  INSERT INTO api_rate_buckets AS b (tenant_id, tokens, updated_at) ${source}
  ON CONFLICT (tenant_id) DO UPDATE SET
    tokens = GREATEST(-1, LEAST(${burst}, b.tokens + extract(epoch FROM clock_timestamp() - b.updated_at) * ${rate}) - 1),
    updated_at = clock_timestamp()
  RETURNING tokens`;

/**
 * Seconds to wait before a request is served again; 0 when this request got one. `tokens` is what is left
 * after this refused request took its share (down to -1): the next one needs a whole token, so 1 - tokens.
 */
export const waitFor = (tokens: number, limit: RateLimit) => (tokens >= 0 ? 0 : Math.max(1, Math.ceil((1 - tokens) / limit.perSecond)));
