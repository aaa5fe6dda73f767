import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import { controlApi } from './control';
import { AccountWorlds } from './account-world';
import { addressesProduct } from './products/addresses';
import { numbersProduct } from './products/numbers';
import { trustHubProduct } from './products/trusthub';
import { trustHubChannelsProduct } from './products/trusthub-channels';
import { tollfreeProduct } from './products/tollfree';
import { createPublisher, eventsProduct } from './products/events';
import { messagingProduct } from './products/messaging';
import { lookupsProduct } from './products/lookups';
import { sipListsProduct } from './products/sip-lists';
import { trunkingProduct } from './products/trunking';
import { accountsV1Product } from './products/accounts-v1';
import { accountsProduct } from './products/accounts';
import { Deliverer } from './deliveries';
import { BrandVerifications } from './brand-verification';
import { MessagingStore } from './messaging-store';
import { fastDurations, realisticDurations, type ReviewClock } from './review-clock';
import { SipStore } from './sip-store';
import { SandboxState, type Account } from './state';
import { TrustHubStore } from './trusthub-store';
import { registerTwilioPipeline } from './twilio-scope';
import { RequestValidation } from './openapi-requests';
import { stableSid } from './wire';

export interface SandboxOptions {
  seed?: number;
  /** Reviews take seconds instead of days (SANDBOX_FAST_REVIEWS=true). */
  fastReviews?: boolean;
  accounts?: Account[];
  logger?: boolean;
  /** Twilio's OpenAPI documents requests are validated against (default: TWILIO_OAI_DIR or ../shared/twilio-oai). */
  twilioOaiDir?: string;
}

export interface Sandbox {
  app: FastifyInstance;
  /** Every route the sandbox serves, control API included (for coverage checks). */
  routes: { method: string; url: string }[];
  state: SandboxState;
  /** Each account's faults, failure rules, stats, review clock, pacing and delivery mode. */
  worlds: AccountWorlds;
  /** The review clock products use: the current account's. */
  clock: ReviewClock;
  trustHub: TrustHubStore;
  messaging: MessagingStore;
  /** Trunks, their origination URLs and associations, 2010 SIP lists, domain reservations. */
  sip: SipStore;
  deliverer: Deliverer;
  /** Request validation against Twilio's OpenAPI documents, with its run-wide counters. */
  requests: RequestValidation;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/** Obviously fake credentials for when none are configured. */
export const defaultAccount = (): Account => ({
  sid: process.env.SANDBOX_ACCOUNT_SID ?? stableSid('AC', 'sandbox'),
  authToken: process.env.SANDBOX_AUTH_TOKEN ?? stableSid('', 'sandbox-token'),
});

/**
 * The Twilio sandbox: a stateful server speaking Twilio's REST wire format, so the official SDK
 * works against it unchanged but for its base URL. Products are plugins; each new product
 * (Trust Hub, messaging, events, trunking) is one more plugin in the Twilio scope.
 */
export async function createSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const seed = opts.seed ?? Number(process.env.SANDBOX_SEED ?? 1);
  const accounts = opts.accounts ?? [defaultAccount()];
  const configuredAccount = (accounts[0] ?? defaultAccount()).sid;
  const state = new SandboxState(seed, configuredAccount);
  for (const a of accounts) state.accounts.set(a.sid, a);
  const app = Fastify({ logger: opts.logger ?? false });
  const fast = opts.fastReviews ?? process.env.SANDBOX_FAST_REVIEWS === 'true';
  const worlds = new AccountWorlds(seed, fast ? fastDurations : realisticDurations, configuredAccount);
  const clock = worlds.clock;
  const trustHub = new TrustHubStore(clock);
  const messaging = new MessagingStore();
  const sip = new SipStore();
  const deliverer = new Deliverer((m) => app.log.warn(m), () => worlds.active().deliveries);
  const requests = new RequestValidation(opts.twilioOaiDir);
  state.onReset(() => {
    trustHub.reset();
    messaging.reset();
    sip.reset();
  });

  const routes: Sandbox['routes'] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url });
  });
  const publish = createPublisher(state, messaging, clock, deliverer);
  const verifications = new BrandVerifications(messaging, trustHub, clock, publish);
  await app.register(formbody);
  await app.register(controlApi, {
    messaging,
    verifications,
    prefix: '/__sandbox',
    state,
    worlds,
    trustHub,
    configuredAccounts: new Set(accounts.map((a) => a.sid)),
    requests,
  });
  await app.register(async (twilio) => {
    registerTwilioPipeline(twilio, state, worlds, requests);
    await twilio.register(numbersProduct, {
      state,
      trunkExists: (accountSid, trunkSid) => sip.trunks.get(trunkSid)?.accountSid === accountSid,
      trustProductHolding: (accountSid, numberSid) => trustHub.trustProductHolding(accountSid, numberSid),
    });
    await twilio.register(addressesProduct, { store: trustHub, clock });
    await twilio.register(trustHubProduct, { state, store: trustHub, clock, deliverer });
    await twilio.register(trustHubChannelsProduct, { state, store: trustHub, clock });
    await twilio.register(messagingProduct, { state, store: messaging, trustHub, clock, publish, verifications, pace: (accountSid) => worlds.of(accountSid).pace() });
    await twilio.register(tollfreeProduct, { state, trustHub, clock });
    await twilio.register(eventsProduct, { store: messaging, clock });
    await twilio.register(lookupsProduct, { clock });
    await twilio.register(sipListsProduct, { store: sip, clock });
    await twilio.register(trunkingProduct, { state, store: sip, clock });
    await twilio.register(accountsV1Product, { state, clock });
    await twilio.register(accountsProduct, { state });
  });
  // Every Twilio route must be an operation of the spec or a listed exception, or the sandbox doesn't start.
  try {
    requests.mapRoutes(routes);
  } catch (err) {
    worlds.stop();
    await app.close();
    throw err;
  }

  return {
    app,
    routes,
    state,
    worlds,
    clock,
    trustHub,
    messaging,
    sip,
    deliverer,
    requests,
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address() as { port: number };
      return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
    },
    close: async () => {
      worlds.stop();
      await app.close();
    },
  };
}
