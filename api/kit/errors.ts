import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { InvalidCursorError } from '../../db/kit/cursor';
import { codeForStatus } from './plugins/error-shapes';
import { TemporalUnavailableError } from './temporal-calls';
import type { TwilioErrorInfo } from '../../schemas/kit/common';

/** An error the API answers with its own status and code. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: { fields?: { field: string; message: string }[]; twilio?: TwilioErrorInfo } = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);

interface ValidationIssue {
  instancePath?: string;
  message?: string;
}

/** One error shape for every failure: `{ error: { code, message, fields?, twilio? } }`; never a stack trace. */
export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'body';
    const fields = (err.validation as ValidationIssue[]).map((v) => {
      const p = (v.instancePath ?? '').split('/').filter(Boolean).join('.');
      return { field: p || where, message: v.message ?? 'is invalid' };
    });
    return reply.code(400).send({
      error: {
        code: 'invalid_request',
        message: fields.map((f) => `${f.field}: ${f.message}`).join('; '),
        fields,
      },
    });
  }
  if (err instanceof InvalidCursorError) {
    return reply.code(400).send({
      error: { code: 'invalid_request', message: `cursor: ${err.message}`, fields: [{ field: 'cursor', message: err.message }] },
    });
  }
  if (err instanceof HttpError) {
    return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message, ...err.extra } });
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    // Fastify's own refusals (body too large, media type, bad URL escape, ...): the API's codes, not FST_ERR_*.
    return reply.code(err.statusCode).send({ error: { code: codeForStatus[err.statusCode] ?? 'invalid_request', message: err.message } });
  }
  const unavailable = unavailableService(err);
  if (unavailable) {
    req.log.warn({ err }, `${unavailable} unavailable`);
    return reply
      .code(503)
      .header('retry-after', String(RETRY_AFTER_SECONDS))
      .send({ error: { code: 'service_unavailable', message: `${unavailable} is unavailable; retry in a few seconds` } });
  }
  req.log.error({ err }, 'request failed');
  return reply.code(500).send({ error: { code: 'internal_error', message: 'internal error' } });
}

const RETRY_AFTER_SECONDS = 5;

/**
 * Which backing service an error says is away, if any: PostgreSQL starting up, shutting down or in
 * recovery (SQLSTATE class 57P0x), a lost or refused connection (class 08, socket errors), or Temporal
 * not answering in time. Those are a 503 with Retry-After, never a 500.
 */
function unavailableService(err: unknown): 'PostgreSQL' | 'Temporal' | 'a backing service' | null {
  if (err instanceof TemporalUnavailableError) return 'Temporal';
  const code = String((err as { code?: unknown }).code ?? '');
  if (/^57P0\d$/.test(code) || /^08/.test(code)) return 'PostgreSQL';
  const message = String((err as Error)?.message ?? '');
  if (/ECONNREFUSED|ECONNRESET|Connection terminated|timeout exceeded when trying to connect|the database system is/i.test(message)) return 'PostgreSQL';
  if (/UNAVAILABLE|DEADLINE_EXCEEDED/.test(message)) return 'a backing service';
  return null;
}
