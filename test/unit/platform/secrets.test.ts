import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env';
import { derivedKeyId, KeyRing, parseKeyRing } from '../../../config/key-ring';
import { SecretBox, UnopenableSecretError } from '../../../db/platform/secrets';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const ring = (spec: string, token?: string) => KeyRing.fromConfig({ SECRETS_KEYS: spec, TWILIO_AUTH_TOKEN: token });
const sip = (r: KeyRing) => SecretBox.of(r, 'sip-password');

/** A value as the code before the key ring sealed it: `v1.<iv>.<tag>.<body>`, AES-256-GCM under one key for every kind. */
function sealV1(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
}

/** What opening throws, so a test can say why it failed. */
function unopenable(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UnopenableSecretError);
    return (err as Error).message;
  }
  throw new Error('it opened');
}

describe('the secrets key ring', () => {
  it('seals under the current (first) key with its id, and opens under any listed key', () => {
    const underA = sip(ring(`a:${keyA}`)).seal('Agent-Secret-2024x');
    expect(underA).toMatch(/^v2\.a\.[^.]+\.[^.]+\.[^.]+$/);
    expect(underA).not.toContain('Agent-Secret');
    const rotated = sip(ring(`b:${keyB},a:${keyA}`));
    expect(rotated.open(underA)).toBe('Agent-Secret-2024x');
    expect(rotated.isCurrent(underA)).toBe(false);
    const underB = rotated.seal(rotated.open(underA));
    expect(underB).toMatch(/^v2\.b\./);
    expect(rotated.isCurrent(underB)).toBe(true);
    expect(sip(ring(`b:${keyB}`)).open(underB)).toBe('Agent-Secret-2024x');
    // Once a key is dropped, what is still sealed under it says so (rotate first, then drop).
    expect(unopenable(() => sip(ring(`b:${keyB}`)).open(underA))).toMatch(/sealed under key "a", which is not in this process's key ring \(b\)/);
  });

  it('one kind of secret cannot be opened as another, nor relabelled with another key id', () => {
    const r = ring(`b:${keyB},a:${keyA}`);
    const webhookSecret = SecretBox.of(r, 'webhook-secret').seal('whsec_abc');
    expect(SecretBox.of(r, 'webhook-secret').open(webhookSecret)).toBe('whsec_abc');
    expect(unopenable(() => sip(r).open(webhookSecret))).toMatch(/key "b" does not open it/);
    // The same key under another id: the header is authenticated, so the swap is refused.
    const relabelled = webhookSecret.replace(/^v2\.b\./, 'v2.c.');
    expect(unopenable(() => SecretBox.of(ring(`c:${keyB}`), 'webhook-secret').open(relabelled))).toMatch(/key "c" does not open it/);
  });

  it('v1 values still open: under a plain SECRETS_KEY as it was, and under the auth token derivation', () => {
    const rawA = Buffer.from(keyA, 'base64');
    const tokenKey = Buffer.from(hkdfSync('sha256', 'token-123456', 'twilio-pro', 'sip-secrets-v1', 32));
    const current = sip(ring(`b:${keyB},${keyA}`, 'token-123456'));
    expect(current.open(sealV1(rawA, 'under-a'))).toBe('under-a');
    expect(current.open(sealV1(tokenKey, 'under-token'))).toBe('under-token');
    expect(SecretBox.of(ring(keyA), 'webhook-secret').open(sealV1(rawA, 'whsec_old'))).toBe('whsec_old');
    expect(current.isCurrent(sealV1(rawA, 'x'))).toBe(false);
    expect(unopenable(() => sip(ring(`b:${keyB}`)).open(sealV1(rawA, 'under-a')))).toMatch(/v1 value that no key of this ring opens/);
    expect(unopenable(() => current.open('plain text'))).toMatch(/not a sealed secret/);
  });

  it('a plain SECRETS_KEY is a ring of one key whose id is derived from it, the same in every process', () => {
    const plain = KeyRing.fromConfig({ SECRETS_KEY: keyA });
    expect(plain.keys).toHaveLength(1);
    expect(plain.current.id).toBe(derivedKeyId(Buffer.from(keyA, 'base64')));
    expect(plain.current.id).toMatch(/^k[0-9a-f]{12}$/);
    expect(KeyRing.fromConfig({ SECRETS_KEY: keyA }).current.id).toBe(plain.current.id);
    expect(KeyRing.fromConfig({ SECRETS_KEY: keyB }).current.id).not.toBe(plain.current.id);
    // Listed without an id, it keeps that id: a ring can grow around an existing key.
    expect(ring(`b:${keyB}, ${keyA}`).keys.map((k) => k.id)).toEqual(['b', plain.current.id]);
    expect(sip(ring(`b:${keyB},${keyA}`)).open(sip(plain).seal('kept'))).toBe('kept');
    // Without any key (development), one derived from the auth token, stable too.
    const dev = KeyRing.fromConfig({ TWILIO_AUTH_TOKEN: 'token-123456' });
    expect(sip(KeyRing.fromConfig({ TWILIO_AUTH_TOKEN: 'token-123456' })).open(sip(dev).seal('dev'))).toBe('dev');
    expect(() => sip(KeyRing.fromConfig({ TWILIO_AUTH_TOKEN: 'another-token' })).open(sip(dev).seal('dev'))).toThrow(UnopenableSecretError);
  });

  it('refuses a malformed ring with the reason', () => {
    expect(() => parseKeyRing('c2hvcnQ=')).toThrow(/key 1 must be 32 random bytes/);
    expect(() => parseKeyRing(`a.b:${keyA}`)).toThrow(/the id "a.b" must be/);
    expect(() => parseKeyRing(`a:${keyA},a:${keyB}`)).toThrow(/"a" is listed twice/);
    expect(() => parseKeyRing(`a:${keyA},b:nope`)).toThrow(/key 2 \(b\) must be 32 random bytes/);
    expect(() => parseKeyRing(' , ')).toThrow(/lists no key/);
  });
});

describe('SECRETS_KEY in the configuration', () => {
  const base = { DATABASE_URL: 'postgres://localhost/db', TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'b'.repeat(32) };
  const message = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    return 'started';
  };

  it('is required in production, and only there', () => {
    expect(message({ ...base, NODE_ENV: 'production' })).toMatch(/SECRETS_KEY: required when NODE_ENV=production/);
    expect(message({ ...base, NODE_ENV: 'production', SECRETS_KEY: '' })).toMatch(/SECRETS_KEY: required/);
    expect(message({ ...base, NODE_ENV: 'production', SECRETS_KEY: keyA })).toBe('started');
    expect(message({ ...base, NODE_ENV: 'production', SECRETS_KEYS: `b:${keyB},a:${keyA}` })).toBe('started');
    expect(message(base)).toBe('started');
    expect(message({ ...base, NODE_ENV: 'test' })).toBe('started');
  });

  it('names a malformed key or ring, and refuses both variables at once', () => {
    expect(message({ ...base, SECRETS_KEY: 'too-short' })).toMatch(/SECRETS_KEY: key 1 must be 32 random bytes/);
    expect(message({ ...base, SECRETS_KEYS: `a:${keyA},a:${keyB}` })).toMatch(/SECRETS_KEYS: the key id "a" is listed twice/);
    expect(message({ ...base, SECRETS_KEY: keyA, SECRETS_KEYS: `b:${keyB}` })).toMatch(/set SECRETS_KEY or SECRETS_KEYS, not both/);
    expect(message({ ...base, NODE_ENV: 'production', SECRETS_KEY: `b:${keyB},a:${keyA}` })).toBe('started');
  });
});
