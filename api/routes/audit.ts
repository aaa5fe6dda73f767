import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAuditEvents } from '../../db/audit';
import { PageQuery, pageOf } from '../../schemas/common';
import type { ApiDeps } from '../app';

const AuditEvent = z.object({
  id: z.uuid(),
  at: z.string(),
  action: z.string().describe('the method and the Twilio resource, SIDs left out: `POST IncomingPhoneNumbers`, `DELETE Trunks`, `POST a2p/BrandRegistrations`'),
  activity: z.string().describe('the step that made the call, e.g. purchaseNumber, sipApply, a2pRegisterBrand'),
  resourceSid: z.string().nullable(),
  jobId: z.string().nullable(),
  registrationId: z.string().nullable(),
  trunkId: z.string().nullable(),
  httpStatus: z.number().int(),
  summary: z.object({ method: z.string(), path: z.string(), params: z.record(z.string(), z.unknown()) }).describe('the request, secrets replaced by "[redacted]"'),
});

/** An ISO 8601 instant PostgreSQL can take: its UTC offsets stop at ±15:59. */
const Instant = z.iso
  .datetime({ offset: true })
  .refine((s) => Number(/([+-])(\d\d):?\d\d$/.exec(s)?.[2] ?? 0) <= 15, 'the UTC offset must be within ±15:59');

const AuditQuery = PageQuery.extend({
  action: z.string().max(200).optional(),
  resourceSid: z.string().regex(/^[A-Z]{2}[0-9a-f]{32}$/, 'must be a Twilio SID').optional(),
  jobId: z.uuid().optional(),
  registrationId: z.uuid().optional(),
  trunkId: z.uuid().optional(),
  since: Instant.optional().describe('inclusive, ISO 8601'),
  until: Instant.optional().describe('exclusive, ISO 8601'),
});

/** The audit trail: every Twilio write made for the tenant, who and what, never a secret. */
export const auditRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Every Twilio write made for the tenant (purchases, releases, configuration, trunk changes, bundle, brand and campaign submissions), newest first',
        querystring: AuditQuery,
        response: { 200: pageOf(AuditEvent) },
      },
    },
    async (req) => listAuditEvents(deps.db, req.tenant.id, req.query),
  );
};
