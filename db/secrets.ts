import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Db } from './pool';

/**
 * Every kind of secret the service seals. Each kind is sealed under its own key, derived from the ring's
 * key with HKDF (the kind is the info), so a value of one kind can't be opened as another.
 */
export const SECRET_KINDS = ['sip-password', 'webhook-secret'] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

/** A master key of the ring: its id travels with every value sealed under it. */
export interface RingKey {
  id: string;
  key: Buffer;
}

/** A key id is written into sealed values (`v2.<id>.…`), so it may not hold a `.`, `:` or `,`. */
const KEY_ID = /^[A-Za-z0-9_-]{1,40}$/;
const V2_SALT = 'twilio-pro-secrets-v2';

const hkdf = (key: Buffer | string, salt: string, info: string, length: number) => Buffer.from(hkdfSync('sha256', key, salt, info, length));

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

/** A sealed value no key of this process's ring opens: never worth retrying until the keys change. */
export class UnopenableSecretError extends Error {
  override name = 'UnopenableSecretError';
}

/**
 * Write-only secrets of one kind (SIP credential passwords, webhook signing secrets): AES-256-GCM encrypted
 * before they reach PostgreSQL, as `v2.<keyId>.<iv>.<tag>.<body>`. Sealed under the ring's current key;
 * opened under whichever listed key the value names, so keys can be rotated (`npm run secrets -- rotate`).
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;

  private constructor(readonly ring: KeyRing, readonly kind: SecretKind) {
    this.keys = new Map(ring.keys.map((k) => [k.id, hkdf(k.key, V2_SALT, kind, 32)]));
  }

  static of(ring: KeyRing, kind: SecretKind): SecretBox {
    return new SecretBox(ring, kind);
  }

  static fromConfig(c: KeyRingSource, kind: SecretKind): SecretBox {
    return new SecretBox(KeyRing.fromConfig(c), kind);
  }

  seal(plain: string): string {
    const { id } = this.ring.current;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(id)!, iv);
    // The header is authenticated too: a value can't be relabelled with another key id.
    cipher.setAAD(Buffer.from(`v2.${id}`));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v2', id, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
  }

  /** The secret in clear; UnopenableSecretError saying why when no key of the ring opens it. */
  open(sealed: string): string {
    const parts = sealed.split('.');
    if (parts[0] === 'v2' && parts.length === 5) return this.openV2(parts[1]!, parts[2]!, parts[3]!, parts[4]!);
    if (parts[0] === 'v1' && parts.length === 4) return this.openV1(parts[1]!, parts[2]!, parts[3]!);
    throw new UnopenableSecretError('not a sealed secret');
  }

  /** True when the value is sealed under the current key (rotation leaves it as it is). */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(`v2.${this.ring.current.id}.`);
  }

  private openV2(id: string, iv: string, tag: string, body: string): string {
    const key = this.keys.get(id);
    if (!key) {
      throw new UnopenableSecretError(`sealed under key "${id}", which is not in this process's key ring (${[...this.keys.keys()].join(', ')})`);
    }
    const plain = decrypt(key, iv, tag, body, `v2.${id}`);
    if (plain === null) throw new UnopenableSecretError(`key "${id}" does not open it (another key under the same id, another kind of secret, or damaged)`);
    return plain;
  }

  private openV1(iv: string, tag: string, body: string): string {
    for (const key of this.ring.legacy) {
      const plain = decrypt(key, iv, tag, body, null);
      if (plain !== null) return plain;
    }
    throw new UnopenableSecretError('a v1 value that no key of this ring opens (the key it was sealed under is no longer configured)');
  }
}

/** AES-256-GCM; null when the tag does not verify (wrong key, wrong header, or tampered). */
function decrypt(key: Buffer, iv: string, tag: string, body: string, aad: string | null): string | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    if (aad !== null) decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/** Stores one secret for a tenant; returns its reference. */
export async function storeSecret(db: Db | pg.PoolClient, box: SecretBox, tenantId: string, plain: string): Promise<string> {
  const id = randomUUID();
  await db.query('INSERT INTO sip_secrets (id, tenant_id, ciphertext) VALUES ($1, $2, $3)', [id, tenantId, box.seal(plain)]);
  return id;
}

/** The secret in clear, or null once it was wiped; UnopenableSecretError when this ring can't open it. */
export async function readSecret(db: Db, box: SecretBox, ref: string): Promise<string | null> {
  const { rows } = await db.query<{ ciphertext: string | null }>('SELECT ciphertext FROM sip_secrets WHERE id = $1', [ref]);
  return rows[0]?.ciphertext ? box.open(rows[0].ciphertext) : null;
}

export async function wipeSecrets(db: Db, refs: string[]): Promise<void> {
  if (!refs.length) return;
  await db.query('UPDATE sip_secrets SET ciphertext = NULL, wiped_at = COALESCE(wiped_at, now()) WHERE id = ANY($1::uuid[])', [refs]);
}
