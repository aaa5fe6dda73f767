import type { BulkBuyRequest, BulkReleaseRequest } from '../../schemas/numbers/bulk-jobs';
import { bulkBuyNumbers } from '../../workflows/numbers/bulk-buy';
import { bulkReleaseNumbers } from '../../workflows/numbers/bulk-release';
import type { SubmittableJobKind } from '../kit/jobs/submit';
import { checkBudget } from '../platform/costs';
import { enforceQuota } from '../kit/quotas';

/** A bulk buy: exactly `quantity` numbers, which count against the tenant's numbers quota and its budget at once. */
export const bulkBuyJob: SubmittableJobKind<BulkBuyRequest> = {
  kind: 'bulk_buy',
  label: 'Bulk buy',
  submit: {
    workflow: bulkBuyNumbers,
    args: (job): Parameters<typeof bulkBuyNumbers> => [{ tenantId: job.tenantId, jobId: job.id, request: job.params }],
    requested: (_deps, _tenantId, req) => req.quantity,
    async admit(deps, tenantId, _req, requested) {
      await enforceQuota(deps.db, deps.config, tenantId, 'numbers', requested);
      await checkBudget(deps.db, tenantId, requested * deps.config.NUMBER_MONTHLY_USD, deps.config.NUMBER_MONTHLY_USD, `buying ${requested} numbers`);
    },
  },
};

/** A bulk release: each listed number the tenant owns (releasing costs nothing, so only the job quota applies). */
export const bulkReleaseJob: SubmittableJobKind<BulkReleaseRequest> = {
  kind: 'bulk_release',
  label: 'Bulk release',
  submit: {
    workflow: bulkReleaseNumbers,
    args: (job): Parameters<typeof bulkReleaseNumbers> => [
      { tenantId: job.tenantId, jobId: job.id, phoneNumbers: job.params.phoneNumbers, concurrency: job.params.concurrency },
    ],
    requested: (_deps, _tenantId, req) => req.phoneNumbers.length,
  },
};

export const numbersJobKinds = [bulkBuyJob, bulkReleaseJob];
