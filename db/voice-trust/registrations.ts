import { afterCursor, pageOf } from '../kit/cursor';
import { inTransaction, type Db } from '../kit/pool';
import { registrationTimeline } from '../kit/registration-events';
import type { VoiceTrustDraft, VoiceTrustRegistrationView } from '../../schemas/voice-trust/registration';

interface Row {
  id: string;
  tenant_id: string;
  product: VoiceTrustRegistrationView['product'];
  status: VoiceTrustRegistrationView['status'];
  step: string;
  draft: VoiceTrustDraft;
  business_profile_sid: string;
  trust_product_sid: string | null;
  twilio_status: string | null;
  problems: VoiceTrustRegistrationView['problems'];
  workflow_id: string;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  cursor_ts: string;
}
const columns = `id, tenant_id, product, status, step, draft, business_profile_sid, trust_product_sid, twilio_status, problems, workflow_id,
  created_at, updated_at, finished_at, created_at::text AS cursor_ts`;

async function view(db: Db, r: Row): Promise<VoiceTrustRegistrationView> {
  const [numbers, events] = await Promise.all([
    db.query<{ phone_number: string; on_business_profile: boolean; on_trust_product: boolean; detached_at: Date | null }>(
      'SELECT phone_number, on_business_profile, on_trust_product, detached_at FROM voice_trust_numbers WHERE registration_id = $1 ORDER BY phone_number',
      [r.id],
    ),
    registrationTimeline(db, 'voice_trust', { tenantId: r.tenant_id, registrationId: r.id }, null),
  ]);
  const approved = r.twilio_status === 'twilio-approved';
  return {
    id: r.id,
    product: r.product,
    status: r.status,
    step: r.step,
    businessProfileSid: r.business_profile_sid,
    trustProductSid: r.trust_product_sid,
    twilioStatus: r.twilio_status,
    draft: r.draft,
    numbers: numbers.rows.map((n) => ({
      phoneNumber: n.phone_number,
      onBusinessProfile: n.on_business_profile,
      onTrustProduct: n.on_trust_product && !n.detached_at,
      detached: n.detached_at !== null,
      attestation: r.product === 'shaken_stir' && approved && n.on_trust_product && !n.detached_at ? ('A' as const) : null,
    })),
    problems: r.problems,
    timeline: events.map((e) => ({ at: e.at.toISOString(), type: e.type, message: e.message })),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}

/** Records a registration and its numbers once; a repeated Idempotency-Key finds the first. */
export async function createVoiceTrustRegistration(
  db: Db,
  r: { id: string; tenantId: string; draft: VoiceTrustDraft; idempotencyKey: string | null; workflowId: string; numbers: { phoneNumber: string; twilioSid: string }[] },
) {
  const id = await inTransaction(db, async (c) => {
    const inserted = await c.query(
      `INSERT INTO voice_trust_registrations (id, tenant_id, product, status, step, draft, business_profile_sid, idempotency_key, workflow_id)
       VALUES ($1, $2, $3, 'queued', 'business_profile_numbers', $4, $5, $6, $7) ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id`,
      [r.id, r.tenantId, r.draft.product, JSON.stringify(r.draft), r.draft.businessProfileSid, r.idempotencyKey, r.workflowId],
    );
    if (inserted.rowCount !== 1) {
      return (await c.query<{ id: string }>('SELECT id FROM voice_trust_registrations WHERE tenant_id = $1 AND idempotency_key = $2', [r.tenantId, r.idempotencyKey])).rows[0]!.id;
    }
    await c.query(
      `INSERT INTO voice_trust_numbers (registration_id, tenant_id, phone_number, twilio_sid)
       SELECT $1, $2, n."phoneNumber", n."twilioSid" FROM jsonb_to_recordset($3) AS n("phoneNumber" text, "twilioSid" text)`,
      [r.id, r.tenantId, JSON.stringify(r.numbers)],
    );
    return r.id;
  });
  const found = (await getVoiceTrustRegistration(db, r.tenantId, id))!;
  return { ...found, created: id === r.id };
}

export async function getVoiceTrustRegistration(db: Db, tenantId: string, id: string) {
  const { rows } = await db.query<Row>(`SELECT ${columns} FROM voice_trust_registrations WHERE id = $1 AND tenant_id = $2`, [id, tenantId]);
  return rows[0] ? { view: await view(db, rows[0]), workflowId: rows[0].workflow_id, draft: rows[0].draft } : null;
}

export async function listVoiceTrustRegistrations(db: Db, tenantId: string, q: { limit: number; cursor?: string; product?: string }) {
  const page = afterCursor(q.cursor, 3);
  const { rows } = await db.query<Row>(
    `SELECT ${columns} FROM voice_trust_registrations WHERE tenant_id = $1 AND ($2::text IS NULL OR product = $2) AND ${page.sql}
      ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}`,
    [tenantId, q.product ?? null, ...page.params],
  );
  const { page: data, nextCursor } = pageOf(rows, q.limit);
  return { data: await Promise.all(data.map((r) => view(db, r))), nextCursor };
}

/** Registrations whose workflow the API never started (it died after writing the row). */
export async function findQueuedVoiceTrustRegistrations(db: Db, olderThanSeconds: number) {
  const { rows } = await db.query<{ id: string; tenant_id: string; product: Row['product']; workflow_id: string }>(
    `SELECT id, tenant_id, product, workflow_id FROM voice_trust_registrations
      WHERE status = 'queued' AND created_at < now() - make_interval(secs => $1) ORDER BY created_at LIMIT 100`,
    [olderThanSeconds],
  );
  return rows;
}

/** Is this business profile one of the tenant's (made by one of its A2P registrations or single actions)? */
export async function isTenantsBusinessProfile(db: Db, tenantId: string, profileSid: string) {
  const { rowCount } = await db.query(`SELECT 1 FROM a2p_profiles WHERE tenant_id = $1 AND profile_sid = $2 AND kind = 'customer_profile'`, [tenantId, profileSid]);
  return rowCount === 1;
}
