import type pg from 'pg';
import { secureTrunkWarnings, trunkHealth } from '../../compliance/sip/health';
import type { TrunkOperation, TrunkSpec, TrunkView } from '../../schemas/sip/trunks';
import type { OperationOutcome, OperationProgress, ProgressEntry, SipOperationInput, TrunkSnapshot } from '../../schemas/sip/workflow';
import { afterCursor, pageOf } from '../kit/cursor';
import { inTransaction, type Db } from '../kit/pool';

export interface TrunkRow {
  id: string;
  tenant_id: string;
  trunk_sid: string | null;
  domain_name: string;
  status: TrunkView['status'];
  spec: TrunkSpec;
  snapshot: TrunkSnapshot | null;
  observed_at: Date | null;
  idempotency_key: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  cursor_ts: string;
}

interface OperationRow {
  id: string;
  trunk_id: string;
  kind: TrunkOperation['kind'];
  status: TrunkOperation['status'];
  input: SipOperationInput;
  workflow_id: string;
  progress: Partial<OperationProgress>;
  created_at: Date;
  finished_at: Date | null;
}

const columns = `id, tenant_id, trunk_sid, domain_name, status, spec, snapshot, observed_at, idempotency_key,
  created_at, updated_at, deleted_at, created_at::text AS cursor_ts`;

export const ACTIVE_OPERATION = ['queued', 'running', 'rolling_back'];

function operationView(o: OperationRow): TrunkOperation {
  return {
    id: o.id,
    kind: o.kind,
    status: o.status,
    step: o.progress.step ?? null,
    steps: o.progress.steps ?? [],
    error: o.progress.error ?? null,
    rollback: o.progress.rollback ?? [],
    createdAt: o.created_at.toISOString(),
    finishedAt: o.finished_at?.toISOString() ?? null,
  };
}

/** The trunk as the API shows it: Twilio's state as last read when there is one, the desired state before. */
async function view(db: Db | pg.PoolClient, row: TrunkRow): Promise<TrunkView> {
  // The operation first, then the trunk again: an operation read as finished has its trunk's settled state
  // committed with it, so the trunk read after it can't be older (one read before it could: "succeeded"
  // next to a trunk still "provisioning").
  const ops = await db.query<OperationRow>('SELECT * FROM sip_operations WHERE trunk_id = $1 ORDER BY created_at DESC LIMIT 1', [row.id]);
  const r = (await db.query<TrunkRow>(`SELECT ${columns} FROM sip_trunks WHERE id = $1`, [row.id])).rows[0] ?? row;
  const [numbers, lists] = await Promise.all([
    db.query<{ phone_number: string; twilio_sid: string | null }>(
      `SELECT phone_number, twilio_sid FROM phone_numbers WHERE sip_trunk_id = $1 AND status IN ('active','releasing') ORDER BY phone_number`,
      [r.id],
    ),
    db.query<{ list_sid: string | null; friendly_name: string; twilio_name: string }>(
      'SELECT list_sid, friendly_name, twilio_name FROM sip_auth_lists WHERE tenant_id = $1 AND deleted_at IS NULL',
      [r.tenant_id],
    ),
  ]);
  const nameOf = (sid: string, twilioName: string) => lists.rows.find((l) => l.list_sid === sid)?.friendly_name ?? twilioName;
  const s = r.snapshot;
  const spec = r.spec;
  const settings = s?.settings;
  const uris = s
    ? s.originationUris.map((u) => ({ ...u, friendlyName: u.friendlyName ?? null }))
    : spec.originationUris.map((u) => ({ sid: null, ...u, friendlyName: u.friendlyName ?? null }));
  const domainName = settings?.domainName ?? r.domain_name;
  const op = ops.rows[0];
  const pending = op && ACTIVE_OPERATION.includes(op.status) ? op : null;
  return {
    id: r.id,
    trunkSid: r.trunk_sid,
    status: r.status,
    friendlyName: settings?.friendlyName ?? spec.friendlyName,
    domainName,
    terminationUri: domainName,
    secure: settings?.secure ?? spec.secure,
    cnamLookupEnabled: settings?.cnamLookupEnabled ?? spec.cnamLookupEnabled,
    transfer: settings ? { mode: settings.transferMode, callerId: settings.transferCallerId } : spec.transfer,
    recording: s?.recording ?? spec.recording,
    disasterRecovery: settings
      ? settings.disasterRecoveryUrl ? { url: settings.disasterRecoveryUrl, method: settings.disasterRecoveryMethod ?? 'POST' } : null
      : spec.disasterRecovery,
    originationUris: uris,
    termination: s
      ? {
          authType: s.authType,
          credentialLists: s.credentialLists.map((l) => ({ sid: l.sid, friendlyName: nameOf(l.sid, l.twilioName), usernames: l.usernames })),
          ipAccessControlLists: s.ipAccessControlLists.map((l) => ({ sid: l.sid, friendlyName: nameOf(l.sid, l.twilioName), ipAddresses: l.ipAddresses })),
        }
      : {
          authType: [],
          credentialLists: spec.termination.credentialLists.map((l) =>
            'sid' in l ? { sid: l.sid, friendlyName: nameOf(l.sid, l.sid), usernames: [] } : { sid: null, friendlyName: l.friendlyName, usernames: l.credentials.map((c) => c.username) },
          ),
          ipAccessControlLists: spec.termination.ipAccessControlLists.map((l) =>
            'sid' in l ? { sid: l.sid, friendlyName: nameOf(l.sid, l.sid), ipAddresses: [] } : { sid: null, friendlyName: l.friendlyName, ipAddresses: l.ipAddresses },
          ),
        },
    phoneNumbers: numbers.rows.map((n) => ({ phoneNumber: n.phone_number, twilioSid: n.twilio_sid })),
    health: s && r.status !== 'deleted' ? trunkHealth(s) : [],
    // What the trunk is becoming (a running change's desired state) is what the warnings are about.
    warnings: pending?.input.spec
      ? secureTrunkWarnings(pending.input.spec.secure, pending.input.spec.originationUris.map((u) => u.sipUrl))
      : secureTrunkWarnings(settings?.secure ?? spec.secure, uris.map((u) => u.sipUrl)),
    operation: op ? operationView(op) : null,
    observedAt: r.observed_at?.toISOString() ?? null,
    idempotencyKey: r.idempotency_key,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    deletedAt: r.deleted_at?.toISOString() ?? null,
  };
}

