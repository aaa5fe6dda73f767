/**
 * Patch ids shared by several workflows (docs/operations/upgrading-workflows.md lists when each can go).
 * Twilio objects named after the tenant and the workflow id instead of `tp:<Idempotency-Key>` (issue #20 §1).
 */
export const TENANT_SCOPED_NAMES = 'tenant-scoped-twilio-names';
