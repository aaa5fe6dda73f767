import twilio from 'twilio';
import { auditScope, type TwilioWrite } from './audit';
import { whileWaiting } from './progress';
import type { TenantAccounts } from './tenant-accounts';
import { isAccountPaused, TwilioAccountPaused } from './twilio-errors';
import type { AccountPoolSettings, TwilioLimiter } from './twilio-limiter';
import type { BoundAccount } from '../../db/platform/twilio-bindings';

export type TwilioClient = ReturnType<typeof twilio>;

export interface TwilioSettings {
  accountSid: string;
  /** Who signs in when it is not the account itself: an API key's SID (SK…), `authToken` then being its secret. */
  username?: string;
  authToken: string;
  /** The sandbox's URL; unset for real Twilio. */
  baseUrl?: string;
  timeoutMs: number;
  /** The account-wide limiter every request goes through (workers); none for tests' and benches' own clients. */
  limiter?: TwilioLimiter;
  /** Where accepted writes are recorded (the audit trail); none for tests' and benches' own clients. */
  audit?: (w: TwilioWrite) => Promise<void>;
  /** Told of every HTTP exchange (metrics): method, URL, final status (0 when none came) and seconds. */
  observe?: (r: { method: string; url: string; status: number; seconds: number }) => void;
  /** The account's concurrency (TWILIO_MAX_CONCURRENCY): sizes the SDK's connection pool. */
  concurrency?: number;
  /**
   * Workers: the tenants' own Twilio accounts (issue #24). A request made for a bound tenant (the activity's
   * scope names it) goes to that account, signed with its credentials; a `shared` tenant's, or one made for no
   * tenant, goes to `accountSid` as before.
   */
  accounts?: TenantAccounts;
  /** How long work on a paused account waits before it looks again (TWILIO_ACCOUNT_PAUSE_RETRY_MS). */
  pauseRetryMs?: number;
  /** Whether subaccounts take their parent's request slots or have their own (TWILIO_SUBACCOUNT_POOLS). */
  subaccountPools?: 'shared' | 'own';
}

/** Where a bound tenant's requests go instead of the deployment's account. */
interface AccountRouting {
  accounts: TenantAccounts;
  deploymentSid: string;
  pauseRetryMs: number;
  /** A bound account's slots when the operator set none: the deployment's cap. */
  concurrency: number;
  subaccountPools: 'shared' | 'own';
}

type RequestOpts = Parameters<twilio.RequestClient['request']>[0];

/** Twilio's "Authenticate": the credentials are not (or no longer) the account's. */
const TWILIO_AUTHENTICATE = 20003;

// Every product domain the service talks to; all are re-pointed at the sandbox together.
const domains = ['api', 'trunking', 'trusthub', 'messaging', 'lookups', 'events'] as const;

/** A network failure (timeout, dropped connection) with nothing but its code and message. */
export class TwilioTransportError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'TwilioTransportError';
  }
}

/** A read that failed with 5xx or on the network is tried again this many times before the activity sees it. */
const READ_RETRIES = 3;

/**
 * The SDK's own HTTP client, with three changes:
 * - a bound tenant's request goes to its own Twilio account, signed with that account's credentials, and none
 *   is sent while that account is paused (issue #24: see `accounts` in TwilioSettings);
 * - transport errors are replaced by a bare error. The original carries the request config, Basic-auth
 *   credentials included, and would end up in logs and in workflow histories;
 * - reads (GET) are retried a few times on 5xx and network errors. They change nothing, and an activity
 *   that reconciles with a dozen reads should not restart (and back off) for one failed read.
 *   Writes are never retried here: only the activity, after reconciling, may repeat one.
 */
