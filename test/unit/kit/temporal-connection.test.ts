import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../../config/env';
import { redactPaths } from '../../../config/logger';
import { temporalConnectionOptions, temporalSettingsFromEnv } from '../../../config/temporal-connection';

const valid = { DATABASE_URL: 'postgres://u@h/db', TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'b'.repeat(32) };
const pem = (label: string, body: string) => `-----BEGIN ${label}-----\n${Buffer.from(body).toString('base64')}\n-----END ${label}-----\n`;
const CERT = pem('CERTIFICATE', 'client-certificate-body');
const KEY = pem('PRIVATE KEY', 'client-private-key-body-DO-NOT-LOG');
const CA = pem('CERTIFICATE', 'server-ca-body');
const API_KEY = 'tcld-api-key-DO-NOT-LOG-0123456789';
const dir = mkdtempSync(path.join(tmpdir(), 'temporal-connection-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

function configError(env: Record<string, string>): string {
  try {
    loadConfig({ ...valid, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('Temporal connection settings', () => {
  it('plaintext by default: the address alone (the local dev server)', () => {
    expect(temporalConnectionOptions(loadConfig(valid))).toEqual({ address: '127.0.0.1:7233' });
  });

  it('mTLS from files: the CA, the client pair and the server name, read from disk', () => {
    const c = loadConfig({
      ...valid,
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CA: file('ca.pem', CA),
      TEMPORAL_TLS_CERT: file('client.pem', CERT),
      TEMPORAL_TLS_KEY: file('client.key', KEY),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.example',
    });
    const options = temporalConnectionOptions(c);
    expect(options.address).toBe('temporal.internal:7233');
    expect(options.tls?.serverNameOverride).toBe('temporal.example');
    expect(Buffer.from(options.tls!.serverRootCACertificate!).toString()).toBe(CA);
    expect(Buffer.from(options.tls!.clientCertPair!.crt).toString()).toBe(CERT);
    expect(Buffer.from(options.tls!.clientCertPair!.key).toString()).toBe(KEY);
  });

  it('PEM text works as well as a path, with the \\n escapes an env file holds', () => {
    const c = loadConfig({ ...valid, TEMPORAL_TLS_CERT: CERT.replace(/\n/g, '\\n'), TEMPORAL_TLS_KEY: KEY });
    const pair = temporalConnectionOptions(c).tls!.clientCertPair!;
    expect(Buffer.from(pair.crt).toString()).toBe(CERT);
    expect(Buffer.from(pair.key).toString()).toBe(KEY);
  });

  it('a Temporal Cloud API key turns TLS on (system CAs) and is sent as apiKey; TEMPORAL_TLS=true alone is TLS', () => {
    expect(temporalConnectionOptions(loadConfig({ ...valid, TEMPORAL_API_KEY: API_KEY }))).toEqual({ address: '127.0.0.1:7233', tls: {}, apiKey: API_KEY });
    expect(temporalConnectionOptions(loadConfig({ ...valid, TEMPORAL_TLS: 'true' }))).toEqual({ address: '127.0.0.1:7233', tls: {} });
  });

  it('a certificate without its key (or the reverse) is a config error naming both', () => {
    for (const half of [{ TEMPORAL_TLS_CERT: CERT }, { TEMPORAL_TLS_KEY: KEY }] as Record<string, string>[]) {
      const message = configError(half);
      expect(message).toMatch(/TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: set both/);
      expect(message).not.toContain('DO-NOT-LOG');
    }
  });

  it('refuses what it cannot read, and TLS turned off beside settings that need it', () => {
    expect(configError({ TEMPORAL_TLS_CA: path.join(dir, 'missing.pem') })).toMatch(/TEMPORAL_TLS_CA: neither PEM text nor a readable file \(ENOENT\)/);
    expect(configError({ TEMPORAL_TLS_CA: file('empty.pem', 'not a certificate') })).toMatch(/TEMPORAL_TLS_CA: the file .* holds no PEM block/);
    expect(configError({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: API_KEY })).toMatch(/TEMPORAL_TLS: is false, but TEMPORAL_API_KEY need TLS/);
    expect(configError({ TEMPORAL_TLS: 'maybe' })).toMatch(/TEMPORAL_TLS/);
  });

  it('the same settings read from an environment alone (npm start probing a Temporal it did not start)', () => {
    expect(temporalConnectionOptions(temporalSettingsFromEnv({ TEMPORAL_ADDRESS: 'x:1', TEMPORAL_API_KEY: API_KEY }))).toEqual({ address: 'x:1', tls: {}, apiKey: API_KEY });
    expect(() => temporalSettingsFromEnv({ TEMPORAL_TLS_KEY: KEY })).toThrow(/TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: set both/);
  });

  it('start-up logs say what kind of connection, never the private key or the API key', () => {
    const c = loadConfig({ ...valid, TEMPORAL_TLS_CERT: CERT, TEMPORAL_TLS_KEY: KEY, TEMPORAL_TLS_CA: CA, TEMPORAL_API_KEY: API_KEY });
    const described = describeConfig(c);
    expect(described.temporalConnection).toBe('mTLS, own CA, API key');
    expect(described.temporalPayloads).toBe('encrypted');
    expect(JSON.stringify(described)).not.toMatch(/DO-NOT-LOG|BEGIN/);
    // Logged by mistake, the settings and the connection options are redacted.
    const lines: string[] = [];
    const log = pino({ redact: { paths: redactPaths, censor: '[redacted]' } }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
    log.info({ config: c, connection: temporalConnectionOptions(c) }, 'oops');
    log.info(c, 'oops at the top level');
    const [nested, top] = lines.map((l) => JSON.parse(l));
    expect(nested.config).toMatchObject({ TEMPORAL_TLS_KEY: '[redacted]', TEMPORAL_API_KEY: '[redacted]' });
    expect(nested.connection).toMatchObject({ apiKey: '[redacted]', tls: { clientCertPair: { key: '[redacted]' } } });
    expect(top).toMatchObject({ TEMPORAL_TLS_KEY: '[redacted]', TEMPORAL_API_KEY: '[redacted]' });
    expect(lines.join('')).not.toContain('DO-NOT-LOG');
  });
});
