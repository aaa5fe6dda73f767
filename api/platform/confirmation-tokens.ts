import { createHmac, timingSafeEqual } from 'node:crypto';
import { hkdf, type KeyRing, V2_SALT } from '../../config/key-ring';
import { HttpError } from '../kit/errors';

/** What a kind of confirmation token confirms: its version tag, its key's derivation, and how its errors name it. */
export interface ConfirmationTokenKind {
  version: string;
  derivation: string;
  /** "close" → "is not a close confirmation token". */
  noun: string;
  /** "this tenant's" → "is not this tenant's close confirmation token". */
  whose: string;
}

export const CLOSE_TOKENS: ConfirmationTokenKind = { version: 'tpc1', derivation: 'operator-close-token', noun: 'close', whose: "this tenant's" };
export const TRANSFER_TOKENS: ConfirmationTokenKind = { version: 'tpt1', derivation: 'operator-transfer-token', noun: 'transfer', whose: "these tenants' and numbers'" };

const TOKEN_TTL_MS = 15 * 60_000;
const tokenField = (message: string) => new HttpError(400, 'invalid_request', `confirmationToken: ${message}`, { fields: [{ field: 'confirmationToken', message }] });

/**
 * Confirmation tokens of an operator's dry run (a close, a transfer): `<version>.<key id>.<expiry ms>.<plan
 * digest>.<HMAC>`, the HMAC over the subject (the tenant, or the two tenants), the expiry and the digest, under a
 * key derived from the secrets key ring (its own derivation per kind: no sealed value's key, and no kind's token
 * passes for another's). Stateless — nothing to store or clean up, and any API process checks it — and a token
 * made under a key still in the ring stays valid through a rotation. The digest travels in the token so that a
 * token that is genuine but for another plan is told apart (409 plan_changed) from one that is not ours (400).
 */
export function confirmationTokenSigner(ring: KeyRing, kind: ConfirmationTokenKind) {
  const keys = new Map(ring.keys.map((k) => [k.id, hkdf(k.key, V2_SALT, kind.derivation, 32)]));
  const mac = (key: Buffer, subject: string, expires: string, digest: string) => createHmac('sha256', key).update(`${subject}.${expires}.${digest}`).digest();
  return {
    issue(subject: string, digest: string): string {
      const { id } = ring.current;
      const expires = String(Date.now() + TOKEN_TTL_MS);
      return [kind.version, id, expires, digest, mac(keys.get(id)!, subject, expires, digest).toString('base64url')].join('.');
    },
    /** The plan digest a valid token of this subject carries; 400 naming the field otherwise. */
    digestOf(subject: string, token: string): string {
      const [version, keyId, expires, digest, sent, ...rest] = token.split('.');
      const key = keys.get(keyId ?? '');
      if (version !== kind.version || rest.length || !key || !/^\d{13}$/.test(expires ?? '') || !digest || !sent) throw tokenField(`is not a ${kind.noun} confirmation token`);
      const expected = mac(key, subject, expires!, digest);
      const given = Buffer.from(sent, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw tokenField(`is not ${kind.whose} ${kind.noun} confirmation token`);
      if (Number(expires) < Date.now()) throw tokenField('has expired: ask for a new plan (a dry run)');
      return digest;
    },
  };
}
