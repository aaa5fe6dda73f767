import { createHash, randomBytes } from 'node:crypto';
import type { PoolClient } from 'pg';
import { afterCursor, pageOf } from '../kit/cursor';
import { inTransaction, type Db } from '../kit/pool';
import { recordRegistrationEvent } from '../kit/registration-events';
import { currentMonth, monthBounds } from './costs';
import { hashApiKey, type Tenant } from './tenants';
import { withImpliedScopes } from '../../schemas/platform/api-keys';
import type { BindingKind, BindingStatus } from './twilio-bindings';

/** Operator keys (issue #24 §4): they manage tenants and are never a tenant's. Made by the CLI only. */
export interface OperatorKeyView {
  id: string;
  label: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface OperatorKeyRow {
  id: string;
  label: string;
  key_prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const keyColumns = 'id, label, key_prefix, created_at, last_used_at, revoked_at';
const toKeyView = (r: OperatorKeyRow): OperatorKeyView => ({
  id: r.id,
  label: r.label,
  prefix: r.key_prefix,
  createdAt: r.created_at.toISOString(),
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
  revokedAt: r.revoked_at?.toISOString() ?? null,
});

/** `tpo_`: a leaked operator key is recognisable as one, and never taken for a tenant's `tp_` key. */
export const OPERATOR_KEY_PREFIX = 'tpo_';
export const isOperatorKey = (credential: string) => credential.startsWith(OPERATOR_KEY_PREFIX);

/** A new operator key; the key is returned this once and only its hash is kept. */
export async function createOperatorKey(db: Db, label: string): Promise<{ key: string; view: OperatorKeyView }> {
  const key = `${OPERATOR_KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  const { rows } = await db.query<OperatorKeyRow>(
    `INSERT INTO operator_keys (label, key_hash, key_prefix) VALUES ($1, $2, $3) RETURNING ${keyColumns}`,
    [label, hashApiKey(key), key.slice(0, 8)],
  );
  return { key, view: toKeyView(rows[0]!) };
}

/** Revokes an operator key (effective on its next request); null when there is no such key. Repeating is harmless. */
export async function revokeOperatorKey(db: Db, id: string): Promise<OperatorKeyView | null> {
  const { rows } = await db.query<OperatorKeyRow>(
    `UPDATE operator_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${keyColumns}`,
    [id],
  );
  return rows[0] ? toKeyView(rows[0]) : null;
}

/** The live (unrevoked) operator key a bearer credential is, or null. */
export async function findOperatorKey(db: Db, key: string): Promise<{ id: string; label: string } | null> {
  if (!isOperatorKey(key)) return null;
  const { rows } = await db.query<{ id: string; label: string; stale: boolean }>(
    `SELECT id, label, (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS stale
       FROM operator_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
    [hashApiKey(key)],
  );
  const r = rows[0];
  if (!r) return null;
  // As tenant keys: last use to the minute, off the request's path.
  if (r.stale) void db.query('UPDATE operator_keys SET last_used_at = now() WHERE id = $1', [r.id]).catch(() => undefined);
  return { id: r.id, label: r.label };
}

/** An operator's change to a tenant, in that tenant's audit trail, with the operator key that made it. */
export async function recordOperatorChange(
  db: Db,
  c: { tenantId: string; operatorKeyId: string; action: string; httpStatus: number; summary: { method: string; path: string; params: Record<string, unknown> } },
): Promise<void> {
  await db.query(
    `INSERT INTO audit_events (tenant_id, action, activity, http_status, summary, operator_key_id) VALUES ($1, $2, 'operator', $3, $4, $5)`,
    [c.tenantId, c.action, c.httpStatus, JSON.stringify(c.summary), c.operatorKeyId],
  );
}

export class TenantNameTakenError extends Error {}
export class IdempotencyConflictError extends Error {}

/** A tenant as an operator made it: its first admin key (shown once) and whether this request repeated an earlier one. */
export interface OperatorTenant {
  tenant: Tenant;
  apiKey: string;
  binding: Exclude<BindingKind, 'byo'>;
  repeat: boolean;
}

/**
 * Creates a tenant with an admin key and, for `subaccount`, its binding row in `creating` (no SID yet: the
 * workflow makes the subaccount and stores it) — all in one transaction, with the Idempotency-Key when given.
 * A repeat of the same key and request names the tenant the first one made: the tenant is not made again, and
 * since the first answer's key may never have arrived, a fresh admin key is issued and the earlier never-used
 * initial keys are revoked (a key that was used, the caller evidently has).
 */
export async function createOperatorTenant(
  db: Db,
  t: { name: string; binding: Exclude<BindingKind, 'byo'>; idempotency?: { key: string; request: unknown } },
): Promise<OperatorTenant> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const repeatOf = t.idempotency ? await claimCreate(client, t.idempotency.key, requestHash(t.idempotency.request)) : null;
    const result = repeatOf ? await reissueInitialKey(client, repeatOf, t.binding) : await insertTenant(client, t);
    if (t.idempotency && !repeatOf) {
      await client.query(`UPDATE operator_idempotency_keys SET tenant_id = $3 WHERE scope = $1 AND key = $2`, ['tenants.create', t.idempotency.key, result.tenant.id]);
    }
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if ((err as { code?: string; constraint?: string }).code === '23505' && (err as { constraint?: string }).constraint === 'tenants_name_key') {
      throw new TenantNameTakenError(`a tenant named "${t.name}" exists`);
    }
    throw err;
  } finally {
    client.release();
  }
}

