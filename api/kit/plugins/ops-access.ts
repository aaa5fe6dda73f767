import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../errors';

const loopback = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Who may read the operator endpoints (/metrics, /readyz): they name no tenant, but they show the
 * deployment's shape and load. With OPS_TOKEN set, callers send `Authorization: Bearer <OPS_TOKEN>`;
 * without it, anyone in development, and only the host itself (a sidecar, a local scraper) in production.
 */
export function opsAccess(config: { OPS_TOKEN?: string; NODE_ENV: string }) {
  return async (req: FastifyRequest) => {
    if (config.OPS_TOKEN) {
      const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
      const wanted = Buffer.from(config.OPS_TOKEN);
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw new HttpError(401, 'unauthorized', 'this endpoint needs Authorization: Bearer <OPS_TOKEN>');
      return;
    }
    if (config.NODE_ENV === 'production' && !loopback.has(req.socket.remoteAddress ?? '')) {
      throw new HttpError(403, 'forbidden', 'set OPS_TOKEN to read this endpoint from another host');
    }
  };
}
