import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ReviewClock } from '../review-clock';
import type { Account, SandboxState } from '../state';
import { formString, iso, newSid, originOf, page2010, rfc2822, TwilioError } from '../wire';

type Form = Record<string, unknown>;
type Query = Record<string, string | undefined>;
type ApiKey = NonNullable<Account['keys']> extends Map<string, infer K> ? K : never;

/** 32 hex characters, the shape of Twilio's auth tokens. */
export const newAuthToken = () => randomBytes(16).toString('hex');
/** 32 alphanumerics, the shape of Twilio's API key secrets. */
const newKeySecret = () => randomBytes(24).toString('base64url').replace(/[-_]/g, '0').slice(0, 32);

const notFound = (req: FastifyRequest) => new TwilioError(404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`);

/**
 * A standard API key (`SK…`) can't touch the auth token: a key that could promote a token it created itself would
 * outlive its own deletion. Twilio's answer to a key where it may not go: 401 / 20003. (Keys on `/Keys` are refused
 * by the Twilio pipeline already, with `/Accounts`.)
 */
function refuseApiKey(req: FastifyRequest) {
  if (req.credentialKind === 'apiKey') throw new TwilioError(401, 20003, 'Authentication Error - invalid username');
}

/**
 * A Console-side rotation of the primary auth token (Console → Auth Tokens → rotate): the old token stops
 * authenticating at once and any pending secondary is discarded. Returns the new token.
 */
export function rotatePrimaryToken(account: Account): string {
  account.authToken = newAuthToken();
  delete account.secondaryAuthToken;
  return account.authToken;
}

/**
 * Twilio's credentials of an account: the accounts v1 auth-token pair (`/v1/AuthTokens/Secondary` create/delete,
 * `/v1/AuthTokens/Promote`) and the 2010 API keys (`/Accounts/{AC}/Keys`). Both act on the account the request
 * runs as. What authenticates with them is the Twilio pipeline's business (sandbox/twilio-scope.ts); this plugin
 * only keeps `authToken`, `secondaryAuthToken` and `keys` of the account.
 */
export const accountsV1Product: FastifyPluginAsync<{ state: SandboxState; clock: ReviewClock }> = async (app, { state, clock }) => {
  const accountOf = (req: FastifyRequest): Account => {
    const account = state.accounts.get(req.accountSid);
    if (!account) throw notFound(req);
    return account;
  };
  registerAuthTokens(app, accountOf, clock);
  registerKeys(app, accountOf, clock);
  restoreCredentialsOnReset(state);
};

/** The global reset gives the configured accounts back their starting token, no secondary and no keys. */
function restoreCredentialsOnReset(state: SandboxState) {
  const startingTokens = new Map([...state.accounts.values()].map((a) => [a.sid, a.authToken]));
  state.onReset(() => {
    for (const [sid, token] of startingTokens) {
      const account = state.accounts.get(sid);
      if (!account) continue;
      account.authToken = token;
      delete account.secondaryAuthToken;
      delete account.keys;
    }
  });
}

/**
 * Secondary token then promote: both tokens authenticate between the two calls. Creating a secondary while one
 * exists replaces it (Twilio documents nothing else; the sandbox's choice). Promote or delete without a secondary
 * is 404 / 20404, as Twilio answers a promote with none ("The requested resource /AuthTokens/Promote was not found").
 */
function registerAuthTokens(app: FastifyInstance, accountOf: (req: FastifyRequest) => Account, clock: ReviewClock) {
  const secondaryCreated = new WeakMap<Account, Date>();

  app.post('/v1/AuthTokens/Secondary', async (req, reply) => {
    refuseApiKey(req);
    const account = accountOf(req);
    const now = clock.now();
    account.secondaryAuthToken = newAuthToken();
    secondaryCreated.set(account, now);
    return reply.code(201).send({
      account_sid: account.sid, date_created: iso(now), date_updated: iso(now), secondary_auth_token: account.secondaryAuthToken,
      url: `${originOf(req)}/v1/AuthTokens/Secondary`,
    });
  });

  app.delete('/v1/AuthTokens/Secondary', async (req, reply) => {
    refuseApiKey(req);
    const account = accountOf(req);
    if (account.secondaryAuthToken === undefined) throw new TwilioError(404, 20404, 'The requested resource /AuthTokens/Secondary was not found');
    delete account.secondaryAuthToken;
    return reply.code(204).send();
  });

  // "After promoting the new token, all requests to Twilio using your old primary Auth Token will result in an error."
  app.post('/v1/AuthTokens/Promote', async (req) => {
    refuseApiKey(req);
    const account = accountOf(req);
    const secondary = account.secondaryAuthToken;
    if (secondary === undefined) throw new TwilioError(404, 20404, 'The requested resource /AuthTokens/Promote was not found');
    const now = clock.now();
    account.authToken = secondary;
    delete account.secondaryAuthToken;
    return {
      account_sid: account.sid, auth_token: account.authToken, date_created: iso(secondaryCreated.get(account) ?? now), date_updated: iso(now),
      url: `${originOf(req)}/v1/AuthTokens/Promote`,
    };
  });
}

/** A Key as Twilio shows it after creation: never the secret. */
const keyJson = (sid: string, k: ApiKey) => ({
  sid, friendly_name: k.friendlyName || null, date_created: rfc2822(k.dateCreated), date_updated: rfc2822(k.dateUpdated),
});

/** Standard API keys (SK…): the secret is returned once, by the create; a deleted key authenticates no more. */
function registerKeys(app: FastifyInstance, accountOf: (req: FastifyRequest) => Account, clock: ReviewClock) {
  const prefix = '/2010-04-01/Accounts/:AccountSid';
  const keysOf = (account: Account) => (account.keys ??= new Map());
  /** The key a `:Sid` (with its `.json`) names, among the account's. */
  const keyOf = (req: FastifyRequest) => {
    const raw = (req.params as { Sid: string }).Sid;
    const sid = raw.endsWith('.json') ? raw.slice(0, -5) : '';
    const key = keysOf(accountOf(req)).get(sid);
    if (!key) throw notFound(req);
    return { sid, key };
  };

  app.post(`${prefix}/Keys.json`, async (req, reply) => {
    const now = clock.now();
    const key: ApiKey = { secret: newKeySecret(), friendlyName: formString(((req.body ?? {}) as Form).FriendlyName) ?? '', dateCreated: now, dateUpdated: now };
    const sid = newSid('SK');
    keysOf(accountOf(req)).set(sid, key);
    return reply.code(201).send({ ...keyJson(sid, key), secret: key.secret });
  });
  app.get(`${prefix}/Keys.json`, async (req) => {
    const all = [...keysOf(accountOf(req))].map(([sid, k]) => keyJson(sid, k));
    return page2010('keys', all, req.url.split('?')[0]!, req.query as Query);
  });
  app.get(`${prefix}/Keys/:Sid`, async (req) => {
    const { sid, key } = keyOf(req);
    return keyJson(sid, key);
  });
  app.post(`${prefix}/Keys/:Sid`, async (req) => {
    const { sid, key } = keyOf(req);
    const name = formString(((req.body ?? {}) as Form).FriendlyName);
    if (name !== undefined) key.friendlyName = name;
    key.dateUpdated = clock.now();
    return keyJson(sid, key);
  });
  app.delete(`${prefix}/Keys/:Sid`, async (req, reply) => {
    const { sid } = keyOf(req);
    keysOf(accountOf(req)).delete(sid);
    return reply.code(204).send();
  });
}
