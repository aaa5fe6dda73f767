import { createHash } from 'node:crypto';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync } from 'fastify';
import { ErrorBody } from '../../schemas/kit/common';
import { LookupField, LookupParams, LookupQuery, LookupView } from '../../schemas/lookups/lookups';
import { tenantPrefix } from '../../schemas/kit/workflow-ids';
import { lookupNumber } from '../../workflows/index';
import type { ApiDeps } from '../kit/deps';
import { HttpError } from '../kit/errors';
import { PENDING, runShortWorkflow } from '../kit/workflow-runner';
import { checkBudget } from '../platform/costs';
import { lookupPricesFromConfig } from '../../compliance/lookups/prices';
import type { RouteScope } from '../kit/plugins/auth';

const HOUR = 3_600_000;

/**
 * Validation alone is free, so reading is enough; asking for a data package may be billed, so it needs
 * spend. Checked on the raw query before validation: any `fields` at all counts as asking.
 */
const lookupScope: RouteScope = {
  scope: 'read',
  raisedTo: 'spend',
  when: 'when `fields` names a billed package',
  applies: (req) => Boolean((req.query as { fields?: unknown }).fields),
};

/** Lookup v2 for one number: validation, line type, caller name, SMS pumping risk, reassigned number; cached per tenant. */
export const lookupRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const prices = lookupPricesFromConfig(deps.config);
  r.get(
    '/lookups/:phoneNumber',
    {
      config: { scope: lookupScope },
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
      const input = {
        tenantId: req.tenant.id,
        phoneNumber: req.params.phoneNumber,
        fields: [...fields].sort(),
        lastVerifiedDate: req.query.lastVerifiedDate?.replaceAll('-', ''),
        maxAgeMs: req.query.maxAgeHours * HOUR,
      };
      // Named after what it asks: an identical lookup in flight is joined, not asked (and billed) again.
      const digest = createHash('sha256').update(JSON.stringify(input)).digest('base64url').slice(0, 22);
      const result = await runShortWorkflow(deps.temporal, deps.runner, lookupNumber, `${tenantPrefix(req.tenant.id)}/lookup-${digest}`, [input]);
      if (result === PENDING) throw new HttpError(503, 'lookup_pending', 'the lookup is taking longer than expected; ask again (a cached answer costs nothing)');
      return reply.send(result);
    },
  );
};