export const trunkView = (db: Db, r: TrunkRow) => view(db, r);

/** A tenant's trunk by TK SID or by the id the create call returned. */
export async function findTrunk(db: Db, tenantId: string, ref: string): Promise<TrunkRow | null> {
  const bySid = ref.startsWith('TK');
  const { rows } = await db.query<TrunkRow>(
    `SELECT ${columns} FROM sip_trunks WHERE tenant_id = $1 AND ${bySid ? 'trunk_sid = $2' : 'id = $2::uuid'}`,
    [tenantId, ref],
  );
  return rows[0] ?? null;
}

export async function listTrunks(db: Db, tenantId: string, q: { limit: number; cursor?: string; status?: string }) {
  const page = afterCursor(q.cursor, 3);
  const { rows } = await db.query<TrunkRow>(
    `SELECT ${columns} FROM sip_trunks
      WHERE tenant_id = $1 AND ($2::text IS NULL AND status <> 'deleted' OR status = $2) AND ${page.sql}
      ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}`,
    [tenantId, q.status ?? null, ...page.params],
  );
  const { page: data, nextCursor } = pageOf(rows, q.limit);
  return { data: await Promise.all(data.map((r) => view(db, r))), nextCursor };
}

/** Trunks the service holds at Twilio, for every tenant (Twilio's limit is per account). */
export async function countLiveTrunks(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM sip_trunks WHERE status NOT IN ('deleted')`);
  return Number(rows[0]!.n);
}

export async function domainTaken(db: Db, domainName: string, exceptTrunkId?: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM sip_trunks WHERE lower(domain_name) = lower($1) AND status <> 'deleted' AND id <> COALESCE($2::uuid, '00000000-0000-0000-0000-000000000000')`,
    [domainName, exceptTrunkId ?? null],
  );
  return rows.length > 0;
}

export class TrunkBusyError extends Error {}

/**
 * Writes the trunk (create only) and its queued operation in one transaction; the operation's
 * workflow starts afterwards (the sweep starts it if the API dies in between). A repeated create
 * with the same Idempotency-Key returns the first trunk and creates nothing.
 */
export async function createTrunkWithOperation(
  db: Db,
  t: { id: string; tenantId: string; spec: TrunkSpec; idempotencyKey: string | null; operation: { id: string; workflowId: string; input: SipOperationInput } },
): Promise<{ trunk: TrunkRow; created: boolean }> {
  return inTransaction(db, async (c) => {
    const inserted = await c.query<TrunkRow>(
      `INSERT INTO sip_trunks (id, tenant_id, friendly_name, domain_name, secure, cnam_lookup_enabled, disaster_recovery_url, recording_mode, status, spec, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'provisioning', $9, $10)
       ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING ${columns}`,
      [t.id, t.tenantId, t.spec.friendlyName, t.spec.domainName, t.spec.secure, t.spec.cnamLookupEnabled, t.spec.disasterRecovery?.url ?? null, t.spec.recording.mode, JSON.stringify(t.spec), t.idempotencyKey],
    );
    if (inserted.rows[0]) {
      await insertOperation(c, { ...t.operation, tenantId: t.tenantId, trunkId: t.id, kind: 'create' });
      return { trunk: inserted.rows[0], created: true };
    }
    const { rows } = await c.query<TrunkRow>(`SELECT ${columns} FROM sip_trunks WHERE tenant_id = $1 AND idempotency_key = $2`, [t.tenantId, t.idempotencyKey]);
    return { trunk: rows[0]!, created: false };
  });
}

