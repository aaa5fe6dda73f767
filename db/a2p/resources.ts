import { afterCursor, pageOf } from '../kit/cursor';
import type { Db } from '../kit/pool';

/** The tenant's Trust Hub bundles, brands and campaigns, whether a registration or a single action made them. */

const ts = (d: Date) => d.toISOString();
const common = (r: Record<string, any>) => ({
  status: r.status ?? null,
  failureReasons: r.failure_reasons ?? [],
  registrationId: r.registration_id ?? null,
  createdAt: ts(r.created_at),
  updatedAt: ts(r.updated_at),
});
const profileView = (r: Record<string, any>) => ({
  sid: r.profile_sid as string, kind: r.kind as 'customer_profile' | 'trust_product', friendlyName: r.friendly_name, email: r.email, businessName: r.business_name, ...common(r),
});
const brandView = (r: Record<string, any>) => ({ sid: r.brand_sid as string, customerProfileSid: r.profile_sid, brandType: r.brand_type, ...common(r) });
const campaignView = (r: Record<string, any>) => ({
  sid: r.campaign_sid as string, brandSid: r.brand_sid, messagingServiceSid: r.messaging_service_sid, usecase: r.usecase, ...common(r),
});

const tables = {
  profiles: { table: 'a2p_profiles', sidColumn: 'profile_sid', view: profileView },
  brands: { table: 'a2p_brands', sidColumn: 'brand_sid', view: brandView },
  campaigns: { table: 'a2p_campaigns', sidColumn: 'campaign_sid', view: campaignView },
} as const;
type Kind = keyof typeof tables;
type ViewOf<K extends Kind> = ReturnType<(typeof tables)[K]['view']>;

export async function listA2pResources<K extends Kind>(db: Db, kind: K, tenantId: string, q: { limit: number; cursor?: string }) {
  const t = tables[kind];
  const page = afterCursor(q.cursor, 2);
  const { rows } = await db.query(
    `SELECT *, created_at::text AS cursor_ts FROM ${t.table} WHERE tenant_id = $1 AND ${page.sql} ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}`,
    [tenantId, ...page.params],
  );
  const { page: data, nextCursor } = pageOf(rows as { cursor_ts: string; id: string }[], q.limit);
  return { data: data.map((r) => t.view(r) as ViewOf<K>), nextCursor };
}

/** One of the tenant's resources by SID; null when it is unknown or another tenant's. */
export async function getA2pResource<K extends Kind>(db: Db, kind: K, tenantId: string, sid: string): Promise<ViewOf<K> | null> {
  const t = tables[kind];
  const { rows } = await db.query(`SELECT * FROM ${t.table} WHERE tenant_id = $1 AND ${t.sidColumn} = $2`, [tenantId, sid]);
  return rows[0] ? (t.view(rows[0]) as ViewOf<K>) : null;
}
