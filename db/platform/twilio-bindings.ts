import type { Db } from '../kit/pool';

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
