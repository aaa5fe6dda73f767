import type { Db } from '../kit/pool';
import { waitFor, type RateLimit } from './rate-limit';

/**
 * Takes a token from the client address's bucket of failed authentications (every API process shares
 * it). Returns the seconds to wait before another failure is answered as a 401: 0 while there are tokens.
 */
export async function recordAuthFailure(db: Db, address: string, limit: RateLimit): Promise<number> {
  const { rows } = await db.query<{ tokens: number }>(
    `INSERT INTO auth_failure_buckets AS b (address, tokens, updated_at) VALUES ($1, $2 - 1, clock_timestamp())
     ON CONFLICT (address) DO UPDATE SET
       tokens = GREATEST(-1, LEAST($2, b.tokens + extract(epoch FROM clock_timestamp() - b.updated_at) * $3) - 1),
       updated_at = clock_timestamp()
     RETURNING tokens`,
    [address.slice(0, 64), limit.burst, limit.perSecond],
  );
  return waitFor(rows[0]!.tokens, limit);
}
