import type { FastifyInstance } from 'fastify';
import { ErrorBody } from '../../../schemas/kit/common';

/**
 * Declares on every `/v1` operation the error answers any of them can give, so the OpenAPI document
 * lists every status the server really returns: 401 (the API key), 403 (a key without the scope the
 * operation needs: every operation declares one, see api/kit/plugins/auth.ts), 400 when the operation validates
 * parameters or a body, 404 (and 414 for an over-long path parameter) when its path names something, 413 and 415 when it takes a body, 429 over
 * the tenant's request rate, 503 when PostgreSQL or Temporal is away. Answers particular to an
 * operation (409, 504, ...) stay in its own schema.
 */
/** What each common error answer means, as the OpenAPI document (and Swagger UI at /docs) says it. */
const meaning: Record<number, string> = {
  400: 'invalid_request: a parameter or the body is not what this operation takes; error.fields names each field at fault and why',
  401: 'unauthorized: no key, or one that is unknown, expired, revoked or of the wrong kind',
  403: 'insufficient_scope: the key’s scopes lack the one this operation needs; tenant_suspended: the operator suspended the tenant (reads still work)',
  404: 'not_found: none of the caller’s own by that id (another tenant’s is not found either)',
  413: 'payload_too_large: the body is over this operation’s limit',
  414: 'uri_too_long: a path parameter is longer than 100 characters',
  415: 'unsupported_media_type: the body is not application/json',
  429: 'rate_limited: over the tenant’s request rate, or too many failed authentications from this address; retry after Retry-After seconds',
  503: 'service_unavailable: PostgreSQL or Temporal is unreachable; retry after Retry-After seconds',
};

export function declareCommonErrors(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1')) return;
    const schema = (route.schema ??= {}) as Record<string, unknown> & { hide?: boolean };
    if (schema.hide) return;
    const response = (schema.response ??= {}) as Record<string, unknown>;
    const declare = (status: number, when = true) => {
      if (when && !(String(status) in response)) response[status] = { description: meaning[status], content: { 'application/json': { schema: ErrorBody } } };
    };
    const takesBody = ['POST', 'PUT', 'PATCH'].includes(String(route.method)) && Boolean(schema.body);
    declare(400, Boolean(schema.params || schema.querystring || schema.body || schema.headers));
    declare(401);
    declare(403);
    declare(404, route.url.includes(':'));
    // A path parameter longer than Fastify's maxParamLength (100) is refused before routing.
    declare(414, route.url.includes(':'));
    declare(413, takesBody);
    declare(415, takesBody);
    declare(429);
    declare(503);
  });
}
