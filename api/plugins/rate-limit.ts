import type { FastifyInstance } from 'fastify';
import type { Db } from '../../db/pool';
import { takeRequestToken } from '../../db/rate-limit';
import { HttpError } from '../errors';

/**
 * Each tenant's request rate on the API, across every API process (the bucket is in PostgreSQL):
 * over it, a 429 with Retry-After. Runs after authentication, which names the tenant.
 */
export function registerRateLimit(app: FastifyInstance, db: Db, limit: { perSecond: number; burst: number }) {
  app.addHook('onRequest', async (req, reply) => {
    const wait = await takeRequestToken(db, req.tenant.id, limit);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new HttpError(429, 'rate_limited', `this tenant is over ${limit.perSecond} requests a second (burst ${limit.burst}); retry after ${wait} s`);
    }
  });
}
