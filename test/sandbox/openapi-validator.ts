import { Ajv, type ValidateFunction } from 'ajv';
import { addComponents, addFormats, detach, readSpec, twilioSpecDir, type Json } from '../../sandbox/openapi-spec';

/** Twilio's official OpenAPI specs (../shared/twilio-oai, or TWILIO_OAI_DIR). */
export const specDir = twilioSpecDir();

/**
 * Validates a response body against the schema a spec declares for (method, path, status), and
 * reports properties the schema does not declare (Twilio's schemas allow extras; we don't).
 */
export class OpenApiValidator {
  private readonly specs = new Map<string, Json>();
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly cache = new Map<string, ValidateFunction>();

  constructor() {
    addFormats(this.ajv);
  }

  private spec(file: string): Json {
    let s = this.specs.get(file);
    if (!s) {
      s = readSpec(specDir, file);
      this.specs.set(file, s);
      addComponents(this.ajv, file, s);
    }
    return s;
  }

  /** The declared response schema, with local refs pointed into the registered spec. */
  responseSchema(file: string, method: string, specPath: string, status: number): Json | null {
    const spec = this.spec(file);
    const op = ((spec.paths as Json)[specPath] as Json | undefined)?.[method.toLowerCase()] as Json | undefined;
    if (!op) throw new Error(`${file}: no ${method} ${specPath}`);
    const response = (op.responses as Json)[String(status)] as Json | undefined;
    if (!response) throw new Error(`${file}: ${method} ${specPath} declares no ${status} response`);
    const schema = ((response.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema as Json | undefined;
    return schema ? detach(file, schema) : null;
  }

  /** Returns a list of problems; empty means valid. */
  validate(file: string, method: string, specPath: string, status: number, body: unknown): string[] {
    const key = `${file} ${method} ${specPath} ${status}`;
    const schema = this.responseSchema(file, method, specPath, status);
    if (!schema) return body === null || body === '' ? [] : ['spec declares no body, but one was sent'];
    let validate = this.cache.get(key);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.cache.set(key, validate);
    }
    const problems = validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    return [...problems, ...this.undeclared(file, schema, body, '')];
  }

  private resolve(file: string, schema: Json): Json {
    const ref = schema.$ref as string | undefined;
    if (!ref) return schema;
    const pointer = ref.split('#')[1]!.split('/').slice(1);
    let node: unknown = this.spec(file);
    for (const part of pointer) node = (node as Json)[part];
    return node as Json;
  }

  private undeclared(file: string, raw: Json, body: unknown, at: string): string[] {
    const schema = this.resolve(file, raw);
    if (!body || typeof body !== 'object') return [];
    if (Array.isArray(body)) {
      const items = schema.items as Json | undefined;
      return items ? body.flatMap((b, i) => this.undeclared(file, items, b, `${at}/${i}`)) : [];
    }
    const props = schema.properties as Record<string, Json> | undefined;
    if (!props) return [];
    return Object.entries(body as Json).flatMap(([k, v]) =>
      k in props ? this.undeclared(file, props[k]!, v, `${at}/${k}`) : [`${at}/${k} is not declared by the spec`],
    );
  }
}