const requestHash = (request: unknown) => createHash('sha256').update(JSON.stringify(request)).digest('hex');

/**
 * The tenant an earlier request with this key made, or null when this is the key's first use (claimed here, in
 * the caller's transaction: a concurrent first use waits on it). A different request with the key: conflict.
 */
async function claimCreate(client: PoolClient, key: string, hash: string): Promise<string | null> {
  const { rowCount } = await client.query(
    `INSERT INTO operator_idempotency_keys (scope, key, request_hash, tenant_id) VALUES ('tenants.create', $1, $2, NULL)
     ON CONFLICT (scope, key) DO NOTHING`,
    [key, hash],
  );
  if (rowCount) return null;
  const { rows } = await client.query<{ request_hash: string; tenant_id: string }>(
    `SELECT request_hash, tenant_id FROM operator_idempotency_keys WHERE scope = 'tenants.create' AND key = $1`,
    [key],
  );
  if (rows[0]!.request_hash !== hash) throw new IdempotencyConflictError('Idempotency-Key was already used for a different request');
  return rows[0]!.tenant_id;
}

async function insertTenant(client: PoolClient, t: { name: string; binding: Exclude<BindingKind, 'byo'> }): Promise<OperatorTenant> {
  const { rows } = await client.query<Tenant>('INSERT INTO tenants (name) VALUES ($1) RETURNING id, name', [t.name]);
  const tenant = rows[0]!;
  const apiKey = await insertInitialKey(client, tenant.id);
  // A shared tenant has no row (migration 040); a subaccount's row comes first, so a crash leaves a trace to resume.
  if (t.binding === 'subaccount') {
    await client.query(`INSERT INTO tenant_twilio_bindings (tenant_id, kind, status) VALUES ($1, 'subaccount', 'creating')`, [tenant.id]);
  }
  return { tenant, apiKey, binding: t.binding, repeat: false };
}

async function reissueInitialKey(client: PoolClient, tenantId: string, binding: Exclude<BindingKind, 'byo'>): Promise<OperatorTenant> {
  const { rows } = await client.query<Tenant>('SELECT id, name FROM tenants WHERE id = $1', [tenantId]);
  await client.query(`UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND name = 'initial' AND last_used_at IS NULL AND revoked_at IS NULL`, [tenantId]);
  const apiKey = await insertInitialKey(client, tenantId);
  return { tenant: rows[0]!, apiKey, binding, repeat: true };
}

