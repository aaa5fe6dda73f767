import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors';

// NUL can't be stored in PostgreSQL text; an unpaired surrogate isn't Unicode text at all.
const unstorable = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A value met on the walk, with the way back to the root, so a path is spelled only for what is found. */
interface Visit {
  value: unknown;
  key: string;
  /** Whether the key is an object's (client-chosen, so checked too) rather than an array index. */
  named: boolean;
  parent: Visit | null;
}

const pathOf = (v: Visit) => {
  const keys: string[] = [];
  for (let at: Visit | null = v; at?.parent; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
};

/**
 * Paths (a.b.0.c) of the strings in `value` that can't be stored as text. The walk keeps its own stack
 * rather than recursing, so no nesting depth can overflow the call stack, and it costs one visit per value.
 */
export function unstorableFields(value: unknown): string[] {
  const found: string[] = [];
  const stack: Visit[] = [{ value, key: '', named: false, parent: null }];
  for (let visit = stack.pop(); visit; visit = stack.pop()) {
    const v = visit.value;
    if (visit.named && unstorable.test(visit.key)) found.push(pathOf(visit));
    if (typeof v === 'string') {
      if (unstorable.test(v)) found.push(pathOf(visit));
    } else if (v && typeof v === 'object') {
      const entries = Array.isArray(v) ? v.map((item, i) => [String(i), item] as const) : Object.entries(v);
      // Pushed last to first, so they are visited in order, as a recursive walk would.
      for (const [k, item] of entries.reverse()) stack.push({ value: item, key: k, named: !Array.isArray(v), parent: visit });
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
    const fields = [...unstorableFields(req.body), ...unstorableFields(req.query), ...unstorableFields(req.params)].map((field) => ({
      field: field || 'body',
      message: 'contains a NUL character or an unpaired surrogate',
    }));
    if (fields.length) throw new HttpError(400, 'invalid_request', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
  });
}
