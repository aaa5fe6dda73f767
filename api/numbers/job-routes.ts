import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { WorkflowNotFoundError } from '@temporalio/client';
import { cancelUnstartedJob, createJob, getJob, isFinished, listJobItems, listJobs, markJobCancelling } from '../../db/kit/jobs';
import { ErrorBody } from '../../schemas/kit/common';
import { bulkBuyRequestSchema, bulkReleaseRequestSchema } from '../../schemas/numbers/bulk-jobs';
import { bulkLookupRequestSchema } from '../../schemas/lookups/bulk-lookup';
import {
  ItemStatus,
  Job,
  JobItem,
  JobParams,
  ListJobsQuery,
  type JobKind,
} from '../../schemas/kit/jobs';
import { jobWorkflowId } from '../../schemas/kit/workflow-ids';
import { cancelJobSignal } from '../../workflows/kit/job-signals';
import type { ApiDeps } from '../app';
import { startOrLeaveQueued, boundedTemporalCall } from '../kit/temporal-calls';
import { HttpError, notFound } from '../kit/errors';
import { startJobWorkflow } from '../kit/workflow-runner';
import { checkBudget } from '../platform/costs';
import { enforceQuota } from '../platform/quotas';
import { withTenantAdmission } from '../../db/platform/quotas';
import { lookupPricesFromConfig } from '../../compliance/lookups/prices';
import type { LookupField } from '../../schemas/lookups/lookups';

const JobPage = z.object({ data: z.array(Job), nextCursor: z.string().nullable() });

