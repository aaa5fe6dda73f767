import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import type { Config } from '../config/env';
import { redactPaths } from '../config/logger';
import type { Db } from '../db/kit/pool';
import { errorHandler } from './kit/errors';
import { registerMetrics } from './platform/metrics';
import { opsAccess } from './kit/plugins/ops-access';
import { registerRequestContext } from './kit/request-context';
import { registerAuth } from './kit/plugins/auth';
import { clientErrorHandler, codeForStatus, registerErrorShapes } from './kit/plugins/error-shapes';
import { declareCommonErrors } from './kit/plugins/openapi-errors';
import { refuseUnstorableText } from './kit/plugins/text-guard';
import { registerBoundedJsonParser } from './kit/plugins/json-depth';
import { fitBodyLimits } from './kit/plugins/body-limits';
import { transformDocument } from './kit/plugins/openapi-components';
import { registerSecurityHeaders } from './kit/plugins/security-headers';
import { a2pActionRoutes } from './a2p/action-routes';
import { apiKeyRoutes } from './platform/api-keys';
import { sessionRoutes } from './platform/sessions';
import { accountRoutes } from './platform/account';
import { operatorRoutes } from './platform/operator';
import { auditRoutes } from './platform/audit';
import { lookupRoutes } from './lookups/routes';
import { numberHealthRoutes } from './number-health/routes';
import { voiceTrustRoutes } from './voice-trust/routes';
import { tollfreeRoutes } from './tollfree/routes';
import { costRoutes } from './platform/costs';
import { webhookEndpointRoutes } from './platform/webhook-endpoints';
import { a2pRoutes } from './a2p/routes';
import { availableNumbersRoutes } from './numbers/available-routes';
import { healthRoutes } from './platform/health';
import { numbersJobRoutes } from './numbers/job-routes';
import { lookupJobRoutes } from './lookups/job-routes';
import { jobRoutes } from './kit/jobs/routes';
import { jobKindTable } from './kit/jobs/kinds';
import type { SweepRegistry } from './kit/queued-work';
import { numbersJobKinds } from './numbers/job-kinds';
import { bulkLookupJob } from './lookups/job-kinds';
import { numberHealthJobKinds } from './number-health/job-kinds';
import { a2pQueuedWork } from './a2p/queued';
import { voiceTrustQueuedWork } from './voice-trust/queued';
import { tollfreeQueuedWork } from './tollfree/queued';
import { sipQueuedWork } from './sip/queued';
import { a2pCallbacks } from './a2p/callbacks';
import { voiceTrustCallbacks } from './voice-trust/callbacks';
import { numbersRoutes } from './numbers/routes';
import { sipRoutes } from './sip/routes';
import { webhookRoutes } from './platform/twilio-callbacks';
import { consoleRoutes } from './platform/console';
import { CODEC_PREFIX, temporalCodecRoutes } from './platform/temporal-codec';
import type { ApiDeps } from './kit/deps';

export type { ApiDeps };

/** Every product's job kinds and the rows it writes before starting their workflows: what the queued-work sweep runs. */
export const sweepRegistry: SweepRegistry = {
  jobKinds: jobKindTable([...numbersJobKinds, bulkLookupJob, ...numberHealthJobKinds]),
  queued: [a2pQueuedWork, voiceTrustQueuedWork, tollfreeQueuedWork, sipQueuedWork],
};

/** The products Twilio's callbacks are about, asked in this order (a trust product's bundle is voice trust's before A2P's). */
const twilioCallbacks = [voiceTrustCallbacks, a2pCallbacks];