/** The tenant's first key may do everything, issuing its other keys included (as db/platform/tenants.ts createTenant). */
async function insertInitialKey(client: PoolClient, tenantId: string): Promise<string> {
  const apiKey = `tp_${randomBytes(24).toString('base64url')}`;
  await client.query(`INSERT INTO api_keys (tenant_id, key_hash, key_prefix, name, scopes) VALUES ($1, $2, $3, 'initial', $4)`, [
    tenantId,
    hashApiKey(apiKey),
    apiKey.slice(0, 7),
    withImpliedScopes(['admin']),
  ]);
  return apiKey;
}

/** A tenant in the operator's list: its binding, live numbers and this month's spend. */
export interface OperatorTenantView {
  id: string;
  name: string;
  createdAt: string;
  suspendedAt: string | null;
  binding: { kind: BindingKind; accountSid: string | null; status: BindingStatus };
  liveNumbers: number;
  monthSpendUsd: number;
}

interface TenantListRow {
  id: string;
  name: string;
  created_at: Date;
  cursor_ts: string;
  suspended_at: Date | null;
  kind: BindingKind | null;
  account_sid: string | null;
  status: BindingStatus | null;
  live_numbers: number;
  spend: string;
}

/** The list's columns for the tenants in `t` (a CTE of tenants rows): binding, live numbers, the month's spend ($1, $2). */
const tenantViewSql = (t: string) => `
  SELECT t.id, t.name, t.created_at, t.created_at::text AS cursor_ts, t.suspended_at, b.kind, b.account_sid, b.status,
         (SELECT count(*)::int FROM phone_numbers n WHERE n.tenant_id = t.id AND n.status = 'active') AS live_numbers,
         (SELECT COALESCE(sum(amount_usd), 0)::text FROM cost_ledger c WHERE c.tenant_id = t.id AND c.created_at >= $1 AND c.created_at < $2) AS spend
    FROM ${t} t LEFT JOIN tenant_twilio_bindings b ON b.tenant_id = t.id
   ORDER BY t.created_at DESC, t.id DESC`;

/** Every tenant, newest first, in cursor pages; a shared tenant's account is the deployment's (`sharedSid`). */
export async function listOperatorTenants(db: Db, q: { limit: number; cursor?: string }, sharedSid: string) {
  const page = afterCursor(q.cursor, 3);
  const { from, to } = monthBounds(currentMonth());
  const { rows } = await db.query<TenantListRow>(
    `WITH page AS (SELECT * FROM tenants WHERE ${page.sql} ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}) ${tenantViewSql('page')}`,
    [from, to, ...page.params],
  );
  const { page: data, nextCursor } = pageOf(rows, q.limit);
  return { data: data.map((r) => toTenantView(r, sharedSid)), nextCursor };
}

/** One tenant as the list shows it, or null. */
export async function operatorTenant(db: Db, tenantId: string, sharedSid: string): Promise<OperatorTenantView | null> {
  const { from, to } = monthBounds(currentMonth());
  const { rows } = await db.query<TenantListRow>(`WITH one AS (SELECT * FROM tenants WHERE id = $3) ${tenantViewSql('one')}`, [from, to, tenantId]);
  return rows[0] ? toTenantView(rows[0], sharedSid) : null;
}

const toTenantView = (r: TenantListRow, sharedSid: string): OperatorTenantView => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at.toISOString(),
  suspendedAt: r.suspended_at?.toISOString() ?? null,
  binding: r.kind
    ? { kind: r.kind, accountSid: r.account_sid, status: r.status! }
    : { kind: 'shared', accountSid: sharedSid, status: r.suspended_at ? 'suspended' : 'active' },
  liveNumbers: r.live_numbers,
  monthSpendUsd: Math.round(Number(r.spend) * 100) / 100,
});