async function insertOperation(c: pg.PoolClient | Db, o: { id: string; tenantId: string; trunkId: string; kind: TrunkOperation['kind']; workflowId: string; input: SipOperationInput }) {
  try {
    await c.query(
      `INSERT INTO sip_operations (id, tenant_id, trunk_id, kind, status, input, workflow_id) VALUES ($1, $2, $3, $4, 'queued', $5, $6)`,
      [o.id, o.tenantId, o.trunkId, o.kind, JSON.stringify(o.input), o.workflowId],
    );
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new TrunkBusyError('another change to this trunk is still running');
    throw err;
  }
}

/** Queues an update or delete; refused (TrunkBusyError) while another change to the trunk runs. */
export async function queueOperation(
  db: Db,
  o: { id: string; tenantId: string; trunkId: string; kind: 'update' | 'delete'; workflowId: string; input: SipOperationInput },
): Promise<TrunkRow> {
  return inTransaction(db, async (c) => {
    await insertOperation(c, o);
    const { rows } = await c.query<TrunkRow>(
      `UPDATE sip_trunks SET status = $2, updated_at = now() WHERE id = $1 RETURNING ${columns}`,
      [o.trunkId, o.kind === 'delete' ? 'deleting' : 'updating'],
    );
    return rows[0]!;
  });
}

export async function recordOperationProgress(db: Db, operationId: string, status: 'running' | 'rolling_back', progress: OperationProgress) {
  await db.query(
    `UPDATE sip_operations SET status = $2, progress = $3, updated_at = now() WHERE id = $1 AND finished_at IS NULL`,
    [operationId, status, JSON.stringify(progress)],
  );
}

/**
 * Writes one entry of an operation's progress in place (a step or a compensation at its index, the step
 * running, the error), so what the workflow sends doesn't grow with the step list. Entries are written in
 * order: an index past the end appends, a repeated one (a retried activity) replaces.
 */
export async function recordProgressEntry(db: Db, e: ProgressEntry) {
  const fields: Record<string, unknown> = {};
  if (e.step !== undefined) fields.step = e.step;
  if (e.error !== undefined) fields.error = e.error;
  // Every key present (the row starts as {}), then the fields given, then the entry in its list.
  const withFields = `'{"step": null, "steps": [], "error": null, "rollback": []}'::jsonb || progress || $3::jsonb`;
  const progress = e.entry ? `jsonb_set(${withFields}, ARRAY[$4::text, $5::text], $6::jsonb, true)` : withFields;
  const entry = e.entry ? [e.entry.list, String(e.entry.index), JSON.stringify(e.entry.value)] : [];
  await db.query(`UPDATE sip_operations SET status = $2, progress = ${progress}, updated_at = now() WHERE id = $1 AND finished_at IS NULL`, [
    e.operationId,
    e.status,
    JSON.stringify(fields),
    ...entry,
  ]);
}

/**
 * Ends an operation and settles its trunk: a create or update that succeeded stores its desired state;
 * a delete that succeeded marks the trunk deleted and frees its numbers; a failed create leaves a
 * failed trunk (its rollback report says what was undone); an update rolled back leaves it active.
 */
export async function finishOperation(db: Db, operationId: string, outcome: OperationOutcome, progress?: OperationProgress) {
  await inTransaction(db, async (c) => {
    // Without a progress (workflows that write it step by step), the stored one stays, with no step running.
    const { rows } = await c.query<OperationRow>(
      `UPDATE sip_operations SET status = $2, progress = COALESCE($3::jsonb, progress || '{"step": null}'::jsonb),
              finished_at = COALESCE(finished_at, now()), updated_at = now()
        WHERE id = $1 RETURNING *`,
      [operationId, outcome, progress ? JSON.stringify(progress) : null],
    );
    const op = rows[0];
    if (!op) return;
    const spec = op.input.spec;
    if (op.kind === 'delete') {
      if (outcome === 'succeeded') {
        await c.query(`UPDATE sip_trunks SET status = 'deleted', deleted_at = now(), updated_at = now() WHERE id = $1`, [op.trunk_id]);
        await c.query('UPDATE phone_numbers SET sip_trunk_id = NULL, updated_at = now() WHERE sip_trunk_id = $1', [op.trunk_id]);
      } else {
        await c.query(`UPDATE sip_trunks SET status = 'failed', updated_at = now() WHERE id = $1`, [op.trunk_id]);
      }
      return;
    }
    // An update undone cleanly leaves the trunk as it was: active if Twilio has it (a failed trunk stays failed).
    const status = outcome === 'succeeded' ? `'active'` : op.kind === 'update' && outcome === 'rolled_back' ? `CASE WHEN trunk_sid IS NULL THEN 'failed' ELSE 'active' END` : `'failed'`;
    await c.query(
      `UPDATE sip_trunks SET status = ${status}, spec = CASE WHEN $2 THEN $3::jsonb ELSE spec END,
              domain_name = CASE WHEN $2 THEN $4 ELSE domain_name END, updated_at = now() WHERE id = $1`,
      [op.trunk_id, outcome === 'succeeded' && spec !== null, JSON.stringify(spec), spec?.domainName ?? null],
    );
  });
}

