import type { SwaggerTransformObject } from '@fastify/swagger';
import { jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { markOptionalBodies } from './optional-body';

type Doc = { components?: { schemas?: Record<string, unknown> }; [key: string]: unknown };

/**
 * The OpenAPI document's last pass (app.ts): the schemas named with `.meta({ id })` (the error body, the resources
 * many operations return) become components that operations refer to, bodies that may be left out are marked so, and a component nothing
 * refers to is dropped — the library writes each named schema twice, as read and as written (`ErrorInput`),
 * and the API only ever writes those.
 */
export const transformDocument: SwaggerTransformObject = (documentObject) => {
  const withComponents = jsonSchemaTransformObject(documentObject) as Doc;
  const doc = markOptionalBodies({ ...documentObject, openapiObject: withComponents } as Parameters<SwaggerTransformObject>[0]) as Doc;
  return dropUnreferencedSchemas(doc) as ReturnType<SwaggerTransformObject>;
};

const refsIn = (value: unknown) => [...JSON.stringify(value ?? null).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);

function dropUnreferencedSchemas(doc: Doc): Doc {
  const schemas = doc.components?.schemas;
  if (!schemas) return doc;
  const kept = new Set<string>();
  // What the operations refer to, then what those components refer to in turn.
  const toVisit = refsIn({ ...doc, components: { ...doc.components, schemas: {} } });
  for (let name = toVisit.pop(); name !== undefined; name = toVisit.pop()) {
    if (kept.has(name)) continue;
    kept.add(name);
    toVisit.push(...refsIn(schemas[name]));
  }
  return { ...doc, components: { ...doc.components, schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => kept.has(name))) } };
}
