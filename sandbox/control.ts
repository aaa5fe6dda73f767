import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FailureRuleInput } from './failures';
import { emptyStats, FaultSettings, noFaults, type AccountStats } from './faults';
import type { SandboxState } from './state';
import type { AccountWorld, AccountWorlds } from './account-world';
import { fastDurations, realisticDurations, ReviewDurations } from './review-clock';
import type { TrustHubStore } from './trusthub-store';
import { DeliveryMode } from './deliveries';
import { newSid } from './wire';
import { randomBytes } from 'node:crypto';
import type { MessagingStore } from './messaging-store';
import type { BrandVerifications } from './brand-verification';
import { TwilioError } from './wire';
import type { RequestValidation } from './openapi-requests';
import { rotatePrimaryToken } from './products/accounts-v1';

interface ControlDeps {
  state: SandboxState;
  worlds: AccountWorlds;
  trustHub: TrustHubStore;
  configuredAccounts: Set<string>;
  messaging: MessagingStore;
  verifications: BrandVerifications;
  requests: RequestValidation;
}

const bad = (reply: FastifyReply, error: z.ZodError) =>
  reply.code(400).send({ error: error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });

/**
 * The control API under /__sandbox. Never subject to faults. The routes acting on an account's world
 * (faults, failures, stats, reviews, clock, inventory, deliveries, …) are served twice: under
 * /__sandbox/accounts/:accountSid/… for that account, and under /__sandbox/… for the configured account
 * (stats there sum every account, as they always did).
 */
export const controlApi: FastifyPluginAsync<ControlDeps> = async (app, opts) => {
  const { state, worlds, trustHub, configuredAccounts, messaging, verifications, requests } = opts;
  // Not `...opts`: it carries this plugin's own prefix.
  const deps: ControlDeps = { state, worlds, trustHub, configuredAccounts, messaging, verifications, requests };
  app.get('/health', async () => ({ status: 'ok' }));

  app.post('/accounts', async (req, reply) => {
    const parsed = z
      .object({ sid: z.string().regex(/^AC[0-9a-f]{32}$/).optional(), authToken: z.string().min(8).optional() })
      .strict()
      .safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const account = { sid: parsed.data.sid ?? newSid('AC'), authToken: parsed.data.authToken ?? randomBytes(16).toString('hex') };
    state.accounts.set(account.sid, account);
    return reply.code(201).send(account);
  });

  // Request validation counts run-wide: only this clears it (not stats/reset, not /reset, which tests use mid-run).
  app.post('/request-validation/reset', async () => {
    requests.reset();
    return { ok: true };
  });

  // Everything back to a fresh sandbox: objects, ownership, inventories, accounts created since start, every world
  // (review durations excepted, as before worlds existed).
  app.post('/reset', async () => {
    state.reset();
    for (const sid of [...state.accounts.keys()]) if (!configuredAccounts.has(sid)) state.accounts.delete(sid);
    for (const world of worlds.all()) {
      if (state.accounts.has(world.sid)) world.reset({ keepDurations: true });
      else worlds.drop(world.sid);
    }
    return { ok: true };
  });

  await app.register(worldRoutes, { ...deps, scoped: false });
  await app.register(worldRoutes, { ...deps, scoped: true, prefix: '/accounts/:accountSid' });
};

