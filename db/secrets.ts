import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Db } from './pool';

/**
 * Write-only secrets (SIP credential passwords): AES-256-GCM encrypted before they reach PostgreSQL,
 * referenced by id from workflow inputs, so no password is ever in a row, a history or a log in clear.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /**
   * SECRETS_KEY (32 bytes, base64) when set; otherwise a key derived from the Twilio auth token, which
   * the API and every worker already share. Rotating the token then only affects secrets in flight.
   */
  static fromConfig(c: { SECRETS_KEY?: string; TWILIO_AUTH_TOKEN: string }): SecretBox {
    if (c.SECRETS_KEY) return new SecretBox(Buffer.from(c.SECRETS_KEY, 'base64'));
    return new SecretBox(Buffer.from(hkdfSync('sha256', c.TWILIO_AUTH_TOKEN, 'twilio-pro', 'sip-secrets-v1', 32)));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || !body) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }
}

/** Stores one secret for a tenant; returns its reference. */
export async function storeSecret(db: Db | pg.PoolClient, box: SecretBox, tenantId: string, plain: string): Promise<string> {
  const id = randomUUID();
  await db.query('INSERT INTO sip_secrets (id, tenant_id, ciphertext) VALUES ($1, $2, $3)', [id, tenantId, box.seal(plain)]);
  return id;
}

/** The secret in clear, or null once it was wiped. */
export async function readSecret(db: Db, box: SecretBox, ref: string): Promise<string | null> {
  const { rows } = await db.query<{ ciphertext: string | null }>('SELECT ciphertext FROM sip_secrets WHERE id = $1', [ref]);
  return rows[0]?.ciphertext ? box.open(rows[0].ciphertext) : null;
}

export async function wipeSecrets(db: Db, refs: string[]): Promise<void> {
  if (!refs.length) return;
  await db.query('UPDATE sip_secrets SET ciphertext = NULL, wiped_at = COALESCE(wiped_at, now()) WHERE id = ANY($1::uuid[])', [refs]);
}
