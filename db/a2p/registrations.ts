import type { A2pState } from '../../schemas/a2p/workflow';
import { afterCursor, pageOf } from '../kit/cursor';
import type { Db } from '../kit/pool';
import { registrationTimeline } from '../kit/registration-events';

interface RegistrationRow {
  id: string;
  tenant_id: string;
  status: string;
  step: string;
  state: Partial<A2pState>;
  idempotency_key: string | null;
  workflow_id: string;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  cursor_ts: string;
}

const TIMELINE_LIMIT = 200;
const columns = 'id, tenant_id, status, step, state, idempotency_key, workflow_id, created_at, updated_at, finished_at, created_at::text AS cursor_ts';

/** The registration as the API shows it, with each Twilio resource's SID, status and failure reasons. */
async function view(db: Db, r: RegistrationRow) {
  const [profiles, brands, campaigns, events] = await Promise.all([
    db.query('SELECT kind, profile_sid AS sid, status, failure_reasons FROM a2p_profiles WHERE registration_id = $1 ORDER BY created_at', [r.id]),
    db.query('SELECT brand_sid AS sid, status, brand_type, failure_reasons FROM a2p_brands WHERE registration_id = $1 ORDER BY created_at', [r.id]),
    db.query('SELECT campaign_sid AS sid, messaging_service_sid, status, usecase, failure_reasons FROM a2p_campaigns WHERE registration_id = $1 ORDER BY created_at', [r.id]),
    // The newest events, shown oldest first.
    registrationTimeline(db, 'a2p', { tenantId: r.tenant_id, registrationId: r.id }, TIMELINE_LIMIT),
  ]);
  return {
    id: r.id,
    status: r.status,
    step: r.step,
    actionRequired: r.state.actionRequired ?? null,
    customerAction: r.state.customerAction ?? null,
    sids: r.state.sids ?? {},
    brandResubmissions: r.state.brandResubmissions ?? 0,
    campaignSubmissions: r.state.campaignSubmissions ?? 0,
    resources: {
      profiles: profiles.rows.map((p) => ({ kind: p.kind, sid: p.sid, status: p.status, failureReasons: p.failure_reasons })),
      brands: brands.rows.map((b) => ({ sid: b.sid, status: b.status, brandType: b.brand_type, failureReasons: b.failure_reasons })),
      campaigns: campaigns.rows.map((c) => ({ sid: c.sid, messagingServiceSid: c.messaging_service_sid, status: c.status, usecase: c.usecase, failureReasons: c.failure_reasons })),
    },
    timeline: events.map((e) => ({ at: e.at.toISOString(), type: e.type as 'state' | 'twilio_status' | 'webhook' | 'cleanup' | 'number', message: e.message })),
    numbers: r.state.numbers ?? null,
    cleanup: r.state.cleanup ?? null,
    idempotencyKey: r.idempotency_key,
    workflowId: r.workflow_id,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}
export type RegistrationView = Awaited<ReturnType<typeof view>>;

export async function createRegistration(
  db: Db,
  r: { id: string; tenantId: string; draft: unknown; idempotencyKey: string | null; workflowId: string; budgetReservedUsd?: number },
): Promise<{ view: RegistrationView; created: boolean; workflowId: string; draft: unknown }> {
  const inserted = await db.query(
    `INSERT INTO a2p_registrations (id, tenant_id, status, step, draft, idempotency_key, workflow_id, budget_reserved_usd)
     VALUES ($1, $2, 'queued', 'customer_profile', $3, $4, $5, $6) ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id`,
    [r.id, r.tenantId, JSON.stringify(r.draft), r.idempotencyKey, r.workflowId, r.budgetReservedUsd ?? null],
  );
  const { rows } = await db.query<RegistrationRow & { draft: unknown }>(
    `SELECT ${columns}, draft FROM a2p_registrations WHERE tenant_id = $1 AND (id = $2 OR idempotency_key = $3) ORDER BY (id = $2) DESC LIMIT 1`,
    [r.tenantId, r.id, r.idempotencyKey],
  );
  const row = rows[0]!;
  return { view: await view(db, row), created: inserted.rowCount === 1, workflowId: row.workflow_id, draft: row.draft };
}

export async function getRegistration(db: Db, tenantId: string, id: string) {
  const { rows } = await db.query<RegistrationRow & { draft: unknown }>(`SELECT ${columns}, draft FROM a2p_registrations WHERE id = $1 AND tenant_id = $2`, [id, tenantId]);
  return rows[0] ? { view: await view(db, rows[0]), workflowId: rows[0].workflow_id, draft: rows[0].draft } : null;
}

/** Registrations whose workflow the API never started (it died after writing the row). */
export async function findQueuedRegistrations(db: Db, olderThanSeconds: number) {
  const { rows } = await db.query<{ id: string; tenant_id: string; draft: unknown; workflow_id: string }>(
    `SELECT id, tenant_id, draft, workflow_id FROM a2p_registrations
      WHERE status = 'queued' AND created_at < now() - make_interval(secs => $1) ORDER BY created_at LIMIT 100`,
    [olderThanSeconds],
  );
  return rows;
}

export async function listRegistrations(db: Db, tenantId: string, q: { limit: number; cursor?: string }) {
  const page = afterCursor(q.cursor, 2);
  const { rows } = await db.query<RegistrationRow>(
    `SELECT ${columns} FROM a2p_registrations WHERE tenant_id = $1 AND ${page.sql} ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}`,
    [tenantId, ...page.params],
  );
  const { page: data, nextCursor } = pageOf(rows, q.limit);
  return { data: await Promise.all(data.map((r) => view(db, r))), nextCursor };
}

/** The draft's numbers that are not active numbers of the tenant, with their index. */
export async function foreignNumbers(db: Db, tenantId: string, phoneNumbers: string[]) {
  if (phoneNumbers.length === 0) return [];
  const { rows } = await db.query(
    `SELECT phone_number FROM phone_numbers WHERE tenant_id = $1 AND status = 'active' AND phone_number = ANY($2)`,
    [tenantId, phoneNumbers],
  );
  const mine = new Set(rows.map((r) => r.phone_number as string));
  return phoneNumbers.map((n, i) => ({ n, i })).filter(({ n }) => !mine.has(n));
}
