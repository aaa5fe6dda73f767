import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { costsOfMonth, currentMonth, overBudget, setMonthlyBudget } from '../../db/platform/costs';
import type { Db } from '../../db/kit/pool';
import { ErrorBody } from '../../schemas/kit/common';
import type { ApiDeps } from '../kit/deps';
import { auditChange } from './control-plane-audit';
import { HttpError } from '../kit/errors';

const Month = z.string().max(7).regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM');

const Costs = z.object({
  month: Month,
  currency: z.literal('USD'),
  lines: z.array(z.object({ item: z.string(), count: z.number().int(), amountUsd: z.number() })),
  totalUsd: z.number(),
  budgetUsd: z.number().nullable(),
  remainingUsd: z.number().nullable(),
  days: z
    .array(
      z.object({
        day: z.string().describe('YYYY-MM-DD, UTC'),
        amountUsd: z.number(),
        lines: z.array(z.object({ item: z.string(), amountUsd: z.number() })).describe('The day’s costs by item'),
      }),
    )
    .describe('The month by day, oldest first: only days with costs'),
});

/**
 * Refuses (402 budget_exceeded) work that would take the tenant over its monthly budget, before anything
 * is recorded or any Twilio call is made. Running bulk buys count for what they are still to buy.
 */
export async function checkBudget(db: Db, tenantId: string, estimateUsd: number, numberMonthlyUsd: number, what: string) {
  const over = await overBudget(db, tenantId, estimateUsd, numberMonthlyUsd);
  if (over) {
    throw new HttpError(
      402,
      'budget_exceeded',
      `${what} would cost about $${over.estimate.toFixed(2)}; this month $${over.spent.toFixed(2)} is spent and $${over.committed.toFixed(2)} committed to running jobs, against a monthly budget of $${over.budget.toFixed(2)}`,
    );
  }
}

/** The cost ledger: what the tenant's Twilio writes cost, per month, and its optional monthly budget. */
export const costRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/costs',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['costs'],
        summary: "A month's costs by item (numbers, brand and vetting fees, campaigns), with the budget and what remains of it",
        description: 'Prices are the configured ones (NUMBER_MONTHLY_USD, A2P_FEE_*), recorded when Twilio accepted each write.',
        querystring: z.object({ month: Month.optional().describe('YYYY-MM, UTC; this month by default') }).strict(),
        response: { 200: Costs },
      },
    },
    async (req) => costsOfMonth(deps.db, req.tenant.id, req.query.month ?? currentMonth()),
  );

  r.put(
    '/costs/budget',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['costs'],
        summary: 'Set (or clear, with null) the monthly budget; work that would exceed it is refused with 402 before any Twilio call (admin scope)',
        body: z.object({ monthlyUsd: z.number().min(0).max(10_000_000).multipleOf(0.01).nullable() }).strict(),
        response: { 200: Costs, 403: ErrorBody },
      },
    },
    async (req) => {
      await setMonthlyBudget(deps.db, req.tenant.id, req.body.monthlyUsd);
      await auditChange(deps.db, req, req.body.monthlyUsd === null ? 'budget.clear' : 'budget.set', 200, { monthlyUsd: req.body.monthlyUsd });
      return costsOfMonth(deps.db, req.tenant.id, currentMonth());
    },
  );
};
