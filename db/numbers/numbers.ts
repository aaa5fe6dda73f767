import type pg from 'pg';
import type { Capabilities, NumberConfig, PhoneNumber } from '../../schemas/numbers/numbers';
import type { TwilioErrorInfo } from '../../schemas/kit/common';
import { afterCursor, pageOf } from '../kit/cursor';
import { recordJobItem } from '../kit/jobs';
import { inTransaction, type Db } from '../kit/pool';

interface NumberRow {
  id: string;
  tenant_id: string;
  phone_number: string;
  twilio_sid: string | null;
  provider: string;
  status: PhoneNumber['status'];
  friendly_name: string | null;
  capabilities: Partial<Capabilities>;
  config: NumberConfig;
  purchase_key: string;
  job_id: string | null;
  sip_trunk_id: string | null;
  created_at: Date;
  updated_at: Date;
  released_at: Date | null;
  hygiene_state: PhoneNumber['hygieneState'];
  replaced_by: string | null;
  cursor_ts: string;
}

const columns = `id, tenant_id, phone_number, twilio_sid, provider, status, friendly_name, capabilities, config,
  purchase_key, job_id, sip_trunk_id, created_at, updated_at, released_at, hygiene_state, replaced_by, created_at::text AS cursor_ts`;

export function toPhoneNumber(r: NumberRow): PhoneNumber {
  return {
    id: r.id,
    phoneNumber: r.phone_number,
    twilioSid: r.twilio_sid,
    provider: r.provider,
    status: r.status,
    friendlyName: r.friendly_name,
    capabilities: r.capabilities,
    config: r.config,
    jobId: r.job_id,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    releasedAt: r.released_at?.toISOString() ?? null,
    hygieneState: r.hygiene_state,
    replacedBy: r.replaced_by,
  };
}

export type Claim =
  | { kind: 'fresh'; row: NumberRow }
  | { kind: 'existing'; row: NumberRow }
  | { kind: 'held_elsewhere' };

/**
 * Records the intent to buy `phoneNumber` under `purchaseKey` before Twilio is called.
 * 'existing' means an earlier attempt of this same purchase got this far: reconcile, don't re-buy.
 * 'held_elsewhere' means another purchase (any tenant) holds the number.
 */
export async function claimPurchase(
  db: Db,
  p: { tenantId: string; purchaseKey: string; phoneNumber: string; jobId: string | null; config: NumberConfig },
): Promise<Claim> {
  try {
    const { rows } = await db.query<NumberRow>(
      `INSERT INTO phone_numbers (tenant_id, phone_number, status, purchase_key, job_id, config)
       VALUES ($1, $2, 'purchasing', $3, $4, $5)
       ON CONFLICT (purchase_key) DO NOTHING RETURNING ${columns}`,
      [p.tenantId, p.phoneNumber, p.purchaseKey, p.jobId, JSON.stringify(p.config)],
    );
    if (rows[0]) return { kind: 'fresh', row: rows[0] };
  } catch (err) {
    if ((err as { code?: string }).code === '23505') return { kind: 'held_elsewhere' };
    throw err;
  }
  const { rows } = await db.query<NumberRow>(`SELECT ${columns} FROM phone_numbers WHERE purchase_key = $1`, [
    p.purchaseKey,
  ]);
  return { kind: 'existing', row: rows[0]! };
}

/**
 * Marks the purchase done and, for a job, its item succeeded — atomically, in one statement (one round
 * trip: bulk jobs make hundreds of these a second).
 */
export async function completePurchase(
  db: Db,
  p: { purchaseKey: string; twilioSid: string; friendlyName: string | null; capabilities: Partial<Capabilities> },
): Promise<PhoneNumber> {
  const { rows } = await db.query<NumberRow>(
    `WITH done AS (
       UPDATE phone_numbers SET status = 'active', twilio_sid = $2, friendly_name = $3, capabilities = $4,
              purchased_at = COALESCE(purchased_at, now()), updated_at = now()
        WHERE purchase_key = $1 RETURNING ${columns}),
     item AS (
       INSERT INTO job_items (job_id, item_key, phone_number, status, twilio_sid)
       SELECT job_id, phone_number, phone_number, 'succeeded', $2 FROM done WHERE job_id IS NOT NULL
       ON CONFLICT (job_id, item_key) DO UPDATE SET status = 'succeeded', twilio_sid = EXCLUDED.twilio_sid,
         error_code = NULL, error_status = NULL, error_message = NULL, error_more_info = NULL, updated_at = now())
     SELECT * FROM done`,
    [p.purchaseKey, p.twilioSid, p.friendlyName, JSON.stringify(p.capabilities)],
  );
  return toPhoneNumber(rows[0]!);
}

/** The purchase can't happen (e.g. 21422): free the number for others and record why. */
export async function failPurchase(db: Db, p: { purchaseKey: string; error: TwilioErrorInfo }): Promise<void> {
  await inTransaction(db, async (c) => {
    const { rows } = await c.query<NumberRow>(
      `UPDATE phone_numbers SET status = 'failed', updated_at = now() WHERE purchase_key = $1 RETURNING ${columns}`,
      [p.purchaseKey],
    );
    const row = rows[0];
    if (row?.job_id) {
      await recordJobItem(c, {
        jobId: row.job_id,
        itemKey: row.phone_number,
        phoneNumber: row.phone_number,
        status: 'failed',
        twilioSid: null,
        error: p.error,
      });
    }
  });
}