/** The service-side suspension: the tenant's keys may read, not change (api/kit/plugins/auth.ts). Idempotent. */
export async function setTenantSuspended(db: Db, tenantId: string, suspended: boolean): Promise<boolean> {
  const { rowCount } = await db.query(
    suspended ? 'UPDATE tenants SET suspended_at = COALESCE(suspended_at, now()) WHERE id = $1' : 'UPDATE tenants SET suspended_at = NULL WHERE id = $1',
    [tenantId],
  );
  return (rowCount ?? 0) > 0;
}

/** The subaccount binding's row as the tenant-account activities read it (null: the tenant has no subaccount binding). */
export async function subaccountBindingOf(db: Db, tenantId: string): Promise<{ name: string; accountSid: string | null; status: BindingStatus } | null> {
  const { rows } = await db.query<{ name: string; account_sid: string | null; status: BindingStatus }>(
    `SELECT t.name, b.account_sid, b.status FROM tenant_twilio_bindings b JOIN tenants t ON t.id = b.tenant_id
      WHERE b.tenant_id = $1 AND b.kind = 'subaccount'`,
    [tenantId],
  );
  const r = rows[0];
  return r ? { name: r.name, accountSid: r.account_sid, status: r.status } : null;
}

/**
 * The subaccount's status as Twilio now has it (suspended or active again): a paused tenant's work waits, and
 * resumes once active. Only from one of those two states: a closing or closed account stays so.
 */
export async function setSubaccountBindingStatus(db: Db, tenantId: string, status: 'active' | 'suspended'): Promise<void> {
  await db.query(
    `UPDATE tenant_twilio_bindings SET status = $2, status_reason = NULL, status_changed_at = now(), updated_at = now()
      WHERE tenant_id = $1 AND kind = 'subaccount' AND status IN ('active', 'suspended') AND status <> $2`,
    [tenantId, status],
  );
}

/** What closing a subaccount tenant loses (issue #24 §4): shown by the dry run, and bound by its confirmation token. */
export interface ClosePlan {
  /** Every number the tenant holds: Twilio releases them when the subaccount closes. */
  numbers: string[];
  /** Unfinished reviewed registrations: Twilio's records of them go with the account. */
  registrations: { id: string; product: 'a2p' | 'voice_trust' | 'tollfree'; status: string; workflowId: string }[];
  trunks: { id: string; domainName: string }[];
}

/** The close plan as PostgreSQL has it now, in a stable order (its digest is compared across requests). */
export async function closePlanOf(db: Db, tenantId: string): Promise<ClosePlan> {
  const [numbers, registrations, trunks] = await Promise.all([
    db.query<{ phone_number: string }>(
      `SELECT phone_number FROM phone_numbers WHERE tenant_id = $1 AND status IN ('purchasing', 'active', 'releasing') ORDER BY phone_number`,
      [tenantId],
    ),
    db.query<{ id: string; product: ClosePlan['registrations'][number]['product']; status: string; workflow_id: string }>(
      `SELECT id, 'a2p' AS product, status, workflow_id FROM a2p_registrations WHERE tenant_id = $1 AND finished_at IS NULL
       UNION ALL SELECT id, 'voice_trust', status, workflow_id FROM voice_trust_registrations WHERE tenant_id = $1 AND finished_at IS NULL
       UNION ALL SELECT id, 'tollfree', status, workflow_id FROM tollfree_verifications WHERE tenant_id = $1 AND finished_at IS NULL
       ORDER BY id`,
      [tenantId],
    ),
    db.query<{ id: string; domain_name: string }>(`SELECT id, domain_name FROM sip_trunks WHERE tenant_id = $1 AND status <> 'deleted' ORDER BY id`, [tenantId]),
  ]);
  return {
    numbers: numbers.rows.map((r) => r.phone_number),
    registrations: registrations.rows.map((r) => ({ id: r.id, product: r.product, status: r.status, workflowId: r.workflow_id })),
    trunks: trunks.rows.map((r) => ({ id: r.id, domainName: r.domain_name })),
  };
}

