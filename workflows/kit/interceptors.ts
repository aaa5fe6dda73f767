/**
 * Carries the API request's id (the `request-id` header the API's client puts on a workflow start) from a
 * workflow to its activities and child workflows, and into every log line the workflow writes; and gives
 * child workflows their parent's tenant as a search attribute.
 */
import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import { workflowInfo, type StartChildWorkflowExecutionInput, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { TENANT_ID_SEARCH_ATTRIBUTE } from '../../schemas/kit/workflow-ids';

export const REQUEST_ID_HEADER = 'request-id';

export const interceptors: WorkflowInterceptorsFactory = () => {
  let requestId: string | undefined;
  let header: Headers = {};
  return {
    inbound: [
      {
        async execute(input, next) {
          const payload = input.headers[REQUEST_ID_HEADER];
          if (payload) {
            requestId = defaultPayloadConverter.fromPayload<string>(payload);
            header = { [REQUEST_ID_HEADER]: payload };
          }
          return next(input);
        },
      },
    ],
    outbound: [
      {
        getLogAttributes: (input, next) => next(requestId ? { ...input, requestId } : input),
        scheduleActivity: (input, next) => next({ ...input, headers: { ...input.headers, ...header } }),
        scheduleLocalActivity: (input, next) => next({ ...input, headers: { ...input.headers, ...header } }),
        startChildWorkflowExecution: (input, next) => next(withParentTenant({ ...input, headers: { ...input.headers, ...header } })),
        continueAsNew: (input, next) => next({ ...input, headers: { ...input.headers, ...header } }),
      },
    ],
  };
};

/** A child workflow carries its parent's `TenantId` search attribute (continue-as-new keeps it by itself). */
function withParentTenant(input: StartChildWorkflowExecutionInput): StartChildWorkflowExecutionInput {
  const tenantId = workflowInfo().typedSearchAttributes.get(TENANT_ID_SEARCH_ATTRIBUTE);
  if (!tenantId || input.options.typedSearchAttributes) return input;
  return { ...input, options: { ...input.options, typedSearchAttributes: [{ key: TENANT_ID_SEARCH_ATTRIBUTE, value: tenantId }] } };
}
