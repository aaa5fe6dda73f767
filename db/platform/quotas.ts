import type { Db } from '../kit/pool';

/** What one tenant may hold of what all tenants share; each is counted from its own rows. */
export type Quota = 'trunks' | 'active_jobs' | 'numbers';

export interface QuotaDefaults {
  trunks: number;
  active_jobs: number;
  numbers: number;
}

const column: Record<Quota, string> = { trunks: 'max_trunks', active_jobs: 'max_active_jobs', numbers: 'max_numbers' };

/** Tenant-initiated job kinds: a hygiene pass the service schedules itself never counts against the tenant. */
const TENANT_JOB_KINDS = ['bulk_buy', 'bulk_release', 'bulk_lookup'];

const usage: Record<Quota, string> = {
  trunks: `SELECT count(*)::int AS n FROM sip_trunks WHERE tenant_id = $1 AND status <> 'deleted'`,
  active_jobs: `SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND status IN ('queued', 'running', 'cancelling') AND kind = ANY($2::text[])`,
  // Numbers held or being bought, plus what running bulk buys are still to buy.
  numbers: `SELECT (SELECT count(*) FROM phone_numbers WHERE tenant_id = $1 AND status IN ('active', 'purchasing'))::int
                 + COALESCE((SELECT sum(GREATEST(j.requested - (SELECT count(*) FROM phone_numbers p WHERE p.job_id = j.id), 0))
                               FROM jobs j WHERE j.tenant_id = $1 AND j.kind = 'bulk_buy' AND j.status IN ('queued', 'running')), 0)::int AS n`,
};

/** The tenant's limit and use of a quota; `over` when adding `more` would pass the limit. */
export async function quotaCheck(db: Db, tenantId: string, quota: Quota, more: number, defaults: QuotaDefaults) {
  const limitRow = await db.query<{ max: number | null }>(`SELECT ${column[quota]} AS max FROM tenants WHERE id = $1`, [tenantId]);
  const limit = limitRow.rows[0]?.max ?? defaults[quota];
  const used = (await db.query<{ n: number }>(usage[quota], quota === 'active_jobs' ? [tenantId, TENANT_JOB_KINDS] : [tenantId])).rows[0]!.n;
  return { limit, used, over: used + more > limit };
}

/** Sets (or with null clears) a tenant's own limit for a quota. */
export async function setQuota(db: Db, tenantId: string, quota: Quota, limit: number | null): Promise<void> {
  await db.query(`UPDATE tenants SET ${column[quota]} = $2 WHERE id = $1`, [tenantId, limit]);
}

/**
 * Runs `fn` while holding the tenant's admission lock: a check (quota, budget) and the row that makes it
 * true (a job, a trunk) are decided one request at a time, so two parallel requests cannot both pass a
 * limit only one of them fits. Other tenants never wait for it.
 */
export async function withTenantAdmission<T>(db: Db, tenantId: string, fn: () => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(hashtextextended('admission:' || $1, 0))`, [tenantId]);
    try {
      return await fn();
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtextextended('admission:' || $1, 0))`, [tenantId]);
    }
  } finally {
    client.release();
  }
}