class CredentialSafeRequestClient extends twilio.RequestClient {
  constructor(
    opts: ConstructorParameters<typeof twilio.RequestClient>[0],
    private readonly limiter?: TwilioLimiter,
    private readonly audit?: (w: TwilioWrite) => Promise<void>,
    private readonly observe?: (r: { method: string; url: string; status: number; seconds: number }) => void,
    private readonly routing?: AccountRouting,
  ) {
    super(opts);
  }

  /**
   * The bound account the request's tenant works in, or null (shared tenant, no tenant in scope, no routing).
   * An account that is not active gets no request at all: the work pauses.
   */
  private async boundAccount(): Promise<BoundAccount | null> {
    const tenant = auditScope.getStore()?.tenantId;
    if (!this.routing || !tenant) return null;
    const account = await this.routing.accounts.accountFor(tenant);
    if (account && account.status !== 'active') throw new TwilioAccountPaused(account.accountSid, account.status, this.routing.pauseRetryMs);
    return account;
  }

  /**
   * A `byo` account's credentials refused (401 / 20003: its owner rotated the token or deleted the key): they are
   * marked invalid (which tells the tenant's webhooks) and the work pauses until new ones are given.
   */
  private async pauseIfRefused(account: BoundAccount, opts: RequestOpts, res: { statusCode: number; body: unknown }): Promise<void> {
    if (account.kind !== 'byo' || res.statusCode !== 401) return;
    const body = parseBody(res.body) as { code?: unknown; message?: unknown } | null;
    if (body?.code !== TWILIO_AUTHENTICATE) return;
    const message = typeof body.message === 'string' ? body.message : 'Authenticate';
    await this.routing!.accounts.credentialsRefused(account, { code: TWILIO_AUTHENTICATE, message, method: (opts.method ?? 'GET').toUpperCase(), path: new URL(opts.uri).pathname });
    throw new TwilioAccountPaused(account.accountSid, 'credentials_invalid', this.routing!.pauseRetryMs);
  }

  /**
   * One HTTP exchange (with the SDK's own 429 retries), holding an account-wide slot while in flight. For the
   * activity's keepalive, the request in flight is a sign of life (the SDK's timeout bounds it), and its end
   * a step (activities/kit/progress.ts).
   */
  /**
   * Whose slots a bound account's request takes (issue #24 §3): a `byo` account's own pool, sized by the
   * operator's cap for it or the deployment's; a subaccount shares its parent's unless subaccounts have their own.
   */
  private poolOf(account: BoundAccount | null): AccountPoolSettings | undefined {
    if (!account || (account.kind === 'subaccount' && this.routing!.subaccountPools === 'shared')) return undefined;
    return { accountSid: account.accountSid, slots: account.maxConcurrency ?? this.routing!.concurrency };
  }

  private send<T>(opts: RequestOpts, account: BoundAccount | null) {
    const send = () => whileWaiting(async () => {
      const t0 = performance.now();
      const method = opts.method ?? 'GET';
      try {
        const res = await super.request<T>(opts as never);
        this.observe?.({ method, url: opts.uri, status: res.statusCode, seconds: (performance.now() - t0) / 1000 });
        return res;
      } catch (err) {
        this.observe?.({ method, url: opts.uri, status: 0, seconds: (performance.now() - t0) / 1000 });
        throw err;
      }
    });
    // Whose work this is (the activity's scope, from its input): tenants take the account's free slots in turn.
    const tenant = auditScope.getStore()?.tenantId ?? null;
    return this.limiter ? this.limiter.run({ method: opts.method, uri: opts.uri, tenant, pool: this.poolOf(account) }, send) : send();
  }

