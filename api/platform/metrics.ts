import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../../db/kit/pool';

/**
 * Prometheus metrics of the API at GET /metrics (text format, no API key: nothing in it names a tenant; OPS_TOKEN guards it, see opsAccess):
 * requests by route and status with their latency, jobs, registrations and trunks by state (read from
 * PostgreSQL at each scrape), and the process's own (memory, event-loop lag, GC).
 */
export function registerMetrics(app: FastifyInstance, db: Db, access: preHandlerAsyncHookHandler) {
  const registry = new Registry();
  const requests = new Counter({ name: 'twilio_pro_http_requests_total', help: 'API requests by method, route and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'twilio_pro_http_request_duration_seconds', help: 'API request latency by method and route', labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry],
  });
  const byState = (name: string, help: string, labelNames: string[], sql: string) =>
    new Gauge({
      name, help, labelNames, registers: [registry],
      async collect() {
        const { rows } = await db.query<Record<string, string | number>>(sql);
        this.reset();
        for (const r of rows) this.set(Object.fromEntries(labelNames.map((l) => [l, String(r[l])])), Number(r.n));
      },
    });
  byState('twilio_pro_jobs', 'Jobs by kind and status', ['kind', 'status'], 'SELECT kind, status, count(*)::int AS n FROM jobs GROUP BY 1, 2');
  byState('twilio_pro_a2p_registrations', 'A2P registrations by status', ['status'], 'SELECT status, count(*)::int AS n FROM a2p_registrations GROUP BY 1');
  byState('twilio_pro_sip_trunks', 'SIP trunks by status', ['status'], 'SELECT status, count(*)::int AS n FROM sip_trunks GROUP BY 1');

  app.addHook('onResponse', async (req, reply) => {
    // The route's pattern, never the raw URL: one series per endpoint, whatever ids are in the path.
    const route = req.routeOptions.url ?? '(unmatched)';
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true }, preHandler: access }, async (_req, reply) => {
    const all = Registry.merge([processMetrics(), registry]);
    return reply.type(all.contentType).send(await all.metrics());
  });
}

let process_: Registry | undefined;
/** The process's own metrics, collected once per process however many apps it builds (tests build many). */
function processMetrics(): Registry {
  if (!process_) {
    process_ = new Registry();
    collectDefaultMetrics({ register: process_, prefix: 'twilio_pro_api_' });
  }
  return process_;
}
