import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync } from 'fastify';
import { healthOf, isLiveNumber, listHealth, recordCallOutcomes, recordReputation } from '../../db/number-health';
import { ErrorBody, PageQuery, pageOf } from '../../schemas/common';
import { CallOutcomesBody, IngestResult, NumberHealth, ReputationBody } from '../../schemas/number-health';
import { LookupParams } from '../../schemas/lookups';
import type { ApiDeps } from '../app';
import { notFound } from '../errors';

/** Number hygiene: what tenants report about their numbers, and each number's explainable health score. */
export const numberHealthRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/number-health/call-outcomes',
    {
      schema: {
        tags: ['number-health'],
        summary: 'Report call outcomes of your numbers (up to 1 000 per request)',
        description: 'Outcomes of numbers that are not your live numbers are refused one by one; an outcome posted again with the same externalId counts once.',
        body: CallOutcomesBody,
        response: { 200: IngestResult, 400: ErrorBody },
      },
    },
    async (req) => recordCallOutcomes(deps.db, req.tenant.id, req.body),
  );

  r.post(
    '/number-health/reputation',
    {
      schema: {
        tags: ['number-health'],
        summary: 'Report external reputation scores of your numbers (e.g. from Hiya), 0 = worst, 100 = best',
        description: 'A newer score from the same source replaces the older; the worst current score across sources counts.',
        body: ReputationBody,
        response: { 200: IngestResult, 400: ErrorBody },
      },
    },
    async (req) => recordReputation(deps.db, req.tenant.id, req.body.scores),
  );

  r.get(
    '/number-health',
    {
      schema: {
        tags: ['number-health'],
        summary: 'Your live numbers with their health score and the factors behind it, by number',
        querystring: PageQuery,
        response: { 200: pageOf(NumberHealth) },
      },
    },
    async (req) => listHealth(deps.db, req.tenant.id, req.query),
  );

  r.get(
    '/number-health/:phoneNumber',
    {
      schema: {
        tags: ['number-health'],
        summary: 'One number’s health: the score, each factor with its points and why, and the inputs it came from',
        params: LookupParams,
        response: { 200: NumberHealth, 404: ErrorBody },
      },
    },
    async (req) => {
      if (!(await isLiveNumber(deps.db, req.tenant.id, req.params.phoneNumber))) throw notFound('number');
      return (await healthOf(deps.db, req.tenant.id, [req.params.phoneNumber]))[0]!;
    },
  );
};
