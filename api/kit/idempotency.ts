import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { claimIdempotencyKey } from '../../db/kit/idempotency';
import type { Db } from '../../db/kit/pool';
import { HttpError } from './errors';

/**
 * The request's Idempotency-Key (a fresh one when it sent none). A key already used on this endpoint for
 * a different request is a 409 `idempotency_conflict`, as for jobs: never the first request's answer.
 */
export async function idempotencyKeyOf(db: Db, req: FastifyRequest, scope: string): Promise<string> {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || !key) return randomUUID();
  if (!(await claimIdempotencyKey(db, { tenantId: req.tenant.id, scope, key, request: req.body }))) {
    throw new HttpError(409, 'idempotency_conflict', 'Idempotency-Key was already used for a different request');
  }
  return key;
}

/** Whether the request's Idempotency-Key was used on this endpoint before (a repeat joins the first request). */
export async function isRepeat(db: Db, req: FastifyRequest, scope: string): Promise<boolean> {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || !key) return false;
  const { rowCount } = await db.query('SELECT 1 FROM idempotency_keys WHERE tenant_id = $1 AND scope = $2 AND key = $3', [req.tenant.id, scope, key]);
  return Boolean(rowCount);
}
