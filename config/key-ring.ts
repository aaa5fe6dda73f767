import { hkdfSync } from 'node:crypto';

/**
 * The key ring sealed secrets and Temporal payloads are encrypted under: settings (SECRETS_KEY / SECRETS_KEYS)
 * read by config, db/platform/secrets.ts and the payload codec alike, so it sits with the settings.
 */

/** A master key of the ring: its id travels with every value sealed under it. */
export interface RingKey {
  id: string;
  key: Buffer;
}

/** A key id is written into sealed values (`v2.<id>.…`), so it may not hold a `.`, `:` or `,`. */
const KEY_ID = /^[A-Za-z0-9_-]{1,40}$/;
export const V2_SALT = 'twilio-pro-secrets-v2';

export const hkdf = (key: Buffer | string, salt: string, info: string, length: number) => Buffer.from(hkdfSync('sha256', key, salt, info, length));

/** The stable id of a key given without one: derived from the key, so every process finds the same id. */
export const derivedKeyId = (key: Buffer) => `k${hkdf(key, V2_SALT, 'key-id', 6).toString('hex')}`;

function decodeKey(base64: string, label: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) {
    throw new Error(`${label} must be 32 random bytes, base64-encoded (openssl rand -base64 32)`);
  }
  return key;
}

/**
 * Parses SECRETS_KEY / SECRETS_KEYS: one base64 key, or a comma-separated list of `id:base64key` (an entry
 * without `id:` gets the id derived from its key). The first key is the current one. Throws with the reason.
 */
export function parseKeyRing(spec: string): RingKey[] {
  const entries = spec.split(',').map((e) => e.trim()).filter(Boolean);
  if (!entries.length) throw new Error('lists no key');
  const keys = entries.map((entry, i) => {
    const colon = entry.indexOf(':');
    const label = `key ${i + 1}`;
    if (colon < 0) {
      const key = decodeKey(entry, label);
      return { id: derivedKeyId(key), key };
    }
    const id = entry.slice(0, colon);
    if (!KEY_ID.test(id)) throw new Error(`${label}: the id "${id}" must be 1–40 letters, digits, "_" or "-"`);
    return { id, key: decodeKey(entry.slice(colon + 1), `${label} (${id})`) };
  });
  const ids = keys.map((k) => k.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated) throw new Error(`the key id "${repeated}" is listed twice`);
  return keys;
}

/** The reason a key spec is refused, or null: for config validation. */
export function keyRingProblem(spec: string): string | null {
  try {
    parseKeyRing(spec);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** What the key ring is built from: the process config, or a CLI's environment. */
export interface KeyRingSource {
  SECRETS_KEY?: string;
  SECRETS_KEYS?: string;
  TWILIO_AUTH_TOKEN?: string;
}

/**
 * The keys a process seals and opens with: the configured ones (the first seals), and the keys of the
 * `v1` format (one key for every kind, no key id) that values sealed before the ring still need.
 */
export class KeyRing {
  constructor(
    readonly keys: RingKey[],
    /** v1 keys: each configured key used as it was (a plain SECRETS_KEY), and the auth token's derivation. */
    readonly legacy: Buffer[],
  ) {
    if (!keys.length) throw new Error('a key ring needs at least one key');
  }

  get current(): RingKey {
    return this.keys[0]!;
  }

  /**
   * SECRETS_KEYS or SECRETS_KEY when set. Without either (development and tests only: production refuses
   * to start, see config/env.ts) one key derived from the Twilio auth token, which the API and every
   * worker already share.
   */
  static fromConfig(c: KeyRingSource): KeyRing {
    const spec = c.SECRETS_KEYS ?? c.SECRETS_KEY;
    const legacyOfToken = c.TWILIO_AUTH_TOKEN ? [hkdf(c.TWILIO_AUTH_TOKEN, 'twilio-pro', 'sip-secrets-v1', 32)] : [];
    if (spec) {
      const keys = parseKeyRing(spec);
      return new KeyRing(keys, [...keys.map((k) => k.key), ...legacyOfToken]);
    }
    if (!c.TWILIO_AUTH_TOKEN) throw new Error('SECRETS_KEY (or SECRETS_KEYS) is not set, and there is no TWILIO_AUTH_TOKEN to derive a key from');
    const key = hkdf(c.TWILIO_AUTH_TOKEN, 'twilio-pro', 'secrets-master-v2', 32);
    return new KeyRing([{ id: derivedKeyId(key), key }], legacyOfToken);
  }
}
