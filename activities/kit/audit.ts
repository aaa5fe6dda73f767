import { AsyncLocalStorage } from 'node:async_hooks';
import type { A2pFees } from '../../compliance/platform/prices';
import type { Db } from '../../db/kit/pool';
import { costOf } from './costs';
import { tenantOfWorkflowId } from '../../schemas/kit/workflow-ids';

/** Whose work a Twilio request is part of: set around every activity from its input. */
export interface AuditScope {
  /** Null when the activity's input doesn't name it: found from the registration or the resource. */
  tenantId: string | null;
  activity: string;
  jobId?: string | null;
  registrationId?: string | null;
  trunkId?: string | null;
}

export const auditScope = new AsyncLocalStorage<AuditScope>();

/** The scope of an activity call, from the fields its input carries. */
export function scopeOf(activity: string, input: unknown, workflowId?: string): AuditScope {
  const i = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  // An activity whose input names no tenant works for the tenant its workflow's id is namespaced by (the API
  // chooses that id): its Twilio calls go to that tenant's account and its writes are audited as that tenant's.
  const tenantId = str(i.tenantId) ?? (workflowId ? tenantOfWorkflowId(workflowId) : null);
  return { tenantId, activity, jobId: str(i.jobId), registrationId: str(i.registrationId), trunkId: str(i.trunkId) };
}

export interface TwilioWrite {
  method: string;
  url: string;
  status: number;
  params: Record<string, unknown> | undefined;
  body: unknown;
}

// Request fields that carry secrets: never in the trail, not even hashed.
const SECRET_PARAM = /password|secret|token|credential(?!List)|auth/i;

/**
 * Records Twilio writes (every non-GET that Twilio accepted) in `audit_events`, and what they cost in
 * `cost_ledger` (prices from configuration): tenant, job, registration
 * or trunk, the resource's SID, a summary without secrets, when. Writes made in the same turn of the
 * event loop go in one INSERT, and a write's request returns only once its record is stored.
 */
export function createAuditSink(db: Db, fees?: A2pFees) {
  let pending: unknown[][] = [];
  let pendingCosts: unknown[][] = [];
  let flushing: Promise<void> | null = null;
  const placeholders = (rows: unknown[][], width: number) =>
    rows.map((_, i) => `(${Array.from({ length: width }, (__, j) => `$${i * width + j + 1}`).join(', ')})`).join(', ');
  const flush = async () => {
    const rows = pending;
    const costs = pendingCosts;
    pending = [];
    pendingCosts = [];
    flushing = null;
    await db.query(
      `INSERT INTO audit_events (tenant_id, action, activity, resource_sid, job_id, registration_id, trunk_id, http_status, summary) VALUES ${placeholders(rows, 9)}`,
      rows.flat(),
    );
    if (costs.length) {
      await db.query(`INSERT INTO cost_ledger (tenant_id, item, amount_usd, resource_sid, job_id, registration_id) VALUES ${placeholders(costs, 6)}`, costs.flat());
    }
  };
  return async function record(w: TwilioWrite): Promise<void> {
    const scope = auditScope.getStore();
    if (!scope) return; // not an activity's call (start-up checks, tests' own clients)
    const path = new URL(w.url).pathname;
    const sid = typeof (w.body as { sid?: unknown } | null)?.sid === 'string' ? (w.body as { sid: string }).sid : (/\/([A-Z]{2}[0-9a-f]{32})(?:\.json)?$/.exec(path)?.[1] ?? null);
    // The activity's input names the tenant and usually the job, registration or trunk; where it names only
    // the tenant (or nothing), the registration or resource the write is about says the rest.
    const named = !scope.tenantId || scope.registrationId || scope.jobId || scope.trunkId ? null : await ownerOf(db, null, path);
    const owner = scope.tenantId
      ? { tenantId: scope.tenantId, registrationId: scope.registrationId ?? (named?.tenantId === scope.tenantId ? named.registrationId : null) }
      : await ownerOf(db, scope.registrationId ?? null, path);
    if (!owner) {
      console.warn(`audit: no tenant found for ${w.method} ${path} (${scope.activity})`);
      return;
    }
    const params = Object.fromEntries(Object.entries(w.params ?? {}).map(([k, v]) => [k, SECRET_PARAM.test(k) ? '[redacted]' : v]));
    pending.push([owner.tenantId, actionOf(w.method, path), scope.activity, sid, scope.jobId ?? null, owner.registrationId, scope.trunkId ?? null, w.status, JSON.stringify({ method: w.method, path, params })]);
    // What the write costs goes in the ledger with it.
    for (const c of fees ? costOf(w.method, path, w.params ?? {}, fees) : []) {
      pendingCosts.push([owner.tenantId, c.item, c.amountUsd, sid, scope.jobId ?? null, owner.registrationId]);
    }
    flushing ??= new Promise<void>((r) => setImmediate(r)).then(flush);
    // A write Twilio accepted stands whatever happens here; a trail PostgreSQL can't take right now is
    // reported, not turned into a failed (and retried) Twilio call.
    await flushing.catch((err) => console.warn(`audit: could not record ${w.method} ${path}: ${(err as Error).message}`));
  };
}

