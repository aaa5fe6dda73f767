import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { InvalidCursorError } from '../db/cursor';
import type { TwilioErrorInfo } from '../schemas/common';

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
    return reply.code(err.statusCode).send({ error: { code: (err.code ?? 'bad_request').toLowerCase(), message: err.message } });
  }
  req.log.error({ err }, 'request failed');
  const unavailable = /UNAVAILABLE|ECONNREFUSED|DEADLINE_EXCEEDED|Connection/i.test(String(err.message));
  return reply.code(unavailable ? 503 : 500).send({
    error: unavailable
      ? { code: 'service_unavailable', message: 'a backing service is unavailable; retry shortly' }
      : { code: 'internal_error', message: 'internal error' },
  });
}
