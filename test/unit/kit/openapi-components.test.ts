/**
 * The OpenAPI document names what many operations share instead of repeating it: the error body once, as
 * `#/components/schemas/Error`, each common error answer with what it means; and no component nothing uses.
 * Repeated, the error bodies made a 920 KB document that Swagger UI at /docs and every client generator read.
 */
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../dev/openapi-document';

type Response = { description: string; content?: { 'application/json'?: { schema: { $ref?: string } } } };
type Doc = { paths: Record<string, Record<string, { responses: Record<string, Response> }>>; components: { schemas: Record<string, unknown> } };

describe('the OpenAPI document', async () => {
  const doc = (await openApiDocument()) as unknown as Doc;
  const errorAnswers = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([path, ops]) => Object.entries(ops).flatMap(([method, op]) => Object.entries(op.responses).map(([status, r]) => ({ at: `${method} ${path} ${status}`, status: Number(status), r }))))
    .filter(({ status }) => status >= 400);

  it('refers every common error answer to the one Error schema, and says what it means', () => {
    // 400s of their own (A2P's preflight problems) keep their schema; these statuses are the API's own everywhere.
    const common = errorAnswers.filter(({ status }) => [401, 413, 414, 415, 429, 503].includes(status));
    expect(common.length).toBeGreaterThan(300);
    for (const { at, r } of common) {
      expect(r.content?.['application/json']?.schema.$ref, at).toBe('#/components/schemas/Error');
      expect(r.description, at).not.toBe('Default Response');
    }
    const refused = errorAnswers.filter(({ r }) => r.content?.['application/json']?.schema.$ref === '#/components/schemas/Error');
    expect(refused.length / errorAnswers.length).toBeGreaterThan(0.95);
    expect(doc.components.schemas.Error).toMatchObject({ properties: { error: { required: ['code', 'message'] } } });
  });

  it('keeps only components something refers to, and stays small', () => {
    for (const name of Object.keys(doc.components.schemas)) {
      const { [name]: _itself, ...others } = doc.components.schemas; // a component named only by itself is unused
      expect(JSON.stringify({ ...doc, components: { schemas: others } }), name).toContain(`"#/components/schemas/${name}"`);
    }
    expect(Object.keys(doc.components.schemas)).not.toContain('ErrorInput');
    expect(JSON.stringify(doc).length).toBeLessThan(500_000);
  });
});
