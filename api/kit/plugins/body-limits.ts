import { z } from 'zod';
import type { FastifyInstance } from 'fastify';

/**
 * The body limit of a /v1 route whose schema admits nothing larger (most of them): a request is kilobytes,
 * and Fastify's 1 MiB default let a single hostile body cost every other caller.
 */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

/**
 * What one UTF-16 unit of a string may take in a body: 3 bytes of UTF-8 (a BMP character), as JSON.stringify,
 * Go, Java and Rust encoders write text. A client escaping all non-ASCII as \uXXXX (Python's default) writes
 * up to 6, which only text filled to every maximum with non-ASCII would exceed the limit by.
 */
const BYTES_PER_CHAR = 3;
/** The longest number JSON writes: -1.2345678901234567e+308. */
const NUMBER_BYTES = 24;
/** Past this many nested levels (or a reference cycle) a schema is taken as unbounded. */
const MAX_LEVELS = 64;

type JsonSchema = { [key: string]: unknown };

/**
 * The most bytes a JSON body valid against `schema` (a JSON Schema, as zod writes it) can take, laid out as
 * JSON.stringify(body, null, 2) would: Infinity when some string has no maxLength, some list no maxItems, or
 * some map is open. Keys a schema does not declare are refused or dropped, so they get no room.
 */
export function largestJsonBytes(schema: JsonSchema, defs: Record<string, JsonSchema> = {}, level = 0): number {
  if (level > MAX_LEVELS) return Infinity;
  const inner = (s: unknown, nextLevel = level) => (s && typeof s === 'object' ? largestJsonBytes(s as JsonSchema, defs, nextLevel) : Infinity);
  if (typeof schema.$ref === 'string') return inner(defs[schema.$ref.split('/').pop()!], level + 1);
  if ('const' in schema) return JSON.stringify(schema.const).length * BYTES_PER_CHAR;
  if (Array.isArray(schema.enum)) return Math.max(...schema.enum.map((v) => JSON.stringify(v).length * BYTES_PER_CHAR));
  if (schema.not && typeof schema.not === 'object' && Object.keys(schema.not).length === 0) return 0; // z.never(): must be absent
  const alternatives = [schema.anyOf, schema.oneOf].find(Array.isArray);
  if (alternatives) return Math.max(...alternatives.map((s) => inner(s)));
  // allOf narrows one value: its tightest part (or the schema's own keywords) bounds it.
  const own = byType(schema, inner, level);
  return Array.isArray(schema.allOf) ? Math.min(own, ...schema.allOf.map((s) => inner(s))) : own;
}

function byType(schema: JsonSchema, inner: (s: unknown, level?: number) => number, level: number): number {
  const types = ([] as unknown[]).concat(schema.type ?? []);
  if (types.length === 0) return Infinity; // anything at all
  const layout = 1 + 2 * (level + 1); // a newline and the indentation before each item or entry
  return Math.max(
    ...types.map((type) => {
      switch (type) {
        case 'string':
          return typeof schema.maxLength === 'number' ? 2 + schema.maxLength * BYTES_PER_CHAR : Infinity;
        case 'number':
        case 'integer':
          return NUMBER_BYTES;
        case 'boolean':
          return 5;
        case 'null':
          return 4;
        case 'array':
          return typeof schema.maxItems === 'number' ? 2 + layout + schema.maxItems * (inner(schema.items, level + 1) + 1 + layout) : Infinity;
        case 'object':
          return objectBytes(schema, inner, level, layout);
        default:
          return Infinity;
      }
    }),
  );
}

function objectBytes(schema: JsonSchema, inner: (s: unknown, level?: number) => number, level: number, layout: number): number {
  const open = schema.additionalProperties !== undefined && schema.additionalProperties !== false;
  if (open) return Infinity; // a map: any number of keys
  const properties = Object.entries((schema.properties ?? {}) as Record<string, unknown>);
  // "key": value, — the key as JSON, a colon and a space, the value, a comma, and the layout.
  return 2 + layout + properties.reduce((sum, [key, value]) => sum + JSON.stringify(key).length + 2 + inner(value, level + 1) + 1 + layout, 0);
}

/** The limit for a body schema: room for its largest valid body, and never less than the default. */
export function bodyLimitFor(body: unknown): number {
  if (!(body instanceof z.ZodType)) return DEFAULT_BODY_LIMIT;
  const json = z.toJSONSchema(body, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const largest = largestJsonBytes(json, (json.$defs ?? {}) as Record<string, JsonSchema>);
  // An unbounded schema gets the default; test/unit/kit/input-bounds.test.ts keeps every request schema bounded.
  return Number.isFinite(largest) ? Math.max(DEFAULT_BODY_LIMIT, Math.ceil(largest / 1024) * 1024) : DEFAULT_BODY_LIMIT;
}

/**
 * Every route registered after this in `app`'s scope gets a body limit fitted to its schema (a route may still
 * set its own): bulk jobs with thousands of numbers get what they need, everything else the default. A body over
 * it is refused with 413 payload_too_large before it is read to the end.
 */
export function fitBodyLimits(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= bodyLimitFor(route.schema?.body);
  });
}
