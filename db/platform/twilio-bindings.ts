import type { Db } from '../kit/pool';
import type { SecretBox } from './secrets';

/** Whose Twilio account a tenant's work runs under (issue #24): the deployment's, a subaccount of it, or its own. */
export type BindingKind = 'shared' | 'subaccount' | 'byo';
export type BindingStatus = 'creating' | 'active' | 'credentials_invalid' | 'suspended' | 'closing' | 'closed';

/** What failed when a binding stopped being usable; never a secret. */
export interface BindingStatusReason {
  code: number | string | null;
  message: string;
  method?: string;
  path?: string;
}

export interface TwilioBinding {
  kind: BindingKind;
  /** The bound account; null for `shared`, which runs under the deployment's TWILIO_ACCOUNT_SID. */
  accountSid: string | null;
  status: BindingStatus;
  statusReason: BindingStatusReason | null;
  /** When the status last changed; null for a tenant that has no binding row (always shared and active). */
  statusChangedAt: Date | null;
}

/** Every tenant without a row: the deployment's account, usable — how every tenant worked before #24. */
export const SHARED_BINDING: TwilioBinding = Object.freeze({ kind: 'shared', accountSid: null, status: 'active', statusReason: null, statusChangedAt: null });

interface BindingRow {
  tenant_id: string;
  kind: BindingKind;
  account_sid: string | null;
  status: BindingStatus;
  status_reason: BindingStatusReason | null;
  status_changed_at: Date;
}

const COLUMNS = 'tenant_id, kind, account_sid, status, status_reason, status_changed_at';

const toBinding = (r: BindingRow): TwilioBinding => ({
  kind: r.kind,
  accountSid: r.account_sid,
  status: r.status,
  statusReason: r.status_reason,
  statusChangedAt: r.status_changed_at,
});

/** The tenant's binding; a tenant with no row is `shared` and active. */
export async function bindingOf(db: Db, tenantId: string): Promise<TwilioBinding> {
  const { rows } = await db.query<BindingRow>(`SELECT ${COLUMNS} FROM tenant_twilio_bindings WHERE tenant_id = $1`, [tenantId]);
  return rows[0] ? toBinding(rows[0]) : SHARED_BINDING;
}

/**
 * The tenant bound to a Twilio account, with its binding, or null when no tenant is (the deployment's own
 * account included: shared tenants aren't bound to it by a row). At most one: account_sid is unique.
 */
export async function bindingByAccount(db: Db, accountSid: string): Promise<(TwilioBinding & { tenantId: string }) | null> {
  const { rows } = await db.query<BindingRow>(`SELECT ${COLUMNS} FROM tenant_twilio_bindings WHERE account_sid = $1`, [accountSid]);
  return rows[0] ? { tenantId: rows[0].tenant_id, ...toBinding(rows[0]) } : null;
}

/** What Twilio's Basic auth takes for a bound account: its auth token, or one of its API keys and the secret. */
export type TwilioCredential = { kind: 'auth_token'; authToken: string } | { kind: 'api_key'; apiKeySid: string; apiKeySecret: string };

/** A bound tenant's account as a worker calls it: the account, who signs in, and which credentials these are. */
export interface BoundAccount {
  tenantId: string;
  kind: Exclude<BindingKind, 'shared'>;
  accountSid: string;
  status: BindingStatus;
  /** Bumped on every credentials change: a failure seen with an older version does not mark newer ones. */
  credentialsVersion: number;
  /** Basic auth: the account SID (auth token) or the key SID (API key), and the token or the key's secret. */
  username: string;
  password: string;
  /** The operator's cap for a `byo` account; null: the deployment's TWILIO_MAX_CONCURRENCY. */
  maxConcurrency: number | null;
  /** A `byo` account's own primary customer profile (A2P), given with its credentials. */
  primaryProfileSid: string | null;
}

interface CredentialRow extends BindingRow {
  credentials_version: number;
  credential_kind: TwilioCredential['kind'] | null;
  api_key_sid: string | null;
  credentials_box: string | null;
  max_concurrency: number | null;
  primary_profile_sid: string | null;
}

/**
 * The tenant's bound account with its credentials opened (`box`: kind twilio-credential), or null for a `shared`
 * tenant, which runs under the deployment's account. A bound account without credentials yet (a subaccount
 * being made) answers with an empty password: requests are not sent for it (its status is not active).
 */
