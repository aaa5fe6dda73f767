import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { repoRoot } from '../../dev/processes';

/** Twilio's official OpenAPI specs (../shared/twilio-oai, or TWILIO_OAI_DIR). */
export const specDir = process.env.TWILIO_OAI_DIR ?? path.resolve(repoRoot, '..', 'shared', 'twilio-oai');

type Json = Record<string, unknown>;

// Formats the specs use; the ones with a checkable shape are checked.
const formats: Record<string, RegExp | true> = {
  // `sip:` too: trunking's origination `sip_url` is declared a uri.
  uri: /^(\/|https?:\/\/|sip:)\S*$/,
  'http-method': /^(GET|POST|PUT|DELETE|HEAD|PATCH)$/,
  'date-time-rfc-2822': /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  'phone-number': /^(\+\d{7,15}|\(\d{3}\) \d{3}-\d{4})$/,
  'iso-country-code': /^[A-Z]{2}$/,
  int64: true, int32: true, 'uri-map': true, currency: true, 'phone-number-capabilities': true,
  endpoint: true, twiml: true, 'ice-server': true,
};

/** `nullable` without `type` means "anything" in OpenAPI 3.0; Ajv refuses it, so drop it there. */
function withoutUntypedNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutUntypedNullable);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === 'nullable' && !('type' in (node as Json))) continue;
    out[k] = withoutUntypedNullable(v);
  }
  return out;
}

/**
 * Validates a response body against the schema a spec declares for (method, path, status), and
 * reports properties the schema does not declare (Twilio's schemas allow extras; we don't).
 */
export class OpenApiValidator {
  private readonly specs = new Map<string, Json>();
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly cache = new Map<string, ValidateFunction>();

  constructor() {
    for (const [f, check] of Object.entries(formats)) this.ajv.addFormat(f, check);
  }

  private spec(file: string): Json {
    let s = this.specs.get(file);
    if (!s) {
      s = JSON.parse(readFileSync(path.join(specDir, file), 'utf8')) as Json;
      this.specs.set(file, s);
      this.ajv.addSchema({ $id: file, components: withoutUntypedNullable(s.components) }, file);
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
    return schema ? (withoutUntypedNullable(JSON.parse(JSON.stringify(schema).replaceAll('"#/', `"${file}#/`))) as Json) : null;
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
