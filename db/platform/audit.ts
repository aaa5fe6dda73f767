import { afterCursor, pageOf } from '../kit/cursor';
import type { Db } from '../kit/pool';

export interface AuditEvent {
  id: string;
  at: string;
  action: string;
  activity: string;
  resourceSid: string | null;
  jobId: string | null;
  registrationId: string | null;
  trunkId: string | null;
  httpStatus: number;
  summary: { method: string; path: string; params: Record<string, unknown> };
  /** The API key that made a control-plane change; null for Twilio writes (the worker's). */
  actorKeyId: string | null;
}

export interface AuditQuery {
  limit: number;
  cursor?: string;
  action?: string;
  resourceSid?: string;
  jobId?: string;
  registrationId?: string;
  trunkId?: string;
  since?: string;
  until?: string;
}

/** The tenant's audit trail, newest first, filtered, in cursor pages. */
export async function listAuditEvents(db: Db, tenantId: string, q: AuditQuery) {
  const page = afterCursor(q.cursor, 9);
  const { rows } = await db.query(
    `SELECT id, created_at, created_at::text AS cursor_ts, action, activity, resource_sid, job_id, registration_id, trunk_id, http_status, summary, actor_key_id
       FROM audit_events
      WHERE tenant_id = $1 AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR resource_sid = $3)
        AND ($4::text IS NULL OR job_id = $4) AND ($5::text IS NULL OR registration_id = $5) AND ($6::text IS NULL OR trunk_id = $6)
        AND ($7::timestamptz IS NULL OR created_at >= $7) AND ($8::timestamptz IS NULL OR created_at < $8)
        AND ${page.sql}
      ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}`,
    [tenantId, q.action ?? null, q.resourceSid ?? null, q.jobId ?? null, q.registrationId ?? null, q.trunkId ?? null, q.since ?? null, q.until ?? null, ...page.params],
  );
  const { page: data, nextCursor } = pageOf(rows as { id: string; cursor_ts: string }[], q.limit);
  return {
    data: (data as unknown as Record<string, any>[]).map((r): AuditEvent => ({ // eslint-disable-line @typescript-eslint/no-explicit-any
      id: r.id,
      at: (r.created_at as Date).toISOString(),
      action: r.action,
      activity: r.activity,
      resourceSid: r.resource_sid,
      jobId: r.job_id,
      registrationId: r.registration_id,
      trunkId: r.trunk_id,
      httpStatus: r.http_status,
      summary: r.summary,
      actorKeyId: r.actor_key_id,
    })),
    nextCursor,
  };
}

/**
 * A change to the tenant's own setup made through the API — API keys, webhook endpoints, the budget, the
 * hygiene policy — with the key that made it. `action` names it (`api_keys.create`); `params` must hold
 * no secret (the caller leaves keys, signing secrets and URL paths out).
 */
export interface ControlPlaneChange {
  tenantId: string;
  actorKeyId: string;
  action: string;
  httpStatus: number;
  summary: { method: string; path: string; params: Record<string, unknown> };
}

export async function recordControlPlaneChange(db: Db, c: ControlPlaneChange): Promise<void> {
  await db.query(
    `INSERT INTO audit_events (tenant_id, action, activity, http_status, summary, actor_key_id) VALUES ($1, $2, 'api', $3, $4, $5)`,
    [c.tenantId, c.action, c.httpStatus, JSON.stringify(c.summary), c.actorKeyId],
  );
}
