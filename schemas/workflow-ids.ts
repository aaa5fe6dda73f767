/** Workflow ids are namespaced by tenant so one tenant's ids can never address another's workflows. */
export const tenantPrefix = (tenantId: string) => `tenant-${tenantId}`;
export const jobWorkflowId = (tenantId: string, jobId: string) => `${tenantPrefix(tenantId)}/job-${jobId}`;
export const numberOpWorkflowId = (tenantId: string, op: string, phoneNumber: string, requestId: string) =>
  `${tenantPrefix(tenantId)}/${op}-${phoneNumber}-${requestId}`;
/** A rotation's replacement purchase names the number it replaces, so every later run finds one already begun. */
export const replacementPurchaseKey = (numberId: string, candidate: string) => `rotation:${numberId}:${candidate}`;
