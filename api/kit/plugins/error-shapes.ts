import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';

/** Status codes Fastify and Node answer on their own, named the way the API names its errors. */
export const codeForStatus: Record<number, string> = {
  400: 'invalid_request',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  431: 'request_header_fields_too_large',
};

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Every answer the API can give has its error shape, those Fastify and Node produce included: an unknown
 * path is a 404; a known path with another method a 405 with `Allow`; a request Node's HTTP parser
 * refuses (headers too large, a malformed request line) gets the shape too.
 */
export function registerErrorShapes(app: FastifyInstance) {
  // Route patterns as regular expressions, to tell "no such path" from "not with this method".
  const routes: { pattern: RegExp; literalSegments: number; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    const parts = route.url.split('/');
    const source = parts
      .map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    const literalSegments = parts.filter((part) => part && !part.startsWith(':') && part !== '*').length;
    routes.push({ pattern: new RegExp(`^${source}/?$`), literalSegments, methods: ([] as string[]).concat(route.method) });
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    const allowed = allowedMethods(routes.filter((r) => r.pattern.test(path)));
    if (allowed.length) {
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .send({ error: { code: 'method_not_allowed', message: `${req.method} is not allowed on ${path}; use ${allowed.join(', ')}` } });
    }
    return reply.code(404).send({ error: { code: 'not_found', message: `no such endpoint: ${req.method} ${path}` } });
  });
}

/**
 * The methods of the path a request names: those of its most concrete route, as OpenAPI matches a concrete path
 * before a templated one (`/v1/jobs/bulk-buy` is its own path, with POST, not `/v1/jobs/{jobId}` with GET).
 */
function allowedMethods(matching: { literalSegments: number; methods: string[] }[]): string[] {
  const mostConcrete = Math.max(...matching.map((r) => r.literalSegments));
  const methods = matching.filter((r) => r.literalSegments === mostConcrete).flatMap((r) => r.methods);
  return [...new Set(methods)].filter((m) => METHODS.includes(m));
}

/** Node's HTTP parser refused the request before Fastify saw it: answer in the API's shape and close. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket) {
  if (!socket.writable) return socket.destroy();
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = JSON.stringify({ error: { code: codeForStatus[status], message: status === 431 ? 'request headers are too large' : 'malformed HTTP request' } });
  socket.end(
    `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