/**
 * The first step of closing, in one transaction: the tenant's keys read-only (as a suspension) and the subaccount
 * binding `closing` — from then on no work is sent for it, and a repeated close finds the closing to resume.
 */
export async function startClosingTenant(db: Db, tenantId: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.query('UPDATE tenants SET suspended_at = COALESCE(suspended_at, now()) WHERE id = $1', [tenantId]);
    await tx.query(
      `UPDATE tenant_twilio_bindings SET status = 'closing', status_reason = NULL, status_changed_at = now(), updated_at = now()
        WHERE tenant_id = $1 AND kind = 'subaccount' AND status NOT IN ('closing', 'closed')`,
      [tenantId],
    );
  });
}

/**
 * The last step of closing, once Twilio has the subaccount closed: its numbers (released by Twilio with it) are
 * released here too, belonging to nothing, and the binding is `closed`. Idempotent; returns the numbers released now.
 */
export async function markTenantClosed(db: Db, tenantId: string): Promise<number> {
  return inTransaction(db, async (tx) => {
    const released = await tx.query<{ twilio_sid: string | null }>(
      `UPDATE phone_numbers SET status = 'released', released_at = COALESCE(released_at, now()), updated_at = now()
        WHERE tenant_id = $1 AND status IN ('purchasing', 'active', 'releasing') RETURNING twilio_sid`,
      [tenantId],
    );
    const sids = released.rows.map((r) => r.twilio_sid).filter((s): s is string => s !== null);
    if (sids.length) await tx.query('DELETE FROM number_memberships WHERE twilio_sid = ANY($1::text[])', [sids]);
    // Its trunks went with the subaccount: deleted here too, so their domain names are free again (Twilio keeps
    // a closed subaccount's domain reserved for a while; a new trunk on one gets Twilio's refusal, not ours).
    await tx.query(`UPDATE sip_trunks SET status = 'deleted', deleted_at = COALESCE(deleted_at, now()), updated_at = now() WHERE tenant_id = $1 AND status <> 'deleted'`, [tenantId]);
    await tx.query(
      `UPDATE tenant_twilio_bindings SET status = 'closed', status_reason = NULL, status_changed_at = now(), updated_at = now()
        WHERE tenant_id = $1 AND kind = 'subaccount' AND status <> 'closed'`,
      [tenantId],
    );
    return released.rowCount ?? 0;
  });
}

const REGISTRATION_TABLES = { a2p: 'a2p_registrations', voice_trust: 'voice_trust_registrations', tollfree: 'tollfree_verifications' } as const;

/**
 * Ends the rows of a closing tenant's registrations that no workflow will end, `cancelled` with the reason on
 * their timelines: with `onlyQueued`, those never started (claimed here while still `queued`, so the queued-work
 * sweep never starts one against the closing account); otherwise any still unfinished (their workflows were
 * terminated). Returns the ids it ended.
 */
export async function endRegistrationsOfClosingTenant(
  db: Db,
  tenantId: string,
  registrations: Pick<ClosePlan['registrations'][number], 'id' | 'product'>[],
  why: { onlyQueued: boolean; message: string },
): Promise<string[]> {
  const ended: string[] = [];
  for (const product of Object.keys(REGISTRATION_TABLES) as (keyof typeof REGISTRATION_TABLES)[]) {
    const ids = registrations.filter((r) => r.product === product).map((r) => r.id);
    if (!ids.length) continue;
    const { rows } = await db.query<{ id: string }>(
      `UPDATE ${REGISTRATION_TABLES[product]} SET status = 'cancelled', finished_at = now(), updated_at = now()
        WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND finished_at IS NULL AND (NOT $3::boolean OR status = 'queued') RETURNING id`,
      [tenantId, ids, why.onlyQueued],
    );
    for (const { id } of rows) {
      await recordRegistrationEvent(db, { product, registrationId: id, type: 'cancelled', message: why.message });
      ended.push(id);
    }
  }
  return ended;
}