/** A tenant's number that is live (purchasing, active or releasing). */
export async function findLiveNumber(db: Db | pg.PoolClient, tenantId: string, phoneNumber: string) {
  const { rows } = await db.query<NumberRow>(
    `SELECT ${columns} FROM phone_numbers
      WHERE tenant_id = $1 AND phone_number = $2 AND status IN ('purchasing','active','releasing')`,
    [tenantId, phoneNumber],
  );
  return rows[0] ?? null;
}

/** The newest row of a tenant's number, live or not (for GET after release). */
export async function findLatestNumber(db: Db, tenantId: string, phoneNumber: string): Promise<PhoneNumber | null> {
  const { rows } = await db.query<NumberRow>(
    `SELECT ${columns} FROM phone_numbers WHERE tenant_id = $1 AND phone_number = $2 AND status <> 'failed'
      ORDER BY created_at DESC LIMIT 1`,
    [tenantId, phoneNumber],
  );
  return rows[0] ? toPhoneNumber(rows[0]) : null;
}

export async function listNumbers(
  db: Db,
  tenantId: string,
  q: { limit: number; cursor?: string; status?: string; contains?: string; hygieneState?: string },
) {
  const page = afterCursor(q.cursor, 5);
  const { rows } = await db.query<NumberRow>(
    `SELECT ${columns} FROM phone_numbers
      WHERE tenant_id = $1 AND ($2::text IS NULL AND status <> 'failed' OR status = $2)
        AND ($3::text IS NULL OR phone_number LIKE '%' || $3 || '%') AND ($4::text IS NULL OR hygiene_state = $4) AND ${page.sql}
      ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}`,
    [tenantId, q.status ?? null, q.contains ?? null, q.hygieneState ?? null, ...page.params],
  );
  const { page: data, nextCursor } = pageOf(rows, q.limit);
  return { data: data.map(toPhoneNumber), nextCursor };
}

export async function saveNumberConfig(
  db: Db,
  p: { tenantId: string; phoneNumber: string; config: NumberConfig; friendlyName: string | null },
): Promise<PhoneNumber | null> {
  const { rows } = await db.query<NumberRow>(
    `UPDATE phone_numbers SET config = config || $3::jsonb, friendly_name = COALESCE($4, friendly_name), updated_at = now()
      WHERE tenant_id = $1 AND phone_number = $2 AND status = 'active' RETURNING ${columns}`,
    [p.tenantId, p.phoneNumber, JSON.stringify(p.config), p.friendlyName],
  );
  return rows[0] ? toPhoneNumber(rows[0]) : null;
}

export async function markReleasing(db: Db, tenantId: string, phoneNumber: string) {
  const { rows } = await db.query<NumberRow>(
    `UPDATE phone_numbers SET status = 'releasing', updated_at = now()
      WHERE tenant_id = $1 AND phone_number = $2 AND status IN ('active','releasing') RETURNING ${columns}`,
    [tenantId, phoneNumber],
  );
  return rows[0] ?? null;
}

export async function markReleased(db: Db, id: string, job: { jobId: string } | null): Promise<PhoneNumber> {
  return inTransaction(db, async (c) => {
    const { rows } = await c.query<NumberRow>(
      `UPDATE phone_numbers SET status = 'released', released_at = COALESCE(released_at, now()), updated_at = now()
        WHERE id = $1 RETURNING ${columns}`,
      [id],
    );
    const row = rows[0]!;
    if (job) {
      await recordJobItem(c, {
        jobId: job.jobId,
        itemKey: row.phone_number,
        phoneNumber: row.phone_number,
        status: 'succeeded',
        twilioSid: row.twilio_sid,
        error: null,
      });
    }
    return toPhoneNumber(row);
  });
}

/**
 * Where a bulk buy's purchases stand, from PostgreSQL alone: how many succeeded, every number the job has
 * tried (never to be tried again), and the purchases whose outcome is not known yet (an attempt died
 * mid-call): those are reconciled with Twilio before anything new is bought.
 */
export async function purchaseProgress(db: Db, jobId: string): Promise<{ succeeded: number; attempted: string[]; inFlight: string[] }> {
  const { rows } = await db.query<{ phone_number: string; state: 'succeeded' | 'ended' | 'in_flight' }>(
    `SELECT item_key AS phone_number, CASE WHEN status = 'succeeded' THEN 'succeeded' ELSE 'ended' END AS state
       FROM job_items WHERE job_id = $1
     UNION ALL
     SELECT phone_number, 'in_flight' FROM phone_numbers WHERE job_id = $1 AND status = 'purchasing'`,
    [jobId],
  );
  return {
    succeeded: rows.filter((r) => r.state === 'succeeded').length,
    attempted: [...new Set(rows.map((r) => r.phone_number))],
    inFlight: rows.filter((r) => r.state === 'in_flight').map((r) => r.phone_number),
  };
}
