import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bodyLimitFor, DEFAULT_BODY_LIMIT, largestJsonBytes } from '../../../api/kit/plugins/body-limits';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../../../api/kit/plugins/json-depth';
import { unstorableFields } from '../../../api/kit/plugins/text-guard';
import { openApiDocument } from '../../../dev/openapi-document';
import { RegistrationDraft } from '../../../schemas/a2p/registration';
import { bulkReleaseRequestSchema } from '../../../schemas/numbers/bulk-jobs';
import { CallOutcomesBody } from '../../../schemas/number-health/health';
import { TollfreeDraft } from '../../../schemas/tollfree/verification';
import { deepJson, largestA2pDraft, largestTollfreeDraft, MIB } from '../../fixtures/hostile-input';

type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A value's length is bounded by its own keywords or by any part of an allOf (which narrows the same value). */
const hasMaxLength = (s: Schema): boolean => s.maxLength !== undefined || Array.isArray(s.enum) || 'const' in s || (s.allOf ?? []).some(hasMaxLength);

/** Where in `s` a string has no maxLength, a list no maxItems, or a map any number of keys. */
function unbounded(s: Schema, at: string, out: string[] = []): string[] {
  const types: unknown[] = [].concat(s.type ?? []);
  if (types.includes('string') && !hasMaxLength(s)) out.push(`${at}: a string without maxLength`);
  if (types.includes('array') && s.maxItems === undefined) out.push(`${at}: a list without maxItems`);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.push(`${at}: a map without a bound on its keys`);
  for (const [key, value] of Object.entries<Schema>(s.properties ?? {})) unbounded(value, `${at}.${key}`, out);
  if (s.items) unbounded(s.items, `${at}[]`, out);
  for (const option of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) unbounded(option, at, out);
  if (!hasMaxLength(s)) for (const part of s.allOf ?? []) unbounded(part, at, out);
  return out;
}

/** Every schema a request is checked against: path, query and header parameters, and bodies. */
async function requestSchemas(): Promise<[string, Schema][]> {
  const doc = (await openApiDocument()) as { paths: Record<string, Record<string, Schema>> };
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).flatMap(([method, op]): [string, Schema][] => [
      ...(op.parameters ?? []).map((p: Schema): [string, Schema] => [`${method.toUpperCase()} ${path} ${p.in} ${p.name}`, p.schema]),
      ...Object.entries<Schema>(op.requestBody?.content ?? {}).map(([type, c]): [string, Schema] => [`${method.toUpperCase()} ${path} body (${type})`, c.schema]),
    ]),
  );
}

describe('every input the API takes is bounded', () => {
  it('every request string has a maxLength and every list a maxItems (params, query, headers, bodies)', async () => {
    const schemas = await requestSchemas();
    expect(schemas.length).toBeGreaterThan(50);
    expect(schemas.flatMap(([where, schema]) => unbounded(schema, where))).toEqual([]);
  });

  it('every request body has a largest size, so its route’s body limit can fit it', async () => {
    const bodies = (await requestSchemas()).filter(([where]) => where.includes(' body ('));
    expect(bodies.filter(([, schema]) => !Number.isFinite(largestJsonBytes(schema)))).toEqual([]);
  });

  it('the walk finds what is unbounded: a bare string, a list, a map', () => {
    const schema = z.toJSONSchema(z.object({ a: z.string(), b: z.array(z.string().max(3)), c: z.record(z.string(), z.number()), d: z.string().max(9) })) as Schema;
    expect(unbounded(schema, 'x')).toEqual(['x.a: a string without maxLength', 'x.b: a list without maxItems', 'x.c: a map without a bound on its keys']);
    expect(largestJsonBytes(schema)).toBe(Infinity);
  });
});