/** The routes on one account's world: the configured account's (`scoped: false`) or the `:accountSid` of the prefix. */
const worldRoutes: FastifyPluginAsync<ControlDeps & { scoped: boolean }> = async (app, { state, worlds, trustHub, messaging, verifications, requests, scoped }) => {
  const accountOf = (req: FastifyRequest) => (scoped ? (req.params as { accountSid: string }).accountSid : worlds.configuredAccount);
  const worldOf = (req: FastifyRequest): AccountWorld => worlds.of(accountOf(req));
  /** The worlds `GET stats` sums: this account's, or (unscoped) every account that has made a request. */
  const statsWorlds = (req: FastifyRequest) => (scoped ? [worldOf(req)] : worlds.all().filter((w) => w.hasStats));

  if (scoped) {
    app.addHook('onRequest', async (req, reply) => {
      const sid = accountOf(req);
      if (!state.accounts.has(sid)) return reply.code(404).send({ error: `no sandbox account ${sid}: create it with POST /__sandbox/accounts` });
    });
  }

  app.get('/faults', async (req) => worldOf(req).settings);
  app.post('/faults', async (req, reply) => {
    const parsed = FaultSettings.partial().safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const world = worldOf(req);
    world.settings = { ...world.settings, ...parsed.data };
    return world.settings;
  });
  app.delete('/faults', async (req) => {
    const world = worldOf(req);
    world.settings = noFaults(state.seed);
    return world.settings;
  });

  // Definitive failures: the next `times` matching Twilio requests get this error, unprocessed.
  app.get('/failures', async (req) => ({ failures: worldOf(req).failures.list() }));
  app.post('/failures', async (req, reply) => {
    const parsed = FailureRuleInput.safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const { matcher: _matcher, ...rule } = worldOf(req).failures.add(parsed.data);
    return reply.code(201).send(rule);
  });
  app.delete('/failures', async (req) => {
    worldOf(req).failures.clear();
    return { failures: [] };
  });

  app.post('/inventory', async (req, reply) => {
    const parsed = z
      .object({ areaCode: z.string().regex(/^\d{3}$/), count: z.number().int().min(0).max(100_000) })
      .strict()
      .safeParse(req.body);
    if (!parsed.success) return bad(reply, parsed.error);
    state.setInventorySize(parsed.data.areaCode, parsed.data.count, accountOf(req));
    return parsed.data;
  });

  // A number the account got before (bought in the Console, ported in): dated as Twilio would show it.
  app.post('/numbers/backdate', async (req, reply) => {
    const parsed = z
      .object({ phoneNumber: z.string().regex(/^\+\d{8,15}$/), dateCreated: z.iso.datetime() })
      .strict()
      .safeParse(req.body);
    if (!parsed.success) return bad(reply, parsed.error);
    const owned = state.numbers.get(state.ownedByPhone.get(parsed.data.phoneNumber) ?? '');
    if (!owned) return reply.code(404).send({ error: `${parsed.data.phoneNumber} is not owned by any account` });
    if (scoped && owned.accountSid !== accountOf(req)) return reply.code(404).send({ error: `${parsed.data.phoneNumber} is not owned by ${accountOf(req)}` });
    owned.dateCreated = new Date(parsed.data.dateCreated);
    return { sid: owned.sid, dateCreated: owned.dateCreated.toISOString() };
  });

  app.get('/stats', async (req) => {
    const total: AccountStats = emptyStats();
    const accounts: Record<string, AccountStats> = {};
    for (const { sid, stats: s } of statsWorlds(req)) {
      accounts[sid] = s;
      total.requests += s.requests;
      total.rejected429 += s.rejected429;
      total.injected5xx += s.injected5xx;
      total.injectedFailures += s.injectedFailures;
      total.droppedAfterCommit += s.droppedAfterCommit;
      total.inFlight += s.inFlight;
      total.maxInFlight = Math.max(total.maxInFlight, s.maxInFlight);
      for (const [code, n] of Object.entries(s.byStatus)) total.byStatus[code] = (total.byStatus[code] ?? 0) + n;
      for (const [route, n] of Object.entries(s.byRoute)) total.byRoute[route] = (total.byRoute[route] ?? 0) + n;
    }
    return { total, accounts, requestValidation: requests.stats() };
  });
  // Unscoped, every account's counters are zeroed, as they always were.
  app.post('/stats/reset', async (req) => {
    for (const world of scoped ? [worldOf(req)] : worlds.all()) world.resetStats();
    return { ok: true };
  });

  // Reviews: durations (or a preset), the virtual clock, and forced outcomes.
  app.get('/reviews', async (req) => {
    const { clock } = worldOf(req);
    return { durations: clock.durations, now: clock.now().toISOString() };
  });
  app.post('/reviews', async (req, reply) => {
    const parsed = z
      .object({ preset: z.enum(['fast', 'realistic']).optional(), durations: ReviewDurations.partial().optional() })
      .strict()
      .safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const { clock } = worldOf(req);
    if (parsed.data.preset) clock.durations = parsed.data.preset === 'fast' ? { ...fastDurations } : { ...realisticDurations };
    clock.durations = { ...clock.durations, ...parsed.data.durations };
    return { durations: clock.durations };
  });
  app.post('/clock/advance', async (req, reply) => {
    const parsed = z.object({ ms: z.number().int().min(0) }).strict().safeParse(req.body);
    if (!parsed.success) return bad(reply, parsed.error);
    const { clock } = worldOf(req);
    clock.advance(parsed.data.ms);
    return { now: clock.now().toISOString() };
  });
  app.post('/outcomes', async (req, reply) => {
    const parsed = z
      .object({ sid: z.string().regex(/^[A-Z]{2}[0-9a-f]{32}$/), outcome: z.enum(['approve', 'reject']), reason: z.string().optional() })
      .strict()
      .safeParse(req.body);
    if (!parsed.success) return bad(reply, parsed.error);
    trustHub.forcedOutcomes.set(parsed.data.sid, { outcome: parsed.data.outcome, reason: parsed.data.reason });
    return parsed.data;
  });

  // The customer's side of a brand verification: the owner replies YES to the OTP, or the contact completes Authentication+.
  app.post('/brands/:sid/confirm-verification', async (req, reply) => {
    const brand = messaging.brands.get((req.params as { sid: string }).sid);
    if (!brand || (scoped && brand.accountSid !== accountOf(req))) return reply.code(404).send({ error: 'no such brand' });
    try {
      // As the brand's account: the verification runs on that account's clock.
      worlds.run(brand.accountSid, () => verifications.confirm(brand));
    } catch (err) {
      if (err instanceof TwilioError) return reply.code(err.status).send({ error: err.message, code: err.code });
      throw err;
    }
    return { sid: brand.sid, identityStatus: brand.identityStatus };
  });

  // Webhook deliveries (status callbacks and Event Streams): normal, drop, duplicate or reorder.
  app.get('/deliveries', async (req) => {
    const { mode, sent, dropped } = worldOf(req).deliveries;
    return { mode, sent, dropped };
  });
  app.post('/deliveries', async (req, reply) => {
    const parsed = z.object({ mode: DeliveryMode }).strict().safeParse(req.body);
    if (!parsed.success) return bad(reply, parsed.error);
    const { deliveries } = worldOf(req);
    deliveries.mode = parsed.data.mode;
    return { mode: deliveries.mode };
  });

  // Scoped only: the account's world back to fresh, for the next test file on it. It owns no number any more (none of
  // them is ever offered again: a project's database may still hold them as live rows), its other objects stay, and
  // its inventory returns to default sizes; numbers it was offered are never offered to anyone else.
  if (scoped) {
    app.post('/reset', async (req) => {
      worldOf(req).reset();
      state.retireNumbersOf(accountOf(req));
      state.resetInventorySizes(accountOf(req));
      return { ok: true };
    });

    // The account's owner rotates its auth token in Twilio's Console: whoever still holds the old one gets 401 / 20003.
    app.post('/rotate-token', async (req) => {
      const account = state.accounts.get(accountOf(req))!; // the scoped hook answered 404 for an unknown account
      return { sid: account.sid, authToken: rotatePrimaryToken(account) };
    });
  }
};
