import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccountWorlds } from './account-world';
import type { RequestValidation } from './openapi-requests';
import { fingerprint, FaultDecider } from './faults';
import { authenticateCredential, basicCredentials, statusOf, type Account, type CredentialKind, type SandboxState } from './state';
import { sendTwilioError, TwilioError } from './wire';

declare module 'fastify' {
  interface FastifyRequest {
    /** The account the request runs as: the credentials' account, or a subaccount its parent named in a 2010 path. */
    accountSid: string;
    /** The account whose credentials authenticated the request. */
    credentialAccountSid: string;
    credentialKind: CredentialKind | '';
    dropAfterCommit: boolean;
    startedAt: number;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `/2010-04-01/Accounts/{AC…}.json`: the Account resource itself. */
const accountResource = /^\/2010-04-01\/Accounts\/(AC[^/.]+)\.json$/;

/**
 * What a standard API key may not call (Twilio: "all APIs except /Accounts, /Accounts/{SID}/Keys, /v1/Keys"):
 * listing, creating or updating accounts, and any key management. Fetching its own account stays allowed.
 */
function standardKeyRefused(method: string, path: string): boolean {
  if (path === '/2010-04-01/Accounts.json') return true;
  if (accountResource.test(path) && method !== 'GET') return true;
  return /^\/2010-04-01\/Accounts\/[^/]+\/Keys(\.json$|\/)/.test(path) || /^\/v1\/Keys(\/|$)/.test(path);
}

/**
 * The account a request runs as: the credentials' own, or — for a 2010 path naming one of its subaccounts,
 * with the parent's auth token (Twilio: main-account API keys don't reach subaccounts) — that subaccount.
 * Any other account in the path is not found, as Twilio answers for an account the caller can't see.
 */
function accountOfPath(state: SandboxState, caller: Account, kind: CredentialKind, path: string): Account | undefined {
  const pathAccount = /\/Accounts\/([^/.]+)/.exec(path)?.[1];
  if (!pathAccount || pathAccount === caller.sid) return caller;
  const sub = state.accounts.get(pathAccount);
  const reachable = kind !== 'apiKey' && path.startsWith('/2010-04-01/') && sub?.ownerAccountSid === caller.sid;
  return reachable ? sub : undefined;
}

/**
 * Only active accounts act. The one exception is the parent reading or updating a suspended or closed
 * subaccount's Account resource (how it is resumed, or seen closed).
 */
function mayAct(state: SandboxState, caller: Account, target: Account, path: string): boolean {
  if (statusOf(state, caller) !== 'active') return false;
  if (statusOf(state, target) === 'active') return true;
  return target.ownerAccountSid === caller.sid && accountResource.exec(path)?.[1] === target.sid;
}

/**
 * What every Twilio route goes through: HTTP Basic auth (account SID + auth token or secondary token, or
 * API key SID + secret), the account the request runs as (a parent may act in its subaccounts' 2010 paths) and
 * whether it may act (suspended: 20005; closed: 20003), then the
 * fault pipeline — queued definitive failures (any status, not processed), concurrency cap (429/20429,
 * not processed), latency, injected 5xx (not processed), and timeout-after-commit (processed, then the
 * connection is dropped). Each account has its own fault settings, rules, decisions and stats (its world).
 */
export function registerTwilioPipeline(app: FastifyInstance, state: SandboxState, worlds: AccountWorlds, requests: RequestValidation) {
  app.decorateRequest('accountSid', '');
  app.decorateRequest('credentialAccountSid', '');
  app.decorateRequest('credentialKind', '');
  app.decorateRequest('dropAfterCommit', false);
  app.decorateRequest('startedAt', 0);

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    req.startedAt = performance.now();
    const credential = authenticateCredential(state, ...basicCredentials(req.headers.authorization));
    // A closed account authenticates no more (its parent can still read it, with the parent's credentials).
    if (!credential || statusOf(state, credential.account) === 'closed') return sendTwilioError(reply, 401, 20003, 'Authenticate');
    const path = req.url.split('?')[0]!;
    if (credential.kind === 'apiKey' && standardKeyRefused(req.method, path)) {
      return sendTwilioError(reply, 401, 20003, 'Authenticate: standard API keys cannot manage accounts or keys');
    }
    const target = accountOfPath(state, credential.account, credential.kind, path);
    if (!target) return sendTwilioError(reply, 404, 20404, `The requested resource ${path} was not found`);
    if (!mayAct(state, credential.account, target, path)) return sendTwilioError(reply, 401, 20005, 'Account not active');
    req.accountSid = target.sid;
    req.credentialAccountSid = credential.account.sid;
    req.credentialKind = credential.kind;
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
