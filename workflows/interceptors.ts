/**
 * Carries the API request's id (the `request-id` header the API's client puts on a workflow start) from a
 * workflow to its activities and child workflows, and into every log line the workflow writes.
 */
import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

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
        startChildWorkflowExecution: (input, next) => next({ ...input, headers: { ...input.headers, ...header } }),
        continueAsNew: (input, next) => next({ ...input, headers: { ...input.headers, ...header } }),
      },
    ],
  };
};
