import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv } from 'ajv';

/**
 * Twilio's official OpenAPI documents (twilio/twilio-oai, copied to ../shared/twilio-oai; TWILIO_OAI_DIR
 * overrides): what the sandbox holds requests to, and what the contract tests hold its responses to.
 */
export type Json = Record<string, unknown>;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Read at call time, so a process (or a test) can point TWILIO_OAI_DIR elsewhere before starting a sandbox. */
export function twilioSpecDir(): string {
  return process.env.TWILIO_OAI_DIR ?? path.resolve(repoRoot, '..', 'shared', 'twilio-oai');
}

/** The spec files of the APIs the sandbox serves (one base URL serves every Twilio host). */
export const servedSpecFiles = [
  'twilio_api_v2010.json',
  'twilio_trusthub_v1.json',
  'twilio_messaging_v1.json',
  'twilio_events_v1.json',
  'twilio_trunking_v1.json',
  'twilio_lookups_v2.json',
  'twilio_accounts_v1.json',
] as const;

export function readSpec(dir: string, file: string): Json {
  const at = path.join(dir, file);
  if (!existsSync(at)) throw new Error(`Twilio's OpenAPI document ${at} is missing: set TWILIO_OAI_DIR to the folder of twilio-oai's spec/json`);
  return JSON.parse(readFileSync(at, 'utf8')) as Json;
}

// Formats the specs use; the ones with a checkable shape are checked.
export const formats: Record<string, RegExp | true> = {
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

export function addFormats(ajv: Ajv): void {
  for (const [f, check] of Object.entries(formats)) ajv.addFormat(f, check);
}

/** `nullable` without `type` means "anything" in OpenAPI 3.0; Ajv refuses it, so drop it there. */
export function withoutUntypedNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutUntypedNullable);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === 'nullable' && !('type' in (node as Json))) continue;
    out[k] = withoutUntypedNullable(v);
  }
  return out;
}

/** Registers a spec's components under the file name, so `file#/components/...` refs resolve. */
export function addComponents(ajv: Ajv, file: string, spec: Json): void {
  ajv.addSchema({ $id: file, components: withoutUntypedNullable(spec.components) }, file);
}

/** A schema cut out of a spec, with its local refs pointed at the components registered under `file`. */
export function detach(file: string, schema: unknown): Json {
  return withoutUntypedNullable(JSON.parse(JSON.stringify(schema).replaceAll('"#/', `"${file}#/`))) as Json;
}
