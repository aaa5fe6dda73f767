import { randomUUID } from 'node:crypto';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync } from 'fastify';
import { ErrorBody } from '../../schemas/common';
import { LookupField, LookupParams, LookupQuery, LookupView } from '../../schemas/lookups';
import { tenantPrefix } from '../../schemas/workflow-ids';
import { lookupNumber } from '../../workflows';
import type { ApiDeps } from '../app';
import { HttpError } from '../errors';
import { PENDING, runShortWorkflow } from '../workflow-runner';
import { checkBudget } from './costs';
import { lookupPricesFromConfig } from '../../compliance/fees';

const HOUR = 3_600_000;

/** Lookup v2 for one number: validation, line type, caller name, SMS pumping risk, reassigned number; cached per tenant. */
export const lookupRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const prices = lookupPricesFromConfig(deps.config);
  r.get(
    '/lookups/:phoneNumber',
    {
      schema: {
        tags: ['lookups'],
        summary: 'Look up a number (Lookup v2): validation, and the data packages asked for, with each answer’s age and what the request cost',
        description:
          'Packages fetched within `maxAgeHours` come from the tenant’s cache and cost nothing; the others are asked of Twilio in one request and recorded in the cost ledger at the configured prices (LOOKUP_PRICE_*_USD). ' +
          'Validation alone is free. A Twilio refusal is a 400 twilio_error with Twilio’s code.',
        params: LookupParams,
        querystring: LookupQuery,
        response: { 200: LookupView, 400: ErrorBody, 402: ErrorBody },
      },
    },
    async (req, reply) => {
      const fields = [...new Set((req.query.fields ?? '').split(',').filter(Boolean))] as LookupField[];
      // At most what the packages cost if none is cached: a tenant over its budget is refused before Twilio bills.
      const most = fields.reduce((sum, f) => sum + prices[f], 0);
      if (most > 0) await checkBudget(deps.db, req.tenant.id, most, 0, 'this lookup');
      const result = await runShortWorkflow(deps.temporal, deps.runner, lookupNumber, `${tenantPrefix(req.tenant.id)}/lookup-${randomUUID()}`, [
        {
          tenantId: req.tenant.id,
          phoneNumber: req.params.phoneNumber,
          fields,
          lastVerifiedDate: req.query.lastVerifiedDate?.replaceAll('-', ''),
          maxAgeMs: req.query.maxAgeHours * HOUR,
        },
      ]);
      if (result === PENDING) throw new HttpError(503, 'lookup_pending', 'the lookup is taking longer than expected; ask again (a cached answer costs nothing)');
      return reply.send(result);
    },
  );
};