/** Seed actions bulk_buy and bulk_release as durable jobs, plus job status, items and cancel. */
export const jobsRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  /** A new job must fit the tenant's quotas (jobs at once; numbers, for a bulk buy) and its budget. */
  async function admit(tenantId: string, kind: JobKind, params: Record<string, unknown>, requested: number) {
    await enforceQuota(deps.db, deps.config, tenantId, 'active_jobs');
    if (kind === 'bulk_buy') {
      await enforceQuota(deps.db, deps.config, tenantId, 'numbers', requested);
      await checkBudget(deps.db, tenantId, requested * deps.config.NUMBER_MONTHLY_USD, deps.config.NUMBER_MONTHLY_USD, `buying ${requested} numbers`);
    }
    if (kind === 'bulk_lookup') {
      // At most what every package costs for every number, if none is cached.
      const prices = lookupPricesFromConfig(deps.config);
      const most = requested * (params.fields as LookupField[]).reduce((sum, f) => sum + prices[f], 0);
      if (most > 0) await checkBudget(deps.db, tenantId, most, 0, `looking up ${requested} numbers`);
    }
  }

  /** Records the job, then starts its workflow; a crash in between is healed by the queued-job sweep. */
  async function submit(
    reply: FastifyReply,
    tenantId: string,
    kind: JobKind,
    params: Record<string, unknown> & { idempotencyKey?: string },
    requested: number,
  ) {
    const id = randomUUID();
    // The checks and the job that makes them true are one admission: two parallel bulk buys can't both
    // pass a budget or a quota only one of them fits (a running bulk buy counts for what it is still to buy).
    const { job, workflowId, created } = await withTenantAdmission(deps.db, tenantId, async () => {
      // A repeat of an earlier request joins its job whatever the budget and quotas say now; a new one must fit.
      const known = params.idempotencyKey
        ? (await deps.db.query('SELECT 1 FROM jobs WHERE tenant_id = $1 AND idempotency_key = $2', [tenantId, params.idempotencyKey])).rowCount
        : 0;
      if (!known) await admit(tenantId, kind, params, requested);
      return createJob(deps.db, { id, tenantId, kind, params, requested, idempotencyKey: params.idempotencyKey ?? null, workflowId: jobWorkflowId(tenantId, id) });
    });
    if (!created && (job.kind !== kind || !isDeepStrictEqual(job.params, params))) {
      throw new HttpError(409, 'idempotency_conflict', 'idempotencyKey was already used for a different request');
    }
    if (job.status === 'queued') {
      await startOrLeaveQueued({ temporal: deps.temporal, timeoutMs: deps.runner.temporalTimeoutMs, log: reply.log }, { kind: 'job', id: job.id }, () =>
        startJobWorkflow(deps.temporal, deps.runner.taskQueue, { id: job.id, tenantId, kind, params, workflowId }),
      );
    }
    return reply
      .code(202)
      .header('location', `/v1/jobs/${job.id}`)
      .header('idempotent-replayed', String(!created))
      .send(job);
  }

  r.post(
    '/jobs/bulk-buy',
    {
      config: { scope: 'spend' },
      schema: {
        tags: ['jobs'],
        summary: 'Start a bulk purchase of numbers in an area code',
        description:
          'Buys exactly `quantity` numbers (never more, even under retries), replacing candidates that were taken. With `fallbackAreaCodes`, continues there when the area code runs out. Poll GET /v1/jobs/{jobId}.',
        body: bulkBuyRequestSchema(deps.config.BULK_MAX_QUANTITY),
        response: { 202: Job, 400: ErrorBody, 402: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => submit(reply, req.tenant.id, 'bulk_buy', req.body, req.body.quantity),
  );

  r.post(
    '/jobs/bulk-release',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['jobs'],
        summary: 'Start a bulk release of numbers',
        description: 'Releases each listed number the tenant owns and reports per number; numbers it does not own are skipped.',
        body: bulkReleaseRequestSchema(deps.config.BULK_MAX_QUANTITY),
        response: { 202: Job, 400: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => submit(reply, req.tenant.id, 'bulk_release', req.body, req.body.phoneNumbers.length),
  );

  r.post(
    '/jobs/bulk-lookup',
    {
      config: { scope: 'spend' },
      schema: {
        tags: ['jobs', 'lookups'],
        summary: 'Start a bulk Lookup v2 pass over a list of numbers',
        description:
          'Looks up each number through Twilio’s batch endpoint (100 per request), reusing answers cached within maxAgeHours; each number is an item of the job (failed ones with Twilio’s code), and the answers are then read with GET /v1/lookups/{e164} from the cache at no cost. Each billed package goes in the cost ledger.',
        body: bulkLookupRequestSchema(deps.config.BULK_MAX_QUANTITY),
        response: { 202: Job, 400: ErrorBody, 402: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const requested = req.body.phoneNumbers?.length
        ?? (await deps.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM phone_numbers WHERE tenant_id = $1 AND status = 'active'`, [req.tenant.id])).rows[0]!.n;
      if (requested === 0) throw new HttpError(400, 'invalid_request', 'ownedNumbers: you have no live numbers to look up', { fields: [{ field: 'ownedNumbers', message: 'no live numbers' }] });
      return submit(reply, req.tenant.id, 'bulk_lookup', req.body, requested);
    },
  );

  r.get(
    '/jobs',
    {
      config: { scope: 'read' },
      schema: { tags: ['jobs'], summary: 'List jobs, newest first', querystring: ListJobsQuery, response: { 200: JobPage } },
    },
    async (req) => listJobs(deps.db, req.tenant.id, req.query),
  );

  r.get(
    '/jobs/:jobId',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['jobs'],
        summary: 'Get a job: status, counts, outcome, timestamps (served from PostgreSQL, works while workers are down)',
        params: JobParams,
        response: { 200: Job, 404: ErrorBody },
      },
    },
    async (req) => {
      const job = await getJob(deps.db, req.tenant.id, req.params.jobId);
      if (!job) throw notFound('job');
      return job;
    },
  );

  r.get(
    '/jobs/:jobId/items',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['jobs'],
        summary: 'Per-item results of a job, with Twilio error codes',
        params: JobParams,
        querystring: z
          .object({
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            cursor: z.string().max(200).optional(),
            status: ItemStatus.optional(),
          })
          .strict(),
        response: { 200: z.object({ data: z.array(JobItem), nextCursor: z.string().nullable() }), 404: ErrorBody },
      },
    },
    async (req) => {
      const job = await getJob(deps.db, req.tenant.id, req.params.jobId);
      if (!job) throw notFound('job');
      return listJobItems(deps.db, job.id, { limit: req.query.limit, after: req.query.cursor, status: req.query.status });
    },
  );

  r.post(
    '/jobs/:jobId/cancel',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['jobs'],
        summary: 'Cancel a job: no new Twilio calls start; in-flight ones finish and are reported',
        params: JobParams,
        response: { 202: Job, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const job = await getJob(deps.db, req.tenant.id, req.params.jobId);
      if (!job) throw notFound('job');
      if (isFinished(job.status)) throw new HttpError(409, 'job_finished', `job already ${job.status}`);
      await markJobCancelling(deps.db, req.tenant.id, job.id);
      try {
        await boundedTemporalCall(deps.temporal, deps.runner.temporalTimeoutMs, () => deps.temporal.workflow.getHandle(job.workflowId).signal(cancelJobSignal));
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        // Never started (queued): nothing ran, so the job simply ends here.
        await cancelUnstartedJob(deps.db, req.tenant.id, job.id);
      }
      return reply.code(202).send((await getJob(deps.db, req.tenant.id, job.id))!);
    },
  );
};
