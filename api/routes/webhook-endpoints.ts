import type { FastifyPluginAsync } from 'fastify';
import { requireAdmin } from '../plugins/auth';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SecretBox } from '../../db/secrets';
import { createEndpoint, disableEndpoint, EVENT_TYPES, listDeliveries, listEndpoints, resendDelivery } from '../../db/webhooks';
import { ErrorBody, PageQuery, pageOf } from '../../schemas/common';
import type { ApiDeps } from '../app';
import { notFound } from '../errors';

const EventType = z.enum(EVENT_TYPES);
const Endpoint = z.object({ id: z.uuid(), url: z.string(), eventTypes: z.array(EventType), createdAt: z.string() });
const CreateEndpoint = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000),
    eventTypes: z.array(EventType).max(EVENT_TYPES.length).default([]).meta({ uniqueItems: true }).describe('empty: every event type'),
  })
  .strict();
const EndpointParams = z.object({ endpointId: z.uuid('must be a webhook endpoint id (UUID)') });
const Delivery = z.object({
  id: z.string().describe('the webhook-id header: receivers deduplicate on it'),
  eventType: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  payload: z.unknown(),
});


/**
 * Tenants' webhook endpoints: the service POSTs them events (job finished, registration status changed,
 * trunk operation succeeded / rolled back / failed), signed the Standard Webhooks way, with retries, a
 * delivery log and resend.
 */
export const webhookEndpointRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const box = SecretBox.fromConfig(deps.config);

  r.post(
    '/webhook-endpoints',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Register an endpoint (admin scope); its signing secret is in this answer only',
        description: `Event types: ${EVENT_TYPES.join(', ')}. Each POST carries webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks: v1, HMAC-SHA256 over "id.timestamp.body" with the secret); verify with any Standard Webhooks library.`,
        body: CreateEndpoint,
        response: { 201: Endpoint.extend({ secret: z.string().describe('whsec_…: shown this once') }), 403: ErrorBody },
      },
    },
    async (req, reply) => {
      requireAdmin(req, 'managing webhook endpoints');
      return reply.code(201).send(await createEndpoint(deps.db, box, { tenantId: req.tenant.id, url: req.body.url, eventTypes: req.body.eventTypes }));
    },
  );

  r.get(
    '/webhook-endpoints',
    { schema: { tags: ['webhooks'], summary: "The tenant's endpoints (never their secrets)", response: { 200: z.object({ data: z.array(Endpoint) }) } } },
    async (req) => ({ data: await listEndpoints(deps.db, req.tenant.id) }),
  );

  r.delete(
    '/webhook-endpoints/:endpointId',
    {
      schema: { tags: ['webhooks'], summary: 'Remove an endpoint (admin scope): nothing more is sent to it; answers the removed endpoint', params: EndpointParams, response: { 200: Endpoint, 403: ErrorBody } },
    },
    async (req) => {
      requireAdmin(req, 'managing webhook endpoints');
      const removed = await disableEndpoint(deps.db, req.tenant.id, req.params.endpointId);
      if (!removed) throw notFound('webhook endpoint');
      return removed;
    },
  );

  r.get(
    '/webhook-endpoints/:endpointId/deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: "An endpoint's delivery log, newest first: status, attempts, the last answer or error, the payload",
        params: EndpointParams,
        querystring: PageQuery.extend({ status: z.enum(['pending', 'delivered', 'failed']).optional() }),
        response: { 200: pageOf(Delivery) },
      },
    },
    async (req) => {
      const page = await listDeliveries(deps.db, req.tenant.id, req.params.endpointId, req.query);
      if (!page) throw notFound('webhook endpoint');
      return page;
    },
  );

  r.post(
    '/webhook-endpoints/:endpointId/deliveries/:deliveryId/resend',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Send a delivery again now, with the same webhook-id (admin scope)',
        params: EndpointParams.extend({ deliveryId: z.string().regex(/^msg_[0-9a-f]{32}$/, 'must be a delivery id (msg_…)') }),
        response: { 202: z.object({ id: z.string(), status: z.literal('pending') }), 403: ErrorBody },
      },
    },
    async (req, reply) => {
      requireAdmin(req, 'managing webhook endpoints');
      if (!(await resendDelivery(deps.db, req.tenant.id, req.params.endpointId, req.params.deliveryId))) throw notFound('delivery');
      return reply.code(202).send({ id: req.params.deliveryId, status: 'pending' as const });
    },
  );
};