/** The HTTP API: thin — it validates, authenticates, reads PostgreSQL and starts workflows. */
export async function buildApp(
  deps: Omit<ApiDeps, 'runner'>,
  opts: { logger?: FastifyServerOptions['logger'] } = {},
) {
  const app = Fastify({
    logger: opts.logger ?? { level: deps.config.LOG_LEVEL, redact: { paths: redactPaths, censor: '[redacted]' } },
    clientErrorHandler,
    // Every request has an id: the caller's X-Request-Id when it sent a sane one, else a fresh UUID. It is
    // in every log line of the request (reqId) and echoed back in the answer's X-Request-Id.
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // A malformed URL escape, a path parameter over maxParamLength: the API's shape, not Fastify's.
    frameworkErrors: (err, _req, reply) => {
      const status = err.statusCode ?? 400;
      return (reply as unknown as FastifyReply).code(status).send({ error: { code: codeForStatus[status] ?? 'invalid_request', message: err.message } });
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  await registerSecurityHeaders(app); // first: every answer carries them, the errors of later hooks included
  registerErrorShapes(app);
  registerBoundedJsonParser(app);
  app.addHook('onRequest', async (req, reply) => {
    if (!/^[\w.:-]{1,128}$/.test(req.id)) req.id = randomUUID(); // never log or echo a hostile header as is
    reply.header('x-request-id', req.id);
  });
  registerRequestContext(app);
  declareCommonErrors(app);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'twilio-pro API',
        version: '1.0.0',
        description: 'Durable Twilio back-office jobs: numbers, US A2P 10DLC, Elastic SIP Trunking. Authenticate with `Authorization: Bearer <api key>`.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' }, operatorKey: { type: 'http', scheme: 'bearer', description: 'An operator key (tpo_…): the /v1/operator routes only' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: transformDocument,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const full: ApiDeps = {
    ...deps,
    runner: { taskQueue: deps.config.TEMPORAL_TASK_QUEUE, syncTimeoutMs: deps.config.API_SYNC_TIMEOUT_MS, temporalTimeoutMs: deps.config.API_TEMPORAL_TIMEOUT_MS },
  };
  registerMetrics(app, deps.db, opsAccess(deps.config));
  await app.register(healthRoutes, full);
  await app.register(webhookRoutes, { ...full, callbacks: twilioCallbacks });
  await app.register(consoleRoutes, full);
  // Each /v1 route with the scope it declared (api/kit/plugins/auth.ts); a test checks that none forgot.
  app.decorate('routeScopes', []);
  // One authentication for /v1 and the codec endpoint beside it.
  const authenticate = (scope: FastifyInstance) =>
    registerAuth(scope, deps.db, { perSecond: deps.config.API_RATE_LIMIT_PER_SECOND, burst: deps.config.API_RATE_LIMIT_BURST }, {
      perSecond: deps.config.AUTH_FAILURES_PER_MINUTE / 60, burst: deps.config.AUTH_FAILURES_BURST,
    });
  await app.register(
    async (v1) => {
      authenticate(v1);
      refuseUnstorableText(v1);
      fitBodyLimits(v1);
      await v1.register(availableNumbersRoutes, full);
      await v1.register(numbersRoutes, full);
      await v1.register(numbersJobRoutes, full);
      await v1.register(lookupJobRoutes, full);
      await v1.register(jobRoutes, full);
      await v1.register(a2pRoutes, full);
      await v1.register(a2pActionRoutes, full);
      await v1.register(sipRoutes, full);
      await v1.register(apiKeyRoutes, full);
      await v1.register(sessionRoutes, full);
      await v1.register(accountRoutes, full);
      await v1.register(auditRoutes, full);
      await v1.register(costRoutes, full);
      await v1.register(webhookEndpointRoutes, full);
      await v1.register(lookupRoutes, full);
      await v1.register(numberHealthRoutes, full);
      await v1.register(voiceTrustRoutes, full);
      await v1.register(tollfreeRoutes, full);
    },
    { prefix: '/v1' },
  );
  // Beside the tenant routes, not among them: authenticated by operator keys alone (it registers its own auth).
  await app.register(operatorRoutes, { ...full, prefix: '/v1/operator' });
  // Beside /v1, not in it: its CORS preflight must be answered before /v1's auth; it registers auth itself.
  await app.register(temporalCodecRoutes, { ...full, authenticate, prefix: CODEC_PREFIX });
  return app;
}
