import { existsSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { addComponents, detach, readSpec, servedSpecFiles, twilioSpecDir, type Json } from './openapi-spec';
import { parametersOutsideSpec, routesWithoutOperation } from './spec-exceptions';

/**
 * Holds every request to a Twilio route to its operation in Twilio's OpenAPI documents, as Twilio does:
 * a wrong type, an enum value it doesn't know or a missing required field is refused (400, 20001
 * "Invalid parameter"); a name the operation doesn't declare is ignored by Twilio, so it is accepted here —
 * but every violation is counted, run-wide, so the test suite can assert the project sends none.
 */

export type ViolationKind = 'unknown' | 'enum' | 'type' | 'required';
export interface Violation {
  kind: ViolationKind;
  /** The form field, query parameter or JSON property (its top-level name). */
  name: string;
}
/** What Twilio refuses; `unknown` names it ignores. */
const refused: ReadonlySet<ViolationKind> = new Set(['enum', 'type', 'required']);

/**
 * Parameters whose wrong value a product of the sandbox already refuses with Twilio's more specific code
 * (the product's own check answers; the violation is still counted).
 */
const A = '/2010-04-01/Accounts/{AccountSid}';
const numberMethods = ['SmsMethod', 'SmsFallbackMethod', 'VoiceMethod', 'VoiceFallbackMethod', 'StatusCallbackMethod']; // 21403
const campaign = ['Description', 'MessageFlow', 'MessageSamples', 'UsAppToPersonUsecase', 'HasEmbeddedLinks', 'HasEmbeddedPhone']; // 21727
const checkedByProduct: Readonly<Record<string, readonly string[]>> = {
  [`POST ${A}/IncomingPhoneNumbers.json`]: numberMethods,
  [`POST ${A}/IncomingPhoneNumbers/Local.json`]: numberMethods,
  [`POST ${A}/IncomingPhoneNumbers/TollFree.json`]: numberMethods,
  [`POST ${A}/IncomingPhoneNumbers/{Sid}.json`]: numberMethods,
  [`POST ${A}/Addresses.json`]: ['CustomerName', 'Street', 'City', 'Region', 'PostalCode', 'IsoCountry'], // 21629
  [`POST ${A}/SIP/IpAccessControlLists/{IpAccessControlListSid}/IpAddresses.json`]: ['FriendlyName', 'IpAddress', 'CidrPrefixLength'], // 21235
  [`POST ${A}/SIP/IpAccessControlLists/{IpAccessControlListSid}/IpAddresses/{Sid}.json`]: ['CidrPrefixLength'], // 21235
  [`POST ${A}/SIP/CredentialLists/{CredentialListSid}/Credentials.json`]: ['Username', 'Password'], // 21243
  'POST /v1/Services/{MessagingServiceSid}/Compliance/Usa2p': ['BrandRegistrationSid', ...campaign], // 21717, 21727
  'POST /v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}': [...campaign, 'AgeGated', 'DirectLending'], // 21727
  'POST /v1/Trunks': ['DisasterRecoveryMethod'], // 21403
  'POST /v1/Trunks/{Sid}': ['DisasterRecoveryMethod'], // 21403
};

interface Operation {
  /** `METHOD spec-path`, as the counters and the exceptions table name it. */
  key: string;
  file: string;
  op: Json;
  pathParameters: Json[];
}

interface Checker {
  names: Set<string>;
  validate: ValidateFunction;
}

export interface RequestValidationStats {
  /** False when Twilio's documents aren't there (a clone without ../shared/twilio-oai): nothing is checked. */
  enabled: boolean;
  disabledReason?: string;
  checkedRequests: number;
  /** Distinct operations checked. */
  operations: number;
  violations: Record<string, Partial<Record<ViolationKind, number>> & { names: string[] }>;
  totalViolations: number;
}

export interface RequestToCheck {
  method: string;
  /** The Fastify route that answered (`req.routeOptions.url`). */
  route: string;
  query: unknown;
  body: unknown;
  contentType?: string;
}

const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;
const segments = (p: string) => p.split('/').filter(Boolean);
const templated = (seg: string) => seg.includes('{');
const templateRegex = (seg: string) => new RegExp(`^${seg.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);

/**
 * How well a spec path fits a Fastify route: null if it doesn't, else the number of literal segments
 * both share — literal path segments win over templates (`IncomingPhoneNumbers/Local.json` over `{Sid}.json`).
 */
export function routeFit(route: string, specPath: string): number | null {
  const r = segments(route);
  const s = segments(specPath);
  if (r.length !== s.length) return null;
  let literals = 0;
  for (let i = 0; i < r.length; i++) {
    const [a, b] = [r[i]!, s[i]!];
    if (a.startsWith(':')) {
      if (!templated(b)) return null;
    } else if (a === b) literals += 1;
    else if (!templated(b) || !templateRegex(b).test(a)) return null;
  }
  return literals;
}

/** The top-level name an Ajv error is about. */
function nameOf(e: ErrorObject): string {
  if (e.keyword === 'required') return String((e.params as { missingProperty: string }).missingProperty);
  const first = e.instancePath.split('/')[1] ?? '';
  return first.replaceAll('~1', '/').replaceAll('~0', '~');
}

/**
 * The kind of violation an Ajv error is, if it is one this checks. Only parameters themselves count (a
 * form field, a repeated field's values, a query parameter, a top-level JSON property): what is wrong
 * inside a JSON item (Lookup's batch) is the product's to answer, item by item.
 */
function kindOf(e: ErrorObject): ViolationKind | null {
  const depth = e.instancePath.split('/').length - 1;
  if (e.keyword === 'required') return depth === 0 ? 'required' : null;
  return (e.keyword === 'type' || e.keyword === 'enum') && depth <= 2 ? e.keyword : null;
}

const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export class RequestValidation {
  // Values arrive as strings: coerce ("true", "42", a repeated key's array) as Twilio parses them.
  // Formats, patterns and lengths are Twilio's business rules, not checked here (partial numbers with `*` are valid queries).
  private readonly ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: 'array', validateFormats: false });
  private readonly operations: Operation[] = [];
  private readonly table = new Map<string, Operation | 'exception'>();
  private readonly checkers = new Map<string, Checker>();
  private counters = RequestValidation.emptyCounters();

  /** Why nothing is checked, when the folder of Twilio's documents is missing altogether. */
  readonly disabledReason: string | undefined;

  constructor(readonly dir = twilioSpecDir()) {
    // A clone without ../shared/twilio-oai still runs (`npm start`), unchecked and saying so; a folder with
    // some documents missing is a mistake and stops the sandbox (readSpec throws).
    if (!existsSync(dir)) {
      this.disabledReason = `Twilio's OpenAPI documents are not at ${dir} (set TWILIO_OAI_DIR): requests are not validated`;
      return;
    }
    for (const file of servedSpecFiles) {
      const spec = readSpec(dir, file);
      addComponents(this.ajv, file, spec);
      for (const [specPath, item] of Object.entries(spec.paths as Record<string, Json>)) {
        for (const m of methods) {
          const op = item[m] as Json | undefined;
          if (op) this.operations.push({ key: `${m.toUpperCase()} ${specPath}`, file, op, pathParameters: (item.parameters as Json[] | undefined) ?? [] });
        }
      }
    }
  }

  /**
   * The table from every Twilio route the sandbox serves to its operation, built once at start. Throws
   * (the sandbox refuses to start) if a route maps to no operation and is not an exception, or to two.
   */
  mapRoutes(routes: readonly { method: string; url: string }[]): void {
    if (this.disabledReason) return;
    const problems: string[] = [];
    for (const { method, url } of routes) {
      if (url.startsWith('/__sandbox')) continue;
      const exception = Object.keys(routesWithoutOperation).find((k) => k.startsWith(`${method} `) && routeFit(url, k.slice(method.length + 1)) !== null);
      if (exception) {
        this.table.set(`${method} ${url}`, 'exception');
        continue;
      }
      const fits = this.operations
        .filter((o) => o.key.startsWith(`${method} `))
        .map((o) => ({ o, fit: routeFit(url, o.key.slice(method.length + 1)) }))
        .filter((c): c is { o: Operation; fit: number } => c.fit !== null)
        .sort((a, b) => b.fit - a.fit);
      if (!fits.length) problems.push(`${method} ${url}: no operation in Twilio's OpenAPI documents (${this.dir}) and not listed in sandbox/spec-exceptions.ts`);
      else if (fits[1]?.fit === fits[0]!.fit) problems.push(`${method} ${url}: fits ${fits[0]!.o.key} and ${fits[1]!.o.key} equally`);
      else this.table.set(`${method} ${url}`, fits[0]!.o);
    }
    for (const key of [...Object.keys(checkedByProduct), ...Object.keys(parametersOutsideSpec)]) {
      if (!this.operations.some((o) => o.key === key)) problems.push(`${key}: listed, but not an operation of Twilio's OpenAPI documents`);
    }
    if (problems.length) throw new Error(`The sandbox serves Twilio routes it cannot validate:\n${problems.join('\n')}`);
  }

  /** The operation a route was mapped to (`METHOD spec-path`), 'exception', or undefined if not a Twilio route. */
  operationOf(method: string, route: string): string | undefined {
    const o = this.table.get(`${method} ${route}`);
    return o === 'exception' ? o : o?.key;
  }

  /** Checks one request and counts it; returns its violations, or null for a route that isn't validated. */
  check(req: RequestToCheck): Violation[] | null {
    const op = this.table.get(`${req.method} ${req.route}`);
    if (!op || op === 'exception') return null;
    const json = req.contentType?.includes('application/json') ?? false;
    const violations = [
      ...this.violations(this.queryChecker(op), req.query),
      ...this.violations(this.bodyChecker(op, json), req.body),
    ].filter((v) => !(v.kind === 'unknown' && parametersOutsideSpec[op.key]?.[v.name]));
    this.count(op.key, violations);
    return violations;
  }

  /** The violation Twilio answers with 400 for, if any (none when the product answers it with its own code). */
  refusal(method: string, route: string, violations: readonly Violation[]): Violation | undefined {
    const key = this.operationOf(method, route) ?? '';
    return violations.find((v) => refused.has(v.kind) && !checkedByProduct[key]?.includes(v.name));
  }

  stats(): RequestValidationStats {
    const { checkedRequests, operations, violations, totalViolations } = this.counters;
    const enabled = { enabled: !this.disabledReason, ...(this.disabledReason ? { disabledReason: this.disabledReason } : {}) };
    return { ...enabled, checkedRequests, operations: operations.size, violations: structuredClone(violations), totalViolations };
  }

  reset(): void {
    this.counters = RequestValidation.emptyCounters();
  }

  private static emptyCounters() {
    return { checkedRequests: 0, operations: new Set<string>(), violations: {} as RequestValidationStats['violations'], totalViolations: 0 };
  }

  private count(key: string, violations: readonly Violation[]) {
    this.counters.checkedRequests += 1;
    this.counters.operations.add(key);
    for (const v of violations) {
      const entry = (this.counters.violations[key] ??= { names: [] });
      entry[v.kind] = (entry[v.kind] ?? 0) + 1;
      if (!entry.names.includes(v.name)) entry.names.push(v.name);
      this.counters.totalViolations += 1;
    }
  }

  private violations(checker: Checker, raw: unknown): Violation[] {
    const values = structuredClone(asRecord(raw)); // coercion rewrites its input; the products read the original
    const unknown = Object.keys(values).filter((n) => !checker.names.has(n)).map((name): Violation => ({ kind: 'unknown', name }));
    if (checker.validate(values)) return unknown;
    const invalid = (checker.validate.errors ?? []).flatMap((e): Violation[] => {
      const kind = kindOf(e);
      return kind ? [{ kind, name: nameOf(e) }] : [];
    });
    const seen = new Set<string>();
    return [...unknown, ...invalid].filter((v) => !seen.has(`${v.kind} ${v.name}`) && !!seen.add(`${v.kind} ${v.name}`));
  }

  private queryChecker(o: Operation): Checker {
    return this.checker(`${o.key} query`, () => {
      const params = [...o.pathParameters, ...((o.op.parameters as Json[] | undefined) ?? [])].filter((p) => p.in === 'query');
      return {
        type: 'object',
        properties: Object.fromEntries(params.map((p) => [p.name as string, detach(o.file, p.schema ?? {})])),
        required: params.filter((p) => p.required).map((p) => p.name as string),
      };
    });
  }

  private bodyChecker(o: Operation, json: boolean): Checker {
    const content = asRecord(asRecord(o.op.requestBody).content);
    const media = json ? 'application/json' : 'application/x-www-form-urlencoded';
    const declared = asRecord(content[media]).schema ?? Object.values(content).map((c) => asRecord(c).schema).find(Boolean);
    return this.checker(`${o.key} ${media}`, () => (declared ? detach(o.file, declared) : { type: 'object', properties: {} }));
  }

  private checker(key: string, schema: () => Json): Checker {
    let c = this.checkers.get(key);
    if (!c) {
      const s = schema();
      c = { names: new Set(Object.keys(asRecord(s.properties))), validate: this.ajv.compile(s) };
      this.checkers.set(key, c);
    }
    return c;
  }
}
