import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../schemas/kit/common';
import type { ApiDeps } from '../kit/deps';
import { boundedTemporalCall } from '../kit/temporal-calls';
import { opsAccess } from '../kit/plugins/ops-access';

const Liveness = z.object({ status: z.literal('ok') });
const Check = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });
const Readiness = z.object({ status: z.enum(['ready', 'not_ready']), checks: z.object({ postgres: Check, temporal: Check }) });

/** Liveness (the process answers) and readiness (PostgreSQL and Temporal reachable), both without an API key. */
export const healthRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness: the API process answers', security: [], response: { 200: Liveness } } }, async () => ({
    status: 'ok' as const,
  }));

  const check = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    try {
      await fn();
      return { ok: true, latencyMs: Math.round(performance.now() - t0) };
    } catch (err) {
      return { ok: false, latencyMs: Math.round(performance.now() - t0), error: err instanceof Error ? err.message.split('\n')[0]! : 'unreachable' };
    }
  };

  r.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: PostgreSQL and Temporal reachable (503 when either is not)',
        description: 'With OPS_TOKEN set it needs `Authorization: Bearer <OPS_TOKEN>` (401 otherwise); without it, in production, only callers on the host itself (403 otherwise).',
        security: [],
        response: { 200: Readiness, 503: Readiness, 401: ErrorBody, 403: ErrorBody },
      },
      preHandler: opsAccess(deps.config),
    },
    async (_req, reply) => {
      const timeoutMs = deps.config.API_TEMPORAL_TIMEOUT_MS;
      const [postgres, temporal] = await Promise.all([
        check(() => deps.db.query('SELECT 1')),
        check(() => boundedTemporalCall(deps.temporal, timeoutMs, () => deps.temporal.workflowService.getSystemInfo({}))),
      ]);
      const ready = postgres.ok && temporal.ok;
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: { postgres, temporal } });
    },
  );
};