/** An operation's input as the API stored it with the operation (the same the workflow was started with). */
export async function operationInput(db: Db, o: { operationId: string; tenantId: string; trunkId: string }): Promise<SipOperationInput | null> {
  const { rows } = await db.query<{ input: SipOperationInput }>(
    'SELECT input FROM sip_operations WHERE id = $1 AND tenant_id = $2 AND trunk_id = $3',
    [o.operationId, o.tenantId, o.trunkId],
  );
  return rows[0]?.input ?? null;
}

/** The numbers the trunk's latest create or update asked for. */
export async function lastDesiredNumbers(db: Db, trunkId: string) {
  const { rows } = await db.query<{ input: SipOperationInput }>(
    `SELECT input FROM sip_operations WHERE trunk_id = $1 AND kind <> 'delete' ORDER BY created_at DESC LIMIT 1`,
    [trunkId],
  );
  return rows[0]?.input.numbers ?? [];
}

/** Operations whose workflow the API never started (it died after writing the row). */
export async function findQueuedOperations(db: Db, olderThanSeconds: number) {
  const { rows } = await db.query<{ id: string; input: SipOperationInput; workflow_id: string }>(
    `SELECT id, input, workflow_id FROM sip_operations
      WHERE status = 'queued' AND created_at < now() - make_interval(secs => $1) ORDER BY created_at LIMIT 100`,
    [olderThanSeconds],
  );
  return rows;
}

export async function storeSnapshot(db: Db, trunkId: string, s: TrunkSnapshot | null) {
  if (!s) {
    await db.query('UPDATE sip_trunks SET snapshot = NULL, observed_at = now() WHERE id = $1', [trunkId]);
    return;
  }
  await db.query(
    `UPDATE sip_trunks SET snapshot = $2, observed_at = now(), friendly_name = $3, domain_name = $4, secure = $5,
            cnam_lookup_enabled = $6, disaster_recovery_url = $7, recording_mode = $8, updated_at = now() WHERE id = $1`,
    [trunkId, JSON.stringify(s), s.settings.friendlyName, s.settings.domainName, s.settings.secure, s.settings.cnamLookupEnabled, s.settings.disasterRecoveryUrl, s.recording.mode],
  );
}

export interface TenantNumber {
  phone_number: string;
  twilio_sid: string;
  sip_trunk_id: string | null;
}

/** The tenant's active numbers among `refs` (E.164 or PN SID), keyed by the ref. */
export async function tenantNumbers(db: Db, tenantId: string, refs: string[]): Promise<Map<string, TenantNumber>> {
  if (!refs.length) return new Map();
  const { rows } = await db.query<TenantNumber>(
    `SELECT phone_number, twilio_sid, sip_trunk_id FROM phone_numbers
      WHERE tenant_id = $1 AND status = 'active' AND twilio_sid IS NOT NULL AND (phone_number = ANY($2) OR twilio_sid = ANY($2))`,
    [tenantId, refs],
  );
  const out = new Map<string, TenantNumber>();
  for (const r of rows) {
    out.set(r.phone_number, r);
    out.set(r.twilio_sid, r);
  }
  return out;
}

export async function trunkNumbers(db: Db, trunkId: string): Promise<TenantNumber[]> {
  const { rows } = await db.query<TenantNumber>(
    `SELECT phone_number, twilio_sid, sip_trunk_id FROM phone_numbers WHERE sip_trunk_id = $1 AND status IN ('active','releasing') AND twilio_sid IS NOT NULL ORDER BY phone_number`,
    [trunkId],
  );
  return rows;
}

/** SIDs among `sids` that are not lists the tenant's trunks own (another tenant's, or unknown to the service). */
export async function foreignLists(db: Db, tenantId: string, sids: string[]): Promise<string[]> {
  if (!sids.length) return [];
  const { rows } = await db.query<{ list_sid: string }>(
    'SELECT list_sid FROM sip_auth_lists WHERE tenant_id = $1 AND deleted_at IS NULL AND list_sid = ANY($2)',
    [tenantId, sids],
  );
  const own = new Set(rows.map((r) => r.list_sid));
  return sids.filter((s) => !own.has(s));
}