describe('body limits fit each route’s largest valid body', () => {
  const bytes = (body: unknown) => Buffer.byteLength(JSON.stringify(body, null, 2));

  it('the largest A2P and toll-free drafts, pretty-printed, fit their routes’ limits, which stay far below 1 MiB', () => {
    expect(bodyLimitFor(RegistrationDraft)).toBeGreaterThanOrEqual(bytes(largestA2pDraft()));
    expect(bodyLimitFor(RegistrationDraft)).toBeLessThan(MIB / 2);
    expect(bodyLimitFor(TollfreeDraft)).toBeGreaterThanOrEqual(bytes(largestTollfreeDraft()));
  });

  it('a bulk job’s limit grows with BULK_MAX_QUANTITY and fits that many numbers', () => {
    const body = (n: number) => ({ phoneNumbers: Array.from({ length: n }, (_, i) => `+1${String(2_000_000_000 + i)}`), concurrency: 1000, idempotencyKey: 'k'.repeat(100) });
    for (const n of [10, 1000, 5000, 20_000]) expect(bodyLimitFor(bulkReleaseRequestSchema(n))).toBeGreaterThanOrEqual(bytes(body(n)));
    expect(bodyLimitFor(bulkReleaseRequestSchema(10))).toBe(DEFAULT_BODY_LIMIT);
    expect(bodyLimitFor(bulkReleaseRequestSchema(20_000))).toBeGreaterThan(bodyLimitFor(bulkReleaseRequestSchema(5000)));
  });

  it('a batch of 1 000 call outcomes, each full, fits its limit', () => {
    const outcome = { phoneNumber: '+12175550100', at: '2026-01-01T00:00:00.123456+05:30', outcome: 'no_answer', durationSeconds: 86_400, externalId: '€'.repeat(128) };
    expect(bodyLimitFor(CallOutcomesBody)).toBeGreaterThanOrEqual(bytes({ outcomes: Array.from({ length: 1000 }, () => outcome) }));
  });

  it('a route without a body schema gets the default', () => {
    expect(bodyLimitFor(undefined)).toBe(DEFAULT_BODY_LIMIT);
  });
});

describe('JSON nesting depth', () => {
  it('is measured without parsing: the limit itself passes, one level more does not', () => {
    for (const kind of ['array', 'object'] as const) {
      expect(jsonNestsDeeperThan(deepJson(MAX_JSON_DEPTH, kind), MAX_JSON_DEPTH)).toBe(false);
      expect(jsonNestsDeeperThan(deepJson(MAX_JSON_DEPTH + 1, kind), MAX_JSON_DEPTH)).toBe(true);
    }
  });

  it('ignores brackets inside strings, escaped quotes included, and counts them after an escaped backslash', () => {
    expect(jsonNestsDeeperThan(JSON.stringify({ a: '['.repeat(100) }), 2)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ a: `"${'{'.repeat(100)}` }), 2)).toBe(false);
    expect(jsonNestsDeeperThan(`["\\\\", ${deepJson(3)}]`, 3)).toBe(true);
  });

  it('answers for a megabyte of brackets', () => {
    expect(jsonNestsDeeperThan('['.repeat(MIB), MAX_JSON_DEPTH)).toBe(true);
    expect(jsonNestsDeeperThan(`"${'['.repeat(MIB)}"`, MAX_JSON_DEPTH)).toBe(false);
  });
});

describe('the unstorable-text walk', () => {
  it('walks a value 100 000 levels deep without overflowing the stack, naming the bad string’s path', () => {
    let value: unknown = 'a\u0000b';
    for (let i = 0; i < 100_000; i++) value = i % 2 ? [value] : { k: value };
    const path = Array.from({ length: 100_000 }, (_, i) => (i % 2 ? 'k' : '0')).join('.');
    expect(unstorableFields(value)).toEqual([path]);
  });

  it('reports keys and values in document order', () => {
    expect(unstorableFields({ a: ['ok', 'x\u0000'], ['b\uD800']: { c: '\uDC00' }, d: 'fine' })).toEqual(['a.1', 'b\uD800', 'b\uD800.c']);
  });
});
