import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Which Twilio product a request is for, from its path (the host is the sandbox's when one is set). */
export function productOf(path: string): string {
  if (path.startsWith('/2010-04-01/')) return 'api';
  if (/^\/v1\/(Trunks|Credentials)/.test(path)) return 'trunking';
  if (/^\/v1\/(CustomerProfiles|TrustProducts|EndUsers|SupportingDocuments|Policies)/.test(path)) return 'trusthub';
  if (/^\/v1\/(Services|a2p|Tollfree)/.test(path)) return 'messaging';
  if (/^\/v1\/(Sinks|Subscriptions)/.test(path)) return 'events';
  return 'other';
}

/**
 * The worker's Prometheus metrics: every Twilio call by product, method and status (429s included) with
 * its latency, and the process's own. Served at WORKER_METRICS_PORT; Temporal's worker metrics come from
 * the SDK's own exporter (TEMPORAL_METRICS_PORT, see worker/main.ts).
 */
export function createWorkerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'twilio_pro_worker_' });
  const calls = new Counter({ name: 'twilio_pro_twilio_requests_total', help: 'Twilio requests by product, method and final status (0: no answer)', labelNames: ['product', 'method', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'twilio_pro_twilio_request_duration_seconds', help: 'Twilio request latency by product and method (waiting for a slot excluded)', labelNames: ['product', 'method'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [registry],
  });
  const retries = new Counter({ name: 'twilio_pro_activity_retries_total', help: 'Activity attempts after the first, by activity (unlimited retries reconcile through outages: watch this)', labelNames: ['activity'], registers: [registry] });
  return {
    registry,
    observeActivityRetry(r: { activity: string; attempt: number }) {
      retries.inc({ activity: r.activity });
    },
    observeTwilio(r: { method: string; url: string; status: number; seconds: number }) {
      const product = productOf(new URL(r.url).pathname);
      calls.inc({ product, method: r.method.toUpperCase(), status: String(r.status) });
      latency.observe({ product, method: r.method.toUpperCase() }, r.seconds);
    },
    /** Serves GET /metrics on the port; resolves once listening. */
    async serve(port: number): Promise<Server> {
      const server = createServer(async (req, res) => {
        if (req.url !== '/metrics') return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
      });
      await new Promise<void>((resolve) => server.listen(port, '0.0.0.0', resolve));
      return server;
    },
  };
}
