import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors';

// NUL can't be stored in PostgreSQL text; an unpaired surrogate isn't Unicode text at all.
const unstorable = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Paths (a.b.0.c) of the strings in `value` that can't be stored as text. */
function unstorableFields(value: unknown, at: string[] = [], found: string[] = []): string[] {
  if (typeof value === 'string') {
    if (unstorable.test(value)) found.push(at.join('.'));
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => unstorableFields(v, [...at, String(i)], found));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (unstorable.test(k)) found.push([...at, k].join('.'));
      unstorableFields(v, [...at, k], found);
    }
  }
  return found;
}

/**
 * Refuses, before validation, any request whose body, query or path carries text PostgreSQL can't store
 * (NUL) or that isn't Unicode (an unpaired surrogate): a 400 naming each field, never a 500 from the database.
 */
export function refuseUnstorableText(app: FastifyInstance) {
  app.addHook('preValidation', async (req) => {
    const fields = [
      ...unstorableFields(req.body, []),
      ...unstorableFields(req.query, []),
      ...unstorableFields(req.params, []),
    ].map((field) => ({ field: field || 'body', message: 'contains a NUL character or an unpaired surrogate' }));
    if (fields.length) throw new HttpError(400, 'invalid_request', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
  });
}
