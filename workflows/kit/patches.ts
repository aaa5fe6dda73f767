/**
 * Patch ids shared by several workflows (docs/operations/upgrading-workflows.md lists when each can go).
 * Twilio objects named after the tenant and the workflow id instead of `tp:<Idempotency-Key>` (issue #20 §1).
 */
export const TENANT_SCOPED_NAMES = 'tenant-scoped-twilio-names';

/**
 * A bulk job (buy or release) that fails or is cancelled through Temporal finishes its row (failed, partial or
 * cancelled, with the reason and what its items say it did) instead of leaving it `running` (issue #21 §2).
 */
export const BULK_JOBS_FINISH_ON_FAILURE = 'bulk-jobs-finish-on-failure';

/**
 * A number a transfer could not move is put back in what it was detached from (its trunk, Messaging Services,
 * trust products), so a refused move leaves it as it was (numbersTransfer).
 */
export const TRANSFER_RESTORES_REFUSED = 'transfer-restores-refused-numbers';
