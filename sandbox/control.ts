import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { FailureRuleInput } from './failures';
import { emptyStats, FaultSettings, noFaults, type AccountStats } from './faults';
import type { SandboxState } from './state';
import type { FaultContext } from './twilio-scope';
import { fastDurations, realisticDurations, ReviewDurations, type ReviewClock } from './review-clock';
import type { TrustHubStore } from './trusthub-store';
import { DeliveryMode, type Deliverer } from './deliveries';
import { newSid } from './wire';
import { randomBytes } from 'node:crypto';
import type { MessagingStore } from './messaging-store';
import type { BrandVerifications } from './brand-verification';
import { TwilioError } from './wire';

/** The control API under /__sandbox: faults, accounts, inventory, stats. Never subject to faults. */
export const controlApi: FastifyPluginAsync<{
  state: SandboxState;
  faults: FaultContext;
  clock: ReviewClock;
  trustHub: TrustHubStore;
  deliverer: Deliverer;
  configuredAccounts: Set<string>;
  messaging: MessagingStore;
  verifications: BrandVerifications;
}> = async (app, { state, faults, clock, trustHub, deliverer, configuredAccounts, messaging, verifications }) => {
  const bad = (reply: import('fastify').FastifyReply, error: z.ZodError) =>
    reply.code(400).send({ error: error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });

  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/faults', async () => faults.settings);
  app.post('/faults', async (req, reply) => {
    const parsed = FaultSettings.partial().safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    faults.settings = { ...faults.settings, ...parsed.data };
    return faults.settings;
  });
  app.delete('/faults', async () => {
    faults.settings = noFaults(state.seed);
    return faults.settings;
  });

  // Definitive failures: the next `times` matching Twilio requests get this error, unprocessed.
  app.get('/failures', async () => ({ failures: faults.failures.list() }));
  app.post('/failures', async (req, reply) => {
    const parsed = FailureRuleInput.safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const { matcher: _matcher, ...rule } = faults.failures.add(parsed.data);
    return reply.code(201).send(rule);
  });
  app.delete('/failures', async () => {
    faults.failures.clear();
    return { failures: [] };
  });

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

  app.post('/inventory', async (req, reply) => {
    const parsed = z
      .object({ areaCode: z.string().regex(/^\d{3}$/), count: z.number().int().min(0).max(100_000) })
      .strict()
      .safeParse(req.body);
    if (!parsed.success) return bad(reply, parsed.error);
    state.setInventorySize(parsed.data.areaCode, parsed.data.count);
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
    owned.dateCreated = new Date(parsed.data.dateCreated);
    return { sid: owned.sid, dateCreated: owned.dateCreated.toISOString() };
  });

  app.get('/stats', async () => {
    const total: AccountStats = emptyStats();
    const accounts: Record<string, AccountStats> = {};
    for (const [sid, s] of faults.stats) {
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
    return { total, accounts };
  });
  app.post('/stats/reset', async () => {
    for (const s of faults.stats.values()) Object.assign(s, { ...emptyStats(), inFlight: s.inFlight });
    return { ok: true };
  });

  // Reviews: durations (or a preset), the virtual clock, and forced outcomes.
  app.get('/reviews', async () => ({ durations: clock.durations, now: clock.now().toISOString() }));
  app.post('/reviews', async (req, reply) => {
    const parsed = z
      .object({ preset: z.enum(['fast', 'realistic']).optional(), durations: ReviewDurations.partial().optional() })
      .strict()
      .safeParse(req.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    if (parsed.data.preset) clock.durations = parsed.data.preset === 'fast' ? { ...fastDurations } : { ...realisticDurations };
    clock.durations = { ...clock.durations, ...parsed.data.durations };
    return { durations: clock.durations };
  });
  app.post('/clock/advance', async (req, reply) => {
    const parsed = z.object({ ms: z.number().int().min(0) }).strict().safeParse(req.body);
    if (!parsed.success) return bad(reply, parsed.error);
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
    if (!brand) return reply.code(404).send({ error: 'no such brand' });
    try {
      verifications.confirm(brand);
    } catch (err) {
      if (err instanceof TwilioError) return reply.code(err.status).send({ error: err.message, code: err.code });
      throw err;
    }
    return { sid: brand.sid, identityStatus: brand.identityStatus };
  });

  // Webhook deliveries (status callbacks and Event Streams): normal, drop, duplicate or reorder.
  app.get('/deliveries', async () => ({ mode: deliverer.mode, sent: deliverer.sent, dropped: deliverer.dropped }));
  app.post('/deliveries', async (req, reply) => {
    const parsed = z.object({ mode: DeliveryMode }).strict().safeParse(req.body);
    if (!parsed.success) return bad(reply, parsed.error);
    deliverer.mode = parsed.data.mode;
    return { mode: deliverer.mode };
  });

  app.post('/reset', async () => {
    state.reset();
    for (const sid of [...state.accounts.keys()]) if (!configuredAccounts.has(sid)) state.accounts.delete(sid);
    faults.settings = noFaults(state.seed);
    faults.decider.reset();
    faults.stats.clear();
    faults.failures.clear();
    return { ok: true };
  });
};
