import { AsyncLocalStorage } from 'node:async_hooks';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';

/** The request being served, for code far from it (the Temporal client's interceptor). */
const current = new AsyncLocalStorage<{ requestId: string }>();

/** Serves each request inside its context (after its id is settled). */
export function registerRequestContext(app: FastifyInstance) {
  app.addHook('onRequest', (req, _reply, done) => current.run({ requestId: req.id }, done));
}

const REQUEST_ID_HEADER = 'request-id'; // read by workflows/kit/interceptors.ts

/** Puts the request's id on every workflow the API starts or signals-with-start, for the worker's logs. */
export function requestIdClientInterceptor(): WorkflowClientInterceptor {
  const withId = <T extends { headers: Record<string, unknown> }>(input: T): T => {
    const id = current.getStore()?.requestId;
    return id ? { ...input, headers: { ...input.headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(id) } } : input;
  };
  return {
    startWithDetails: (input, next) => next(withId(input)),
    signalWithStart: (input, next) => next(withId(input)),
  };
}
