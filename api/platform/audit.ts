import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAuditEvents } from '../../db/platform/audit';
import { PageQuery, pageOf } from '../../schemas/kit/common';
import type { ApiDeps } from '../kit/deps';

const AuditEvent = z.object({
  id: z.uuid(),
  at: z.string(),
  action: z
    .string()
    .describe(
      'a Twilio write: the method and the Twilio resource, SIDs left out (`POST IncomingPhoneNumbers`, `DELETE Trunks`, `POST a2p/BrandRegistrations`); ' +
        'a change made through the API to the tenant’s own setup: what it did (`api_keys.create`, `api_keys.revoke`, `webhook_endpoints.create`, `webhook_endpoints.delete`, `webhook_deliveries.resend`, `budget.set`, `budget.clear`, `hygiene_policy.put`, `hygiene_policy.delete`, `hygiene_policy.pause`, `hygiene_policy.resume`, `hygiene_policy.run`)',
    ),
  activity: z.string().describe('the step that made the call, e.g. purchaseNumber, sipApply, a2pRegisterBrand; `api` for changes made through the API'),
  resourceSid: z.string().nullable(),
  jobId: z.string().nullable(),
  registrationId: z.string().nullable(),
  trunkId: z.string().nullable(),
  httpStatus: z.number().int(),
  summary: z.object({ method: z.string(), path: z.string(), params: z.record(z.string(), z.unknown()) }).describe('the request, secrets replaced by "[redacted]" or left out'),
  actorKeyId: z.uuid().nullable().describe('the API key that made a change through the API; null for Twilio writes'),
});

/** An ISO 8601 instant PostgreSQL can take: its UTC offsets stop at ±15:59. */
const Instant = z.iso
  .datetime({ offset: true })
  .max(64)
  .refine((s) => Number(/([+-])(\d\d):?\d\d$/.exec(s)?.[2] ?? 0) <= 15, 'the UTC offset must be within ±15:59');

const AuditQuery = PageQuery.extend({
  action: z.string().max(200).optional(),
  resourceSid: z.string().max(34).regex(/^[A-Z]{2}[0-9a-f]{32}$/, 'must be a Twilio SID').optional(),
  jobId: z.uuid().max(36).optional(),
  registrationId: z.uuid().max(36).optional(),
  trunkId: z.uuid().max(36).optional(),
  since: Instant.optional().describe('inclusive, ISO 8601'),
  until: Instant.optional().describe('exclusive, ISO 8601'),
});

/** The audit trail: every Twilio write made for the tenant, who and what, never a secret. */
export const auditRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/audit',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['audit'],
        summary: 'Every Twilio write made for the tenant (purchases, releases, configuration, trunk changes, bundle, brand and campaign submissions) and every change to its setup (API keys, webhook endpoints, budget, hygiene policy, with the key that made it), newest first',
        querystring: AuditQuery,
        response: { 200: pageOf(AuditEvent) },
      },
    },
    async (req) => listAuditEvents(deps.db, req.tenant.id, req.query),
  );
};
