import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
/** Workflow ids are namespaced by tenant so one tenant's ids can never address another's workflows. */
export const tenantPrefix = (tenantId: string) => `tenant-${tenantId}`;
export const jobWorkflowId = (tenantId: string, jobId: string) => `${tenantPrefix(tenantId)}/job-${jobId}`;
export const numberOpWorkflowId = (tenantId: string, op: string, phoneNumber: string, requestId: string) =>
  `${tenantPrefix(tenantId)}/${op}-${phoneNumber}-${requestId}`;
/** A rotation's replacement purchase names the number it replaces, so every later run finds one already begun. */
export const replacementPurchaseKey = (numberId: string, candidate: string) => `rotation:${numberId}:${candidate}`;

/**
 * The `TenantId` search attribute every workflow carries, so the Temporal UI and `temporal workflow list
 * --query 'TenantId="…"'` can be filtered per tenant. Set by the API's client (from the workflow id's
 * tenant prefix), by Schedules, and passed on to child workflows.
 */
export const TENANT_ID_SEARCH_ATTRIBUTE = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);

/** The tenant a workflow id is namespaced by, or null for an id outside any tenant. */
export function tenantOfWorkflowId(workflowId: string): string | null {
  return /^tenant-([^/]+)\//.exec(workflowId)?.[1] ?? null;
}
