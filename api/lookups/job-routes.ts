import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync } from 'fastify';
import { ErrorBody } from '../../schemas/kit/common';
import { Job } from '../../schemas/kit/jobs';
import { bulkLookupRequestSchema } from '../../schemas/lookups/bulk-lookup';
import type { ApiDeps } from '../kit/deps';
import { submitJob } from '../kit/jobs/submit';
import { bulkLookupJob } from './job-kinds';

/** A bulk lookup as a durable job (read and cancelled with every job at /v1/jobs). */
export const lookupJobRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

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
    async (req, reply) => submitJob(deps, reply, bulkLookupJob, req.tenant.id, req.body),
  );
};
