import type { FastifyPluginAsync } from 'fastify';
import { auditChange } from './control-plane-audit';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SecretBox } from '../../db/platform/secrets';
import { createEndpoint, DELIVERY_ID_PATTERN, disableEndpoint, EVENT_TYPES, listDeliveries, listEndpoints, resendDelivery } from '../../db/platform/webhooks';
import { ErrorBody, PageQuery, pageOf } from '../../schemas/kit/common';
import type { ApiDeps } from '../kit/deps';
import { HttpError, notFound } from '../kit/errors';
import { OutboundUrlRefused, outboundPolicyFromConfig, vetOutboundUrl, type OutboundPolicy } from '../../config/outbound-url';

const EventType = z.enum(EVENT_TYPES);
const Endpoint = z.object({ id: z.uuid(), url: z.string(), eventTypes: z.array(EventType), createdAt: z.string() });
const CreateEndpoint = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2000)
      .describe('a public http(s) URL: its host must resolve, to public addresses only; port 80 or 443 unless WEBHOOK_ALLOWED_PORTS says otherwise; no user:password@'),
    eventTypes: z.array(EventType).max(EVENT_TYPES.length).default([]).meta({ uniqueItems: true }).describe('empty: every event type'),
  })
  .strict();
const EndpointParams = z.object({ endpointId: z.uuid('must be a webhook endpoint id (UUID)').max(36) });
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
  const box = SecretBox.fromConfig(deps.config, 'webhook-secret');
  const policy = outboundPolicyFromConfig(deps.config);

  r.post(
    '/webhook-endpoints',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Register an endpoint (admin scope); its signing secret is in this answer only',
        description: `Event types: ${EVENT_TYPES.join(', ')}. Each POST carries webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks: v1, HMAC-SHA256 over "id.timestamp.body" with the secret); verify with any Standard Webhooks library. The URL must reach the internet: one whose host does not resolve, resolves to a loopback, private, link-local or other non-public address, uses a port not allowed or carries credentials is a 400 naming url; each delivery checks it again, connects to the addresses checked and never follows a redirect.`,
        body: CreateEndpoint,
        response: { 201: Endpoint.extend({ secret: z.string().describe('whsec_…: shown this once') }), 400: ErrorBody, 403: ErrorBody },
      },
    },
    async (req, reply) => {
      await refuseUnsafeUrl(req.body.url, policy);
      const created = await createEndpoint(deps.db, box, { tenantId: req.tenant.id, url: req.body.url, eventTypes: req.body.eventTypes });
      // The host only: a webhook URL's path or query often is a credential.
      await auditChange(deps.db, req, 'webhook_endpoints.create', 201, { endpointId: created.id, host: new URL(created.url).host, eventTypes: created.eventTypes });
      return reply.code(201).send(created);
    },
  );

  r.get(
    '/webhook-endpoints',
    { config: { scope: 'read' }, schema: { tags: ['webhooks'], summary: "The tenant's endpoints (never their secrets)", response: { 200: z.object({ data: z.array(Endpoint) }) } } },
    async (req) => ({ data: await listEndpoints(deps.db, req.tenant.id) }),
  );

  r.delete(
    '/webhook-endpoints/:endpointId',
    {
      config: { scope: 'admin' },
      schema: { tags: ['webhooks'], summary: 'Remove an endpoint (admin scope): nothing more is sent to it; answers the removed endpoint', params: EndpointParams, response: { 200: Endpoint, 403: ErrorBody } },
    },
    async (req) => {
      const removed = await disableEndpoint(deps.db, req.tenant.id, req.params.endpointId);
      if (!removed) throw notFound('webhook endpoint');
      await auditChange(deps.db, req, 'webhook_endpoints.delete', 200, { endpointId: removed.id, host: new URL(removed.url).host });
      return removed;
    },
  );

  r.get(
    '/webhook-endpoints/:endpointId/deliveries',
    {
      config: { scope: 'read' },
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
      config: { scope: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Send a delivery again now, with the same webhook-id (admin scope)',
        params: EndpointParams.extend({ deliveryId: z.string().max(36).regex(DELIVERY_ID_PATTERN, 'must be a delivery id (msg_…)') }),
        response: { 202: z.object({ id: z.string(), status: z.literal('pending') }), 403: ErrorBody },
      },
    },
    async (req, reply) => {
      if (!(await resendDelivery(deps.db, req.tenant.id, req.params.endpointId, req.params.deliveryId))) throw notFound('delivery');
      await auditChange(deps.db, req, 'webhook_deliveries.resend', 202, { endpointId: req.params.endpointId, deliveryId: req.params.deliveryId });
      return reply.code(202).send({ id: req.params.deliveryId, status: 'pending' as const });
    },
  );
};

/** A URL the worker would refuse to deliver to is refused here, as a 400 naming the field. */
async function refuseUnsafeUrl(url: string, policy: OutboundPolicy) {
  try {
    await vetOutboundUrl(url, policy);
  } catch (err) {
    if (!(err instanceof OutboundUrlRefused)) throw err;
    throw new HttpError(400, 'invalid_request', `url: ${err.message}`, { fields: [{ field: 'url', message: err.message }] });
  }
}