export async function boundAccountOf(db: Db, box: SecretBox, tenantId: string): Promise<BoundAccount | null> {
  const { rows } = await db.query<CredentialRow>(
    `SELECT ${COLUMNS}, credentials_version, credential_kind, api_key_sid, credentials_box, max_concurrency, primary_profile_sid
       FROM tenant_twilio_bindings WHERE tenant_id = $1 AND kind <> 'shared' AND account_sid IS NOT NULL`,
    [tenantId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    tenantId,
    kind: r.kind as BoundAccount['kind'],
    accountSid: r.account_sid!,
    status: r.status,
    credentialsVersion: r.credentials_version,
    username: r.credential_kind === 'api_key' ? r.api_key_sid! : r.account_sid!,
    password: r.credentials_box ? box.open(r.credentials_box) : '',
    maxConcurrency: r.max_concurrency,
    primaryProfileSid: r.primary_profile_sid,
  };
}

/**
 * Binds the tenant to an account with the credentials given (checked at Twilio by the caller), sealed: a new
 * `byo` binding, new credentials for the same one (which resume work paused on invalid ones), or a subaccount's
 * token as Twilio gave it. The status becomes active, the reason is cleared and the version bumped.
 */
export async function bindAccount(
  db: Db,
  box: SecretBox,
  tenantId: string,
  b: { kind: Exclude<BindingKind, 'shared'>; accountSid: string; credential: TwilioCredential; primaryProfileSid?: string | null },
): Promise<TwilioBinding> {
  const secret = b.credential.kind === 'auth_token' ? b.credential.authToken : b.credential.apiKeySecret;
  const keySid = b.credential.kind === 'api_key' ? b.credential.apiKeySid : null;
  const { rows } = await db.query<BindingRow>(
    `INSERT INTO tenant_twilio_bindings (tenant_id, kind, account_sid, credential_kind, api_key_sid, credentials_box, primary_profile_sid)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (tenant_id) DO UPDATE SET kind = EXCLUDED.kind, account_sid = EXCLUDED.account_sid,
       credential_kind = EXCLUDED.credential_kind, api_key_sid = EXCLUDED.api_key_sid, credentials_box = EXCLUDED.credentials_box,
       -- The auth token being replaced for the same account still verifies callbacks (Twilio signs with the
       -- primary token, which changes only when the tenant promotes the new one); another account's, never.
       previous_credentials_box = CASE
         WHEN tenant_twilio_bindings.account_sid = EXCLUDED.account_sid AND tenant_twilio_bindings.credential_kind = 'auth_token'
         THEN tenant_twilio_bindings.credentials_box END,
       primary_profile_sid = EXCLUDED.primary_profile_sid,
       credentials_version = tenant_twilio_bindings.credentials_version + 1,
       status = 'active', status_reason = NULL,
       status_changed_at = CASE WHEN tenant_twilio_bindings.status = 'active' THEN tenant_twilio_bindings.status_changed_at ELSE now() END,
       updated_at = now()
     RETURNING ${COLUMNS}`,
    [tenantId, b.kind, b.accountSid, b.credential.kind, keySid, box.seal(secret), b.primaryProfileSid ?? null],
  );
  return toBinding(rows[0]!);
}

/**
 * Twilio refused the tenant's credentials (20003): its work waits for new ones. Only the version that failed
 * is marked — credentials replaced meanwhile stay active. True when this call changed the status (the
 * `account.credentials_invalid` event goes out with it, from the table's trigger).
 */
export async function markCredentialsInvalid(db: Db, tenantId: string, credentialsVersion: number, reason: BindingStatusReason): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE tenant_twilio_bindings SET status = 'credentials_invalid', status_reason = $3, status_changed_at = now(), updated_at = now()
      WHERE tenant_id = $1 AND credentials_version = $2 AND status = 'active'`,
    [tenantId, credentialsVersion, JSON.stringify(reason)],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Numbers the tenant holds at Twilio (being bought, live, or being released): what stays in its current account
 * if it moved to another (Twilio transfers numbers only within one account's family).
 */
export async function numbersHeldAtTwilio(db: Db, tenantId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM phone_numbers WHERE tenant_id = $1 AND status IN ('purchasing', 'active', 'releasing')`,
    [tenantId],
  );
  return rows[0]!.n;
}

/**
 * The auth tokens that may have signed a callback about `accountSid`'s resources: the bound account's current
 * token and the one it replaced (a rotation in progress). Empty for an account no tenant is bound to, and for
 * one bound with an API key: Twilio signs with the auth token, which the service then does not hold.
 */
export async function callbackTokensOf(db: Db, box: SecretBox, accountSid: string): Promise<string[]> {
  const { rows } = await db.query<{ credential_kind: string | null; credentials_box: string | null; previous_credentials_box: string | null }>(
    `SELECT credential_kind, credentials_box, previous_credentials_box FROM tenant_twilio_bindings WHERE account_sid = $1`,
    [accountSid],
  );
  const r = rows[0];
  if (!r) return [];
  const sealed = [r.credential_kind === 'auth_token' ? r.credentials_box : null, r.previous_credentials_box];
  return sealed.filter((x): x is string => !!x).map((x) => box.open(x));
}

/**
 * The primary customer profile a tenant's A2P registrations connect to, when its binding names one: a `byo`
 * account's own (given with its credentials). Null otherwise: `shared` and `subaccount` tenants use the
 * deployment's primary profile (Twilio's ISV model: it lives in the parent account).
 */
export async function ownPrimaryProfileOf(db: Db, tenantId: string): Promise<{ kind: BindingKind; primaryProfileSid: string | null }> {
  const { rows } = await db.query<{ kind: BindingKind; primary_profile_sid: string | null }>(
    `SELECT kind, primary_profile_sid FROM tenant_twilio_bindings WHERE tenant_id = $1`,
    [tenantId],
  );
  return rows[0] ? { kind: rows[0].kind, primaryProfileSid: rows[0].primary_profile_sid } : { kind: 'shared', primaryProfileSid: null };
}
