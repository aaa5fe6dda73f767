import { afterCursor, pageOf } from '../kit/cursor';
import type { Db } from '../kit/pool';
import { registrationTimeline } from '../kit/registration-events';
import type { TollfreeDraft, TollfreeVerificationView } from '../../schemas/tollfree/verification';

interface Row {
  id: string;
  tenant_id: string;
  phone_number: string;
  status: TollfreeVerificationView['status'];
  draft: TollfreeDraft;
  verification_sid: string | null;
  twilio_status: string | null;
  problems: TollfreeVerificationView['problems'];
  edit_expiration: Date | null;
  workflow_id: string;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  cursor_ts: string;
}
const columns = `id, tenant_id, phone_number, status, draft, verification_sid, twilio_status, problems, edit_expiration, workflow_id,
  created_at, updated_at, finished_at, created_at::text AS cursor_ts`;

async function view(db: Db, r: Row): Promise<TollfreeVerificationView> {
  const events = await registrationTimeline(db, 'tollfree', { tenantId: r.tenant_id, registrationId: r.id }, null);
  return {
    id: r.id,
    tollfreePhoneNumber: r.phone_number,
    status: r.status,
    verificationSid: r.verification_sid,
    twilioStatus: r.twilio_status,
    problems: r.problems,
    editAllowed: r.status === 'action_required' && r.edit_expiration !== null && r.edit_expiration > new Date(),
    editExpiration: r.status === 'action_required' ? (r.edit_expiration?.toISOString() ?? null) : null,
    draft: r.draft,
    timeline: events.map((e) => ({ at: e.at.toISOString(), type: e.type, message: e.message })),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}

export type CreateOutcome = { kind: 'created' | 'repeated'; found: NonNullable<Awaited<ReturnType<typeof getTollfreeVerification>>> } | { kind: 'number_busy'; existingId: string };

/**
 * Records a verification once: a repeated Idempotency-Key finds the first; a number with one in progress or approved
 * refuses another while the tenant holds the same purchase of it (its PN SID: a number released and bought again is a
 * new purchase, which may be verified anew).
 */
export async function createTollfreeVerification(
  db: Db,
  r: { id: string; tenantId: string; draft: TollfreeDraft; numberSid: string; idempotencyKey: string | null; workflowId: string },
): Promise<CreateOutcome> {
  if (r.idempotencyKey) {
    const { rows } = await db.query<{ id: string }>('SELECT id FROM tollfree_verifications WHERE tenant_id = $1 AND idempotency_key = $2', [r.tenantId, r.idempotencyKey]);
    if (rows[0]) return { kind: 'repeated', found: (await getTollfreeVerification(db, r.tenantId, rows[0].id))! };
  }
  try {
    await db.query(
      `INSERT INTO tollfree_verifications (id, tenant_id, phone_number, number_sid, status, draft, idempotency_key, workflow_id)
       VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7)`,
      [r.id, r.tenantId, r.draft.tollfreePhoneNumber, r.numberSid, JSON.stringify(r.draft), r.idempotencyKey, r.workflowId],
    );
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    const { rows } = await db.query<{ id: string; idempotency_key: string | null }>(
      `SELECT id, idempotency_key FROM tollfree_verifications WHERE tenant_id = $1 AND (number_sid = $2 AND status NOT IN ('cancelled', 'failed') OR idempotency_key = $3)`,
      [r.tenantId, r.numberSid, r.idempotencyKey],
    );
    const same = rows.find((x) => r.idempotencyKey && x.idempotency_key === r.idempotencyKey);
    if (same) return { kind: 'repeated', found: (await getTollfreeVerification(db, r.tenantId, same.id))! };
    return { kind: 'number_busy', existingId: rows[0]?.id ?? '' };
  }
  return { kind: 'created', found: (await getTollfreeVerification(db, r.tenantId, r.id))! };
}

export async function getTollfreeVerification(db: Db, tenantId: string, id: string) {
  const { rows } = await db.query<Row>(`SELECT ${columns} FROM tollfree_verifications WHERE id = $1 AND tenant_id = $2`, [id, tenantId]);
  return rows[0] ? { view: await view(db, rows[0]), workflowId: rows[0].workflow_id } : null;
}

export async function listTollfreeVerifications(db: Db, tenantId: string, q: { limit: number; cursor?: string; status?: string }) {
  const page = afterCursor(q.cursor, 3);
  const { rows } = await db.query<Row>(
    `SELECT ${columns} FROM tollfree_verifications WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2) AND ${page.sql}
      ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}`,
    [tenantId, q.status ?? null, ...page.params],
  );
  const { page: data, nextCursor } = pageOf(rows, q.limit);
  return { data: await Promise.all(data.map((r) => view(db, r))), nextCursor };
}

export async function findQueuedTollfreeVerifications(db: Db, olderThanSeconds: number) {
  const { rows } = await db.query<{ id: string; tenant_id: string; workflow_id: string }>(
    `SELECT id, tenant_id, workflow_id FROM tollfree_verifications WHERE status = 'queued' AND created_at < now() - make_interval(secs => $1) ORDER BY created_at LIMIT 100`,
    [olderThanSeconds],
  );
  return rows;
}
