import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccountWorlds } from './account-world';
import type { RequestValidation } from './openapi-requests';
import { fingerprint, FaultDecider } from './faults';
import type { SandboxState } from './state';
import { sendTwilioError, TwilioError } from './wire';

declare module 'fastify' {
  interface FastifyRequest {
    accountSid: string;
    dropAfterCommit: boolean;
    startedAt: number;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What every Twilio route goes through: HTTP Basic auth (account SID + auth token), then the
 * fault pipeline — queued definitive failures (any status, not processed), concurrency cap (429/20429,
 * not processed), latency, injected 5xx (not processed), and timeout-after-commit (processed, then the
 * connection is dropped). Each account has its own fault settings, rules, decisions and stats (its world).
 */
export function registerTwilioPipeline(app: FastifyInstance, state: SandboxState, worlds: AccountWorlds, requests: RequestValidation) {
  app.decorateRequest('accountSid', '');
  app.decorateRequest('dropAfterCommit', false);
  app.decorateRequest('startedAt', 0);

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    req.startedAt = performance.now();
    const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const [user, pass] = m ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':') : [];
    const account = user ? state.accounts.get(user) : undefined;
    if (!account || account.authToken !== pass) return sendTwilioError(reply, 401, 20003, 'Authenticate');
    const pathAccount = /\/Accounts\/([^/.]+)/.exec(req.url)?.[1];
    if (pathAccount && pathAccount !== account.sid) {
      return sendTwilioError(reply, 404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`);
    }
    req.accountSid = account.sid;
  });

  // From here on the request runs as its account: products' review clock, pacing and deliveries are that account's.
  // (After body parsing: the stream's events would not carry a context entered earlier.)
  app.addHook('preHandler', (req: FastifyRequest, _reply: FastifyReply, done: () => void) => worlds.run(req.accountSid, done));

  // Before faults: a request Twilio would refuse is refused whatever the fault settings (auth and parsing are done).
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    const route = req.routeOptions.url ?? '';
    const violations = requests.check({ method: req.method, route, query: req.query, body: req.body, contentType: req.headers['content-type'] });
    const refusal = violations && requests.refusal(req.method, route, violations);
    if (refusal) return sendTwilioError(reply, 400, 20001, `Invalid parameter: ${refusal.name}`);
  });

  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    const world = worlds.of(req.accountSid);
    const settings = world.settings;
    const stats = world.stats;
    stats.requests += 1;
    const route = `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`;
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    // Queued failures come first and skip the in-flight count: the test that queued one wants exactly it.
    const failure = world.failures.take(req.method, req.url);
    if (failure) {
      stats.injectedFailures += 1;
      return sendTwilioError(reply, failure.status, failure.code, failure.message);
    }
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    reply.raw.once('close', () => {
      stats.inFlight -= 1;
    });
    reply.header('Twilio-Concurrent-Requests', String(stats.inFlight));
    if (settings.concurrencyLimit && stats.inFlight > settings.concurrencyLimit) {
      stats.rejected429 += 1;
      return sendTwilioError(reply, 429, 20429, 'Too Many Requests');
    }
    const fp = fingerprint(req.accountSid, req.method, req.url, req.body);
    const n = world.decider.occurrence(fp);
    const roll = (kind: string) => FaultDecider.roll(settings.seed, fp, n, kind);
    const delay = settings.latencyMs + (settings.latencyJitterMs ? roll('jitter') * settings.latencyJitterMs : 0);
    if (delay > 0) await sleep(delay);
    if (settings.errorRate5xx > 0 && roll('5xx') < settings.errorRate5xx) {
      stats.injected5xx += 1;
      const unavailable = roll('5xx-kind') < 0.5;
      return sendTwilioError(reply, unavailable ? 503 : 500, unavailable ? 20503 : 20500, unavailable ? 'Service Unavailable' : 'Internal Server Error');
    }
    const isWrite = req.method === 'POST' || req.method === 'DELETE';
    if (isWrite && settings.timeoutAfterCommitRate > 0 && roll('drop') < settings.timeoutAfterCommitRate) {
      req.dropAfterCommit = true;
    }
  });

  app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload) => {
    if (!req.accountSid) return payload;
    const world = worlds.of(req.accountSid);
    const stats = world.stats;
    stats.byStatus[reply.statusCode] = (stats.byStatus[reply.statusCode] ?? 0) + 1;
    reply.header('Twilio-Request-Duration', ((performance.now() - req.startedAt) / 1000).toFixed(3));
    if (req.dropAfterCommit && reply.statusCode < 400) {
      // The write happened; the client never hears about it.
      stats.droppedAfterCommit += 1;
      if (world.settings.timeoutMode === 'hang') await sleep(world.settings.hangMs);
      req.raw.socket?.destroy();
    }
    return payload;
  });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof TwilioError) return sendTwilioError(reply, err.status, err.code, err.message);
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    return sendTwilioError(reply, status, status >= 500 ? 20500 : 20001, (err as Error).message);
  });
  app.setNotFoundHandler((req, reply) =>
    sendTwilioError(reply, 404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`),
  );
}
