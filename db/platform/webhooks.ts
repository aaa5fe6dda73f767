import { randomBytes } from 'node:crypto';
import { afterCursor, pageOf, type IdForm } from '../kit/cursor';
import type { Db } from '../kit/pool';
import type { SecretBox } from './secrets';

export const EVENT_TYPES = ['job.finished', 'registration.status_changed', 'trunk.operation_succeeded', 'trunk.operation_rolled_back', 'trunk.operation_failed', 'number.quarantined', 'number.restored', 'number.rotated', 'account.credentials_invalid'] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** A delivery's id, the Standard Webhooks message id: `msg_` and 32 hex digits (enqueue_tenant_event makes them). */
export const DELIVERY_ID_PATTERN = /^msg_[0-9a-f]{32}$/;
/** The delivery log pages over these ids, a text column (not a UUID like every other list). */
const deliveryIds: IdForm = { pattern: DELIVERY_ID_PATTERN, sqlType: 'text' };

export interface EndpointView {
  id: string;
  url: string;
  eventTypes: EventType[];
  createdAt: string;
}
const toEndpoint = (r: { id: string; url: string; event_types: EventType[]; created_at: Date }): EndpointView => ({
  id: r.id, url: r.url, eventTypes: r.event_types, createdAt: r.created_at.toISOString(),
});

/** Registers an endpoint; its signing secret (Standard Webhooks `whsec_…`) is returned this once, kept sealed. */
export async function createEndpoint(db: Db, box: SecretBox, p: { tenantId: string; url: string; eventTypes: EventType[] }) {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const { rows } = await db.query(
    'INSERT INTO webhook_endpoints (tenant_id, url, event_types, secret_box) VALUES ($1, $2, $3, $4) RETURNING id, url, event_types, created_at',
    [p.tenantId, p.url, p.eventTypes, box.seal(secret)],
  );
  return { ...toEndpoint(rows[0]), secret };
}

export async function listEndpoints(db: Db, tenantId: string): Promise<EndpointView[]> {
  const { rows } = await db.query(
    'SELECT id, url, event_types, created_at FROM webhook_endpoints WHERE tenant_id = $1 AND disabled_at IS NULL ORDER BY created_at DESC, id DESC',
    [tenantId],
  );
  return rows.map(toEndpoint);
}

/** Stops deliveries to an endpoint (those pending end as failed); null when the tenant has no such endpoint. */
export async function disableEndpoint(db: Db, tenantId: string, id: string): Promise<EndpointView | null> {
  const { rows } = await db.query(
    'UPDATE webhook_endpoints SET disabled_at = now() WHERE id = $1 AND tenant_id = $2 AND disabled_at IS NULL RETURNING id, url, event_types, created_at',
    [id, tenantId],
  );
  if (!rows[0]) return null;
  await db.query("UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint removed' WHERE endpoint_id = $1 AND status = 'pending'", [id]);
  return toEndpoint(rows[0]);
}

export interface DeliveryView {
  id: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  payload: unknown;
}

/** An endpoint's delivery log, newest first, in cursor pages. Null when the tenant has no such endpoint. */
export async function listDeliveries(db: Db, tenantId: string, endpointId: string, q: { limit: number; cursor?: string; status?: string }) {
  const owned = await db.query('SELECT 1 FROM webhook_endpoints WHERE id = $1 AND tenant_id = $2', [endpointId, tenantId]);
  if (!owned.rowCount) return null;
  const page = afterCursor(q.cursor, 3, deliveryIds);
  const { rows } = await db.query(
    `SELECT *, created_at::text AS cursor_ts FROM webhook_deliveries WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2) AND ${page.sql}
      ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}`,
    [endpointId, q.status ?? null, ...page.params],
  );
  const { page: data, nextCursor } = pageOf(rows as { id: string; cursor_ts: string }[], q.limit);
  return {
    data: (data as unknown as Record<string, any>[]).map((r): DeliveryView => ({ // eslint-disable-line @typescript-eslint/no-explicit-any
      id: r.id, eventType: r.event_type, status: r.status, attempts: r.attempts, lastStatus: r.last_status, lastError: r.last_error,
      nextAttemptAt: r.status === 'pending' ? (r.next_attempt_at as Date).toISOString() : null,
      createdAt: (r.created_at as Date).toISOString(), deliveredAt: r.delivered_at ? (r.delivered_at as Date).toISOString() : null, payload: r.payload,
    })),
    nextCursor,
  };
}

/** Queues a delivery again, now (the same message id: receivers deduplicate on it). */
export async function resendDelivery(db: Db, tenantId: string, endpointId: string, deliveryId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = now(), last_error = NULL
       FROM webhook_endpoints e
      WHERE d.id = $1 AND d.endpoint_id = $2 AND e.id = d.endpoint_id AND e.tenant_id = $3 AND e.disabled_at IS NULL`,
    [deliveryId, endpointId, tenantId],
  );
  return Boolean(rowCount);
}