/** A name for the write: the method and the resource path without SIDs, e.g. `POST IncomingPhoneNumbers`. */
function actionOf(method: string, path: string): string {
  const resource = path
    .replace(/^\/(2010-04-01|v\d)\//, '')
    .replace(/^Accounts\/AC[0-9a-f]{32}\//, '')
    .replace(/\/[A-Z]{2}[0-9a-f]{32}/g, '')
    .replace(/\.json$/, '');
  return `${method.toUpperCase()} ${resource}`;
}

/**
 * The tenant of a write whose activity input doesn't name one (A2P steps that take only SIDs): from the
 * registration, or from the A2P resource the write is about (any SID in its path).
 */
async function ownerOf(db: Db, registrationId: string | null, path: string): Promise<{ tenantId: string; registrationId: string | null } | null> {
  const sids = path.match(/[A-Z]{2}[0-9a-f]{32}/g) ?? [];
  const { rows } = await db.query<{ tenant_id: string; registration_id: string | null }>(
    `SELECT tenant_id, id::text AS registration_id FROM a2p_registrations WHERE id::text = $1
     UNION ALL SELECT tenant_id, registration_id::text FROM a2p_profiles WHERE profile_sid = ANY($2)
     UNION ALL SELECT tenant_id, registration_id::text FROM a2p_brands WHERE brand_sid = ANY($2)
     UNION ALL SELECT tenant_id, registration_id::text FROM a2p_campaigns WHERE campaign_sid = ANY($2) OR messaging_service_sid = ANY($2)
     LIMIT 1`,
    [registrationId ?? '', sids],
  );
  return rows[0] ? { tenantId: rows[0].tenant_id, registrationId: rows[0].registration_id } : null;
}

/**
 * Runs `fn` as the deployment's own work, outside the tenant's account: for the few reads a tenant's work makes
 * of the deployment's account (its primary customer profile, which Twilio's ISV model keeps in the parent).
 */
export function asDeployment<T>(fn: () => Promise<T>): Promise<T> {
  const scope = auditScope.getStore();
  return auditScope.run({ ...(scope ?? { activity: 'deployment', jobId: null, registrationId: null, trunkId: null }), tenantId: null }, fn);
}

/**
 * Runs `fn` outside any tenant's scope: its Twilio calls go with the deployment's own credentials and the audit
 * sink records nothing (it can't tell whose they are). For the parent-only calls of the operator's work (making,
 * suspending or closing a subaccount, moving a number between accounts), whose writes are then recorded with
 * `recordParentWrite` in the trails of the tenants they are for.
 */
export const asParent = <T>(fn: () => Promise<T>): Promise<T> => auditScope.exit(fn);

/** A write made with the parent's credentials, in the trail of a tenant it was for (as the sink records a tenant's own). */
export async function recordParentWrite(
  db: Db,
  w: { tenantId: string; action: string; resourceSid: string; httpStatus: number; method: string; path: string; params: Record<string, unknown> },
): Promise<void> {
  await db.query(`INSERT INTO audit_events (tenant_id, action, activity, resource_sid, http_status, summary) VALUES ($1, $2, $3, $4, $5, $6)`, [
    w.tenantId,
    w.action,
    auditScope.getStore()?.activity ?? 'operator',
    w.resourceSid,
    w.httpStatus,
    JSON.stringify({ method: w.method, path: w.path, params: w.params }),
  ]);
}
