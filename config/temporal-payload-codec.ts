import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { KeyRing, type KeyRingSource } from './key-ring';

/**
 * Temporal stores every workflow and activity payload (inputs, results, signals, updates, queries, memos,
 * failure details) in its history, readable by whoever reads its database or its UI; A2P drafts carry EINs,
 * names, e-mails and phone numbers. This codec seals each payload with AES-256-GCM before it leaves the
 * process, under a key derived from the service's key ring (SECRETS_KEY / SECRETS_KEYS), so Temporal only
 * ever holds ciphertext. Search attributes and headers are never passed to codecs: nothing personal goes there.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The ring key a payload is sealed under: rotation adds a key, and payloads sealed under the old one still open. */
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** HKDF domain separation: a payload key is never the key of a stored secret (db/platform/secrets.ts derives those). */
const DERIVATION_SALT = 'twilio-pro-temporal-payload-v1';
const DERIVATION_KIND = 'temporal-payload';

const ProtoPayload = proto.temporal.api.common.v1.Payload;
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** A sealed payload that this process's key ring can't open: wrong or missing key, or tampered with. */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

export const isSealed = (p: Payload): boolean => text(p.metadata?.encoding) === ENCRYPTED_ENCODING;

export interface PayloadCodecSettings extends KeyRingSource {
  /** false: payloads are written in clear again, but sealed ones (in-flight workflows, histories) still open. */
  TEMPORAL_PAYLOAD_ENCRYPTION: boolean;
}

export class PayloadEncryptionCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;

  constructor(
    private readonly ring: KeyRing,
    /** Whether encode() seals; decode() always opens what is sealed and passes the rest through. */
    readonly seals = true,
  ) {
    this.keys = new Map(ring.keys.map((k) => [k.id, Buffer.from(hkdfSync('sha256', k.key, DERIVATION_SALT, DERIVATION_KIND, 32))]));
  }

  static fromConfig(c: PayloadCodecSettings): PayloadEncryptionCodec {
    return new PayloadEncryptionCodec(KeyRing.fromConfig(c), c.TEMPORAL_PAYLOAD_ENCRYPTION);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return this.seals ? payloads.map((p) => this.seal(p)) : payloads;
  }

  /** Payloads without this codec's encoding (written before it, or with encryption off) pass through unchanged. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (isSealed(p) ? this.open(p) : p));
  }

  seal(payload: Payload): Payload {
    const keyId = this.ring.current.id;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(keyId)!, iv);
    // The key id is authenticated too: a payload can't be relabelled to another key.
    cipher.setAAD(additionalData(keyId));
    // The whole payload, metadata included: its encoding says what kind of value it is.
    const body = Buffer.concat([cipher.update(ProtoPayload.encode(payload).finish()), cipher.final()]);
    return {
      metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(keyId), [CIPHER_METADATA]: utf8(CIPHER) },
      data: Buffer.concat([iv, body, cipher.getAuthTag()]),
    };
  }

  open(payload: Payload): Payload {
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]) ?? '';
    const key = this.keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(`sealed under key "${keyId}", which is not in this process's key ring (${[...this.keys.keys()].join(', ')})`);
    }
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('too short to be a sealed payload');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(additionalData(keyId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return ProtoPayload.decode(plain);
    } catch {
      throw new PayloadDecryptionError(`key "${keyId}" does not open it (tampered with, or another key under the same id)`);
    }
  }
}

function additionalData(keyId: string): Buffer {
  return Buffer.from(`${DERIVATION_SALT}.${keyId}`);
}

/** The data converter every client and worker of the service uses: JSON payloads, sealed by the codec. */
export function temporalDataConverter(c: PayloadCodecSettings): DataConverter {
  return { payloadCodecs: [PayloadEncryptionCodec.fromConfig(c)] };
}
