import type { Db } from '../../db/kit/pool';
import type { SecretBox } from '../../db/platform/secrets';
import { boundAccountOf, markCredentialsInvalid, type BindingStatusReason, type BoundAccount } from '../../db/platform/twilio-bindings';

/**
 * A binding is read again after this long. Short, because it is how every worker learns of a change made
 * elsewhere — new credentials (which resume paused work), a suspension, another worker's 20003 — and long
 * enough that a bulk job's hundreds of requests a second ask PostgreSQL once per tenant, not once each.
 */
export const ACCOUNT_CACHE_MS = 2_000;

/** The Twilio account each tenant's requests go to (issue #24), from PostgreSQL, never from a workflow input. */
export interface TenantAccounts {
  /** The tenant's bound account with its credentials, or null for a `shared` tenant (the deployment's account). */
  accountFor(tenantId: string): Promise<BoundAccount | null>;
  /** Drops the tenant's cached binding: the next request reads it again (after this worker changed it). */
  forget(tenantId: string): void;
  /** Twilio refused the credentials of `account` (20003): marked invalid unless they were replaced meanwhile. */
  credentialsRefused(account: BoundAccount, reason: BindingStatusReason): Promise<void>;
}

export interface TenantAccountsDeps {
  db: Db;
  /** Opens the sealed credentials: SecretBox kind 'twilio-credential'. */
  box: SecretBox;
  /** How long a read binding is used; ACCOUNT_CACHE_MS unless a test says otherwise. */
  cacheMs?: number;
  now?: () => number;
}

/** Per tenant: the binding being (or last) read, and until when it may be used. */
interface Entry {
  account: Promise<BoundAccount | null>;
  until: number;
}

export function createTenantAccounts({ db, box, cacheMs = ACCOUNT_CACHE_MS, now = Date.now }: TenantAccountsDeps): TenantAccounts {
  const cache = new Map<string, Entry>();
  const forget = (tenantId: string) => void cache.delete(tenantId);
  return {
    accountFor(tenantId) {
      const hit = cache.get(tenantId);
      if (hit && hit.until > now()) return hit.account;
      // The promise is cached, not its value: a bulk job's lanes asking at once share one query.
      const account = boundAccountOf(db, box, tenantId);
      const entry = { account, until: now() + cacheMs };
      cache.set(tenantId, entry);
      // A failed read is not kept: the next request asks again.
      account.catch(() => cache.get(tenantId) === entry && forget(tenantId));
      return account;
    },
    forget,
    async credentialsRefused(account, reason) {
      // Only the version that failed: credentials replaced since then stay active.
      await markCredentialsInvalid(db, account.tenantId, account.credentialsVersion, reason);
      forget(account.tenantId);
    },
  };
}
