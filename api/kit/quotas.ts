import type { Config } from '../../config/env';
import type { Db } from '../../db/kit/pool';
import { quotaCheck, type Quota } from '../../db/platform/quotas';
import { HttpError } from './errors';

const described: Record<Quota, string> = { trunks: 'SIP trunks', active_jobs: 'bulk jobs running at once', numbers: 'phone numbers' };

/** 409 quota_exceeded, naming the quota, its limit and the use, when `more` would pass the tenant's limit. */
export async function enforceQuota(db: Db, config: Config, tenantId: string, quota: Quota, more = 1): Promise<void> {
  const defaults = { trunks: config.TENANT_MAX_TRUNKS, active_jobs: config.TENANT_MAX_ACTIVE_JOBS, numbers: config.TENANT_MAX_NUMBERS };
  const q = await quotaCheck(db, tenantId, quota, more, defaults);
  if (q.over) {
    throw new HttpError(409, 'quota_exceeded', `this tenant may have at most ${q.limit} ${described[quota]} (${quota}); it has ${q.used} and this would add ${more}`);
  }
}
