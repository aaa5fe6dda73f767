/** Workflow ids are namespaced by tenant so one tenant's ids can never address another's workflows. */
export const tenantPrefix = (tenantId: string) => `tenant-${tenantId}`;
export const jobWorkflowId = (tenantId: string, jobId: string) => `${tenantPrefix(tenantId)}/job-${jobId}`;
export const numberOpWorkflowId = (tenantId: string, op: string, phoneNumber: string, requestId: string) =>
  `${tenantPrefix(tenantId)}/${op}-${phoneNumber}-${requestId}`;
