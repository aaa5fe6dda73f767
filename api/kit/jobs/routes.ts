import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync } from 'fastify';
import { WorkflowNotFoundError } from '@temporalio/client';
import { cancelUnstartedJob, getJob, isFinished, listJobItems, listJobs, markJobCancelling } from '../../../db/kit/jobs';
import { ErrorBody } from '../../../schemas/kit/common';
import { ItemStatus, Job, JobItem, JobParams, ListJobsQuery } from '../../../schemas/kit/jobs';
import { cancelJobSignal } from '../../../workflows/kit/job-signals';
import type { ApiDeps } from '../deps';
import { boundedTemporalCall } from '../temporal-calls';
import { HttpError, notFound } from '../errors';

const JobPage = z.object({ data: z.array(Job), nextCursor: z.string().nullable() });

/** Every kind's jobs, read and cancelled alike: list, status, items and cancel (each product starts its own kinds). */
export const jobRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

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
