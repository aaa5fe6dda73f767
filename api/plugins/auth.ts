import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimit } from '../../db/rate-limit';
import { findTenantByApiKey, type Tenant } from '../../db/tenants';
import type { Db } from '../../db/pool';
import { HttpError } from '../errors';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: Tenant;
    /** The API key the request came with: its id and scopes. */
    apiKey: { id: string; scopes: string[] };
  }
}

/**
 * Every /v1 call names its tenant with `Authorization: Bearer <api key>`. With a rate limit, each tenant's
 * requests (across every API process: the bucket is in PostgreSQL) beyond it are a 429 with Retry-After;
 * the key's lookup and the bucket's token are one statement.
 */
export function registerAuth(app: FastifyInstance, db: Db, limit?: RateLimit) {
  app.decorateRequest('tenant', null as unknown as Tenant);
  app.decorateRequest('apiKey', null as unknown as { id: string; scopes: string[] });
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new HttpError(401, 'unauthorized', 'missing Authorization: Bearer <api key> header');
    const tenant = await findTenantByApiKey(db, match[1]!, limit);
    if (!tenant) throw new HttpError(401, 'unauthorized', 'invalid API key');
    req.tenant = { id: tenant.id, name: tenant.name };
    req.apiKey = tenant.key;
    if (tenant.waitSeconds > 0 && limit) {
      reply.header('retry-after', String(tenant.waitSeconds));
      throw new HttpError(429, 'rate_limited', `this tenant is over ${limit.perSecond} requests a second (burst ${limit.burst}); retry after ${tenant.waitSeconds} s`);
    }
  });
}

/** A 403 unless the request's API key has the admin scope; `what` says what needed it. */
export function requireAdmin(req: FastifyRequest, what: string) {
  if (!req.apiKey.scopes.includes('admin')) throw new HttpError(403, 'forbidden', `${what} needs an API key with the admin scope`);
}
