import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Db } from '../kit/pool';
import { hkdf, KeyRing, V2_SALT, type KeyRingSource } from '../../config/key-ring';

/**
 * Every kind of secret the service seals. Each kind is sealed under its own key, derived from the ring's
 * key with HKDF (the kind is the info), so a value of one kind can't be opened as another.
 */
export const SECRET_KINDS = ['sip-password', 'webhook-secret', 'twilio-credential'] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

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
