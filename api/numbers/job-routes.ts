import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync } from 'fastify';
import { ErrorBody } from '../../schemas/kit/common';
import { Job } from '../../schemas/kit/jobs';
import { bulkBuyRequestSchema, bulkReleaseRequestSchema } from '../../schemas/numbers/bulk-jobs';
import type { ApiDeps } from '../kit/deps';
import { submitJob } from '../kit/jobs/submit';
import { bulkBuyJob, bulkReleaseJob } from './job-kinds';

/** Seed actions bulk_buy and bulk_release as durable jobs (read and cancelled with every job at /v1/jobs). */
export const numbersJobRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

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
    async (req, reply) => submitJob(deps, reply, bulkBuyJob, req.tenant.id, req.body),
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
    async (req, reply) => submitJob(deps, reply, bulkReleaseJob, req.tenant.id, req.body),
  );
};
