import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../errors';

/**
 * How deep a JSON body may nest. The deepest valid body (an A2P draft: draft → campaign → keyword list) is 3
 * levels; anything far deeper is an attack on the code that walks bodies recursively (a RangeError, a 500).
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether JSON text nests deeper than `max`: one pass over the characters, no recursion and no parse, so it
 * is safe on any input and costs what reading it costs. Brackets inside strings don't count. Malformed text
 * may be misjudged; the parser refuses it right after anyway.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character, a quote included
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

export const tooDeep = () => {
  const message = `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;
  return new HttpError(400, 'invalid_request', message, { fields: [{ field: 'body', message }] });
};

type Done = (err: Error | null, body?: unknown) => void;

/**
 * application/json for every route: the depth is measured first, then Fastify's own parser (secure-json-parse,
 * which refuses __proto__ and constructor.prototype) reads the text. Routes that must keep the raw text (signed
 * webhooks) replace it in their scope and call jsonNestsDeeperThan themselves.
 */
export function registerBoundedJsonParser(app: FastifyInstance) {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req: FastifyRequest, body: string | Buffer, done: Done) => {
    const text = body as string;
    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) return done(tooDeep());
    parseJson(req, text, done);
  });
}
