import type { FastifyRequest } from 'fastify';
import { recordControlPlaneChange } from '../../db/platform/audit';
import type { Db } from '../../db/kit/pool';

/**
 * Puts a change this request made to the tenant's own setup (keys, webhook endpoints, budget, hygiene
 * policy) in the audit trail, with the key that made it; called once the change has taken effect.
 * `params` says what changed and must hold no secret.
 */
export function auditChange(db: Db, req: FastifyRequest, action: string, httpStatus: number, params: Record<string, unknown> = {}) {
  return recordControlPlaneChange(db, {
    tenantId: req.tenant.id,
    actorKeyId: req.apiKey.id,
    action,
    httpStatus,
    summary: { method: req.method, path: req.url.split('?')[0]!, params },
  });
}
