import type { SwaggerTransformObject } from '@fastify/swagger';

/**
 * @fastify/swagger marks every request body `required`, but a route may take a request without one (its
 * preValidation hook puts `{}` in its place when every field has a default). Such a route says so with `[OPTIONAL_BODY]: true` in its schema, and this transform
 * of the OpenAPI document (app.ts) makes that operation's requestBody `required: false`, so the document
 * says what the server does.
 */
export const OPTIONAL_BODY = 'x-optional-body';

type Operation = { requestBody?: { required?: boolean }; [OPTIONAL_BODY]?: boolean };

export const markOptionalBodies: SwaggerTransformObject = (documentObject) => {
  const doc = 'openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject;
  const paths = (doc as { paths?: Record<string, Record<string, Operation>> }).paths ?? {};
  for (const operations of Object.values(paths)) {
    for (const op of Object.values(operations)) {
      if (!op || typeof op !== 'object' || !(OPTIONAL_BODY in op)) continue;
      if (op[OPTIONAL_BODY] && op.requestBody) op.requestBody.required = false;
      delete op[OPTIONAL_BODY]; // a marker for this transform, not part of the contract
    }
  }
  return doc;
};
