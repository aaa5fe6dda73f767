import { lookupPricesFromConfig } from '../../compliance/lookups/prices';
import type { BulkLookupRequest } from '../../schemas/lookups/bulk-lookup';
import { bulkLookupNumbers } from '../../workflows/lookups/bulk-lookup';
import { HttpError } from '../kit/errors';
import type { JobAdmissionDeps } from '../kit/jobs/kinds';
import type { SubmittableJobKind } from '../kit/jobs/submit';
import { checkBudget } from '../platform/costs';

/** The tenant's live numbers, for a bulk lookup of `ownedNumbers`. */
async function liveNumberCount(deps: JobAdmissionDeps, tenantId: string) {
  const { rows } = await deps.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM phone_numbers WHERE tenant_id = $1 AND status = 'active'`, [tenantId]);
  return rows[0]!.n;
}

/** A bulk Lookup v2 pass: each number an item; its budget is what every package costs for every number. */
export const bulkLookupJob: SubmittableJobKind<BulkLookupRequest> = {
  kind: 'bulk_lookup',
  label: 'Bulk lookup',
  submit: {
    workflow: bulkLookupNumbers,
    args: ({ tenantId, id, params: req }): Parameters<typeof bulkLookupNumbers> => [{
      tenantId, jobId: id, phoneNumbers: req.phoneNumbers ?? [], ownedNumbers: req.ownedNumbers ?? false, fields: req.fields,
      lastVerifiedDate: req.lastVerifiedDate?.replaceAll('-', ''), maxAgeMs: req.maxAgeHours * 3_600_000,
    }],
    async requested(deps, tenantId, req) {
      const requested = req.phoneNumbers?.length ?? (await liveNumberCount(deps, tenantId));
      if (requested === 0) throw new HttpError(400, 'invalid_request', 'ownedNumbers: you have no live numbers to look up', { fields: [{ field: 'ownedNumbers', message: 'no live numbers' }] });
      return requested;
    },
    async admit(deps, tenantId, req, requested) {
      // At most what every package costs for every number, if none is cached.
      const prices = lookupPricesFromConfig(deps.config);
      const most = requested * req.fields.reduce((sum, f) => sum + prices[f], 0);
      if (most > 0) await checkBudget(deps.db, tenantId, most, 0, `looking up ${requested} numbers`);
    },
  },
};
