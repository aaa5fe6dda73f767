import { readFileSync } from 'node:fs';
import type { ConnectionOptions, TLSConfig } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';

/**
 * How every process (API, worker, benches, tests, `npm start`'s probe) reaches Temporal: the address, TLS
 * (server CA, an mTLS client pair, the name to check) and a Temporal Cloud API key. One place, so a
 * process can't be the one that still talks plaintext. Only config/ and node's own modules are imported
 * here (and types): api/, worker/, cli/, bench/, dev/ and test helpers all may use it.
 */
export interface TemporalConnectionSettings {
  TEMPORAL_ADDRESS: string;
  /** TLS without anything else to configure (a server whose certificate the system trusts); implied by the rest. */
  TEMPORAL_TLS?: boolean;
  /** The client certificate (mTLS): PEM text, or the path of a PEM file. */
  TEMPORAL_TLS_CERT?: string;
  /** The client certificate's private key: PEM text, or the path of a PEM file. */
  TEMPORAL_TLS_KEY?: string;
  /** The CA that signed the server's certificate, when the system doesn't trust it: PEM text or a path. */
  TEMPORAL_TLS_CA?: string;
  /** The name the server's certificate is checked against (and sent as SNI), when it isn't the address's host. */
  TEMPORAL_TLS_SERVER_NAME?: string;
  /** A Temporal Cloud API key, sent as `Authorization: Bearer`; implies TLS. */
  TEMPORAL_API_KEY?: string;
}

/** Options `Connection.connect` / `Connection.lazy` (client) and `NativeConnection.connect` (worker) both take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

const PEM = /-----BEGIN [A-Z0-9 ]{1,40}-----/;

/** A value that is PEM itself (env files often carry it with `\n` escapes), else the path of a PEM file. */
export function readPem(value: string, name: string): Buffer {
  if (PEM.test(value)) return Buffer.from(value.replace(/\\n/g, '\n'));
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (err) {
    throw new Error(`${name}: neither PEM text nor a readable file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (!PEM.test(text)) throw new Error(`${name}: the file ${value} holds no PEM block (-----BEGIN …-----)`);
  return Buffer.from(text);
}

/** A zod check for a PEM setting: the problem reading it, named, or nothing. */
export const pemSetting = (name: string) =>
  z.string().superRefine((value, ctx) => {
    try {
      readPem(value, name);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(`${name}: `, '') });
    }
  });

/** The schema of these settings, for config/env.ts and for anything that reads only them from the environment. */
export const temporalConnectionSchema = {
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233').describe('Temporal’s frontend address (host:port). `npm start` runs the dev server (history in .data/temporal.sqlite, UI on http://127.0.0.1:8233) unless it is set.'),
  TEMPORAL_TLS: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')).describe('`true`: TLS with nothing else to set; implied by each TLS setting and TEMPORAL_API_KEY. `false` beside any of them is a config error.'),
  TEMPORAL_TLS_CERT: pemSetting('TEMPORAL_TLS_CERT').optional().describe('The mTLS client certificate: PEM text (real newlines or \\n escapes) or the path of a PEM file, read at start-up; set it and TEMPORAL_TLS_KEY or neither.'),
  TEMPORAL_TLS_KEY: pemSetting('TEMPORAL_TLS_KEY').optional().describe('The mTLS client certificate’s private key: PEM text or the path of a PEM file; set it and TEMPORAL_TLS_CERT or neither.'),
  TEMPORAL_TLS_CA: pemSetting('TEMPORAL_TLS_CA').optional().describe('The CA that signed Temporal’s server certificate, when the system doesn’t trust it: PEM text or the path of a PEM file.'),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).max(253).optional().describe('The name the server certificate is checked against (and sent as SNI), when it isn’t the address’s host.'),
  TEMPORAL_API_KEY: z.string().min(1).optional().describe('A Temporal Cloud API key (sent as `Authorization: Bearer`); turns TLS on with the system’s CAs.'),
};

/** Settings that only make sense over TLS; each one turns it on. */
const NEEDS_TLS = ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY'] as const;

/** Combinations the schema can't see field by field, as config/env.ts's problem lines. */
export function temporalConnectionProblems(s: TemporalConnectionSettings): string[] {
  const problems: string[] = [];
  if (Boolean(s.TEMPORAL_TLS_CERT) !== Boolean(s.TEMPORAL_TLS_KEY)) {
    problems.push('  TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: set both (the mTLS client certificate and its private key) or neither');
  }
  const needing = NEEDS_TLS.filter((name) => s[name]);
  if (s.TEMPORAL_TLS === false && needing.length) {
    // An API key or a client key sent in the clear would be the leak TLS is there to stop.
    problems.push(`  TEMPORAL_TLS: is false, but ${needing.join(', ')} need TLS`);
  }
  return problems;
}

/** The TLS settings, or undefined for a plaintext connection (the local dev server). Reads PEM files now. */
export function temporalTlsConfig(s: TemporalConnectionSettings): TLSConfig | undefined {
  const wanted = s.TEMPORAL_TLS ?? NEEDS_TLS.some((name) => s[name]);
  if (!wanted) return undefined;
  return {
    ...(s.TEMPORAL_TLS_CA ? { serverRootCACertificate: readPem(s.TEMPORAL_TLS_CA, 'TEMPORAL_TLS_CA') } : {}),
    ...(s.TEMPORAL_TLS_CERT && s.TEMPORAL_TLS_KEY
      ? { clientCertPair: { crt: readPem(s.TEMPORAL_TLS_CERT, 'TEMPORAL_TLS_CERT'), key: readPem(s.TEMPORAL_TLS_KEY, 'TEMPORAL_TLS_KEY') } }
      : {}),
    ...(s.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: s.TEMPORAL_TLS_SERVER_NAME } : {}),
  };
}

/** Connection options for the client's `Connection` and the worker's `NativeConnection` alike. */
export function temporalConnectionOptions(s: TemporalConnectionSettings): TemporalConnectionOptions {
  const tls = temporalTlsConfig(s);
  // `satisfies`: the compiler proves the one shape fits both SDK connection kinds.
  return {
    address: s.TEMPORAL_ADDRESS,
    ...(tls ? { tls } : {}),
    ...(s.TEMPORAL_API_KEY ? { apiKey: s.TEMPORAL_API_KEY } : {}),
  } satisfies ConnectionOptions & NativeConnectionOptions;
}

/** What the connection is, for start-up logs: never a key, a certificate or an API key. */
export function describeTemporalConnection(s: TemporalConnectionSettings): string {
  const tls = temporalTlsConfig(s);
  if (!tls) return 'plaintext';
  const parts = [tls.clientCertPair ? 'mTLS' : 'TLS'];
  if (tls.serverRootCACertificate) parts.push('own CA');
  if (tls.serverNameOverride) parts.push(`server name ${tls.serverNameOverride}`);
  if (s.TEMPORAL_API_KEY) parts.push('API key');
  return parts.join(', ');
}

/**
 * These settings from an environment alone (`npm start` probing a Temporal it didn't start, CLIs): the same
 * checks as the full config; throws with every problem.
 */
export function temporalSettingsFromEnv(env: NodeJS.ProcessEnv): TemporalConnectionSettings {
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = z.object(temporalConnectionSchema).safeParse(set);
  const lines = parsed.success ? temporalConnectionProblems(parsed.data) : parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  if (parsed.success && !lines.length) return parsed.data;
  throw new Error(`Invalid Temporal connection settings:\n${lines.join('\n')}`);
}
