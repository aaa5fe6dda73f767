import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync } from 'fastify';
import { AvailableNumber, SearchNumbersQuery } from '../../schemas/numbers/numbers';
import { tenantPrefix } from '../../schemas/kit/workflow-ids';
import { searchNumbers } from '../../workflows/index';
import type { ApiDeps } from '../kit/deps';
import { HttpError } from '../kit/errors';
import { PENDING, runShortWorkflow } from '../kit/workflow-runner';

/** Seed action search_numbers. */
export const availableNumbersRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/available-numbers',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['numbers'],
        summary: 'Search Twilio inventory for numbers to buy',
        description: 'Live search of available US local or toll-free numbers, filtered by area code, pattern and capabilities.',
        querystring: SearchNumbersQuery,
        response: { 200: z.object({ data: z.array(AvailableNumber) }) },
      },
    },
    async (req) => {
      const result = await runShortWorkflow(
        deps.temporal,
        deps.runner,
        searchNumbers,
        `${tenantPrefix(req.tenant.id)}/search-${randomUUID()}`,
        [{ query: req.query }],
      );
      if (result === PENDING) throw new HttpError(504, 'timeout', 'search did not complete in time; retry');
      return { data: result };
    },
  );
};