  override async request<T>(given: RequestOpts) {
    const account = await this.boundAccount();
    const opts = account ? asAccount(given, account, this.routing!.deploymentSid) : given;
    const isRead = (opts.method ?? '').toUpperCase() === 'GET';
    for (let attempt = 0; ; attempt++) {
      const canRetry = isRead && attempt < READ_RETRIES;
      try {
        const res = await this.send<T>(opts, account);
        if (account) await this.pauseIfRefused(account, opts, res);
        if (!isRead && this.audit && res.statusCode < 400) await this.audit({ method: opts.method ?? 'POST', url: opts.uri, status: res.statusCode, params: opts.data as Record<string, unknown> | undefined, body: parseBody(res.body) });
        // The SDK would JSON.parse this into a SyntaxError, which activities never retry (a programming error).
        if (res.statusCode < 400 && !looksLikeJson(res.body)) throw new Error('the answer is not JSON (cut short, or not from Twilio)');
        if (!(canRetry && res.statusCode >= 500)) return res;
      } catch (err) {
        if (isAccountPaused(err)) throw err;
        if (!canRetry) {
          const e = err as { code?: string; message?: string };
          throw new TwilioTransportError(e.code, `${opts.method?.toUpperCase()} ${new URL(opts.uri).pathname}: ${e.code ?? ''} ${e.message ?? 'request failed'}`.trim());
        }
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt + Math.random() * 100));
    }
  }
}

/**
 * The official SDK, unchanged except where it sends requests. Every request waits for a slot of the
 * account-wide limiter (when given); 429s (never processed by Twilio) are retried by the SDK's client
 * with jittered back-off, and reads as above; everything else surfaces to the activity.
 */
export function createTwilioClient(s: TwilioSettings): TwilioClient {
  // The SDK's agent keeps 20 sockets per host by default: below an account allowed more, that cap (not
  // Twilio) would set the pace. Room for the account's concurrency, and a little more for the 429 retries.
  const sockets = Math.max(20, (s.concurrency ?? 10) + 10);
  const httpClient = new CredentialSafeRequestClient(
    { autoRetry: true, maxRetries: 8, maxRetryDelay: 2000, timeout: s.timeoutMs, keepAlive: true, maxSockets: sockets, maxTotalSockets: sockets * 4 },
    s.limiter,
    s.audit,
    s.observe,
    s.accounts
      ? { accounts: s.accounts, deploymentSid: s.accountSid, pauseRetryMs: s.pauseRetryMs ?? 30_000, concurrency: s.concurrency ?? 10, subaccountPools: s.subaccountPools ?? 'shared' }
      : undefined,
  );
  const client = twilio(s.username ?? s.accountSid, s.authToken, { accountSid: s.accountSid, httpClient });
  if (s.baseUrl) {
    const base = s.baseUrl.replace(/\/$/, '');
    for (const d of domains) (client[d] as unknown as { baseUrl: string }).baseUrl = base;
  }
  return client;
}

/**
 * The request as the bound account makes it. The SDK writes the deployment's SID into every 2010 path
 * (`/2010-04-01/Accounts/{AC…}/…`): that segment names the bound account instead; other products' paths name no
 * account (the credentials say whose it is). Signed with the account's credentials: the SDK's RequestClient builds
 * the Basic auth header from `username` and `password`.
 */
function asAccount(opts: RequestOpts, account: BoundAccount, deploymentSid: string): RequestOpts {
  const url = new URL(opts.uri);
  url.pathname = url.pathname.replace(new RegExp(`^(/2010-04-01/Accounts/)${deploymentSid}(?=$|[/.])`), `$1${account.accountSid}`);
  // Only the account's credentials: the deployment's never travel with a bound tenant's request.
  const { Authorization: _deployments, ...headers } = (opts.headers ?? {}) as Record<string, string>;
  return { ...opts, uri: url.href, username: account.username, password: account.password, headers };
}

/**
 * Whether a 2xx body is what the SDK can read: JSON or nothing (204). The SDK's HTTP client has parsed JSON
 * bodies already, so a body still a string is checked only in the rare case it isn't.
 */
function looksLikeJson(body: unknown): boolean {
  if (typeof body !== 'string' || body.trim() === '') return true;
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

/** A response body as the audit wants it (for the resource's SID): parsed JSON, or nothing. */
function parseBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}
