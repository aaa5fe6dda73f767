import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { FastifyReply } from 'fastify';
import { createJob } from '../../../db/kit/jobs';
import { withTenantAdmission } from '../../../db/platform/quotas';
import { jobWorkflowId } from '../../../schemas/kit/workflow-ids';
import type { ApiDeps } from '../deps';
import { HttpError } from '../errors';
import { startOrLeaveQueued } from '../temporal-calls';
import { enforceQuota } from '../quotas';
import { startSubmittedJob, type JobKindDef, type SubmittedJobKind } from './kinds';

type JobRequest = Record<string, unknown> & { idempotencyKey?: string };

/** A kind the API submits, as its product's start route hands it over. */
export type SubmittableJobKind<P extends JobRequest> = JobKindDef<P> & { submit: SubmittedJobKind<P> };

/**
 * Records the job, then starts its workflow; a crash in between is healed by the queued-job sweep.
 * Answers 202 with the job (a repeated idempotency key: the job it made, whatever the quotas say now).
 */
export async function submitJob<P extends JobRequest>(deps: ApiDeps, reply: FastifyReply, def: SubmittableJobKind<P>, tenantId: string, params: P) {
  const { kind, submit } = def;
  const requested = await submit.requested(deps, tenantId, params);
  const id = randomUUID();
  // The checks and the job that makes them true are one admission: two parallel bulk buys can't both
  // pass a budget or a quota only one of them fits (a running bulk buy counts for what it is still to buy).
  const { job, workflowId, created } = await withTenantAdmission(deps.db, tenantId, async () => {
    // A repeat of an earlier request joins its job whatever the budget and quotas say now; a new one must fit.
    const known = params.idempotencyKey
      ? (await deps.db.query('SELECT 1 FROM jobs WHERE tenant_id = $1 AND idempotency_key = $2', [tenantId, params.idempotencyKey])).rowCount
      : 0;
    if (!known) {
      await enforceQuota(deps.db, deps.config, tenantId, 'active_jobs');
      await submit.admit?.(deps, tenantId, params, requested);
    }
    return createJob(deps.db, { id, tenantId, kind, params, requested, idempotencyKey: params.idempotencyKey ?? null, workflowId: jobWorkflowId(tenantId, id) });
  });
  if (!created && (job.kind !== kind || !isDeepStrictEqual(job.params, params))) {
    throw new HttpError(409, 'idempotency_conflict', 'idempotencyKey was already used for a different request');
  }
  if (job.status === 'queued') {
    await startOrLeaveQueued({ temporal: deps.temporal, timeoutMs: deps.runner.temporalTimeoutMs, log: reply.log }, { kind: 'job', id: job.id }, () =>
      startSubmittedJob(deps.temporal, deps.runner.taskQueue, submit, { id: job.id, tenantId, kind, params, workflowId }),
    );
  }
  return reply
    .code(202)
    .header('location', `/v1/jobs/${job.id}`)
    .header('idempotent-replayed', String(!created))
    .send(job);
}
