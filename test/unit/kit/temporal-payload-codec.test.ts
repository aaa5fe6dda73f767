import { createDecipheriv, randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config/env';
import { ENCRYPTED_ENCODING, isSealed, KEY_ID_METADATA, PayloadDecryptionError, PayloadEncryptionCodec, temporalDataConverter } from '../../../config/temporal-payload-codec';
import { KeyRing } from '../../../config/key-ring';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const codecOf = (spec: string, seals = true) => new PayloadEncryptionCodec(KeyRing.fromConfig({ SECRETS_KEYS: spec }), seals);
const draft = { business: { registrationNumber: '98-7654321' }, email: 'ada@acmedental.example' };
const payloadOf = (value: unknown) => defaultPayloadConverter.toPayload(value)!;
const valueOf = (p: Payload) => defaultPayloadConverter.fromPayload(p);
const meta = (p: Payload, key: string) => Buffer.from(p.metadata?.[key] ?? []).toString('utf8');
const bytesOf = (p: Payload) => Buffer.from(p.data ?? []);

async function refusal(codec: PayloadEncryptionCodec, p: Payload): Promise<string> {
  const err = await codec.decode([p]).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(PayloadDecryptionError);
  return (err as Error).message;
}

describe('the Temporal payload codec', () => {
  it('seals every payload (its metadata too) and opens it to the same value', async () => {
    const codec = codecOf(`a:${keyA}`);
    const values = [draft, 'ada@acmedental.example', 42, null, undefined, new Uint8Array([1, 2, 3])];
    const sealed = await codec.encode(values.map(payloadOf));
    for (const p of sealed) {
      expect(meta(p, 'encoding')).toBe(ENCRYPTED_ENCODING);
      expect(meta(p, KEY_ID_METADATA)).toBe('a');
      expect(Object.keys(p.metadata!).sort()).toEqual(['encoding', 'encryption-cipher', KEY_ID_METADATA].sort());
    }
    expect(bytesOf(sealed[0]!).toString('latin1')).not.toContain('98-7654321');
    expect(bytesOf(sealed[1]!).toString('latin1')).not.toContain('acmedental');
    // No JSON encoding left in clear: what kind of value it is is sealed too.
    expect(bytesOf(sealed[0]!).toString('latin1')).not.toContain('json/plain');
    const opened = await codec.decode(sealed);
    expect(opened.map(valueOf)).toEqual(values);
    // A fresh IV each time: the same value never seals to the same bytes.
    const [again] = await codec.encode([payloadOf(draft)]);
    expect(bytesOf(again!).equals(bytesOf(sealed[0]!))).toBe(false);
  });

  it('passes payloads written before it (no encryption metadata) through unchanged, beside sealed ones', async () => {
    const codec = codecOf(`a:${keyA}`);
    const legacy = payloadOf(draft);
    const [sealed] = await codec.encode([payloadOf('new')]);
    const [first, second] = await codec.decode([legacy, sealed!]);
    expect(first).toBe(legacy);
    expect(valueOf(first!)).toEqual(draft);
    expect(valueOf(second!)).toBe('new');
  });

  it('rotation: sealed under A opens under the ring [B, A], which seals under B; a ring without A refuses it, naming A', async () => {
    const [underA] = await codecOf(`a:${keyA}`).encode([payloadOf(draft)]);
    const rotated = codecOf(`b:${keyB},a:${keyA}`);
    expect(valueOf((await rotated.decode([underA!]))[0]!)).toEqual(draft);
    const [underB] = await rotated.encode([payloadOf(draft)]);
    expect(meta(underB!, KEY_ID_METADATA)).toBe('b');
    expect(valueOf((await codecOf(`b:${keyB}`).decode([underB!]))[0]!)).toEqual(draft);
    expect(await refusal(codecOf(`b:${keyB}`), underA!)).toMatch(/key "a", which is not in this process's key ring \(b\)/);
  });

  it('tampering fails: a changed byte, a cut-off tag, another key under the same id, a relabelled key id', async () => {
    const codec = codecOf(`a:${keyA}`);
    const [sealed] = await codec.encode([payloadOf(draft)]);
    const flipped = Buffer.from(bytesOf(sealed!));
    flipped[20]! ^= 0x01;
    expect(await refusal(codec, { ...sealed!, data: flipped })).toMatch(/does not open it/);
    expect(await refusal(codec, { ...sealed!, data: bytesOf(sealed!).subarray(0, 20) })).toMatch(/too short|does not open it/);
    expect(await refusal(codecOf(`a:${keyB}`), sealed!)).toMatch(/does not open it/);
    // The same key material under two ids: only the authenticated key id tells them apart.
    const twoIds = codecOf(`a:${keyA},c:${keyA}`);
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('c') } };
    expect(await refusal(twoIds, relabelled)).toMatch(/key "c" does not open it/);
  });

  it('a payload key is not a stored-secret key: the same ring derives another key for payloads (HKDF kind)', async () => {
    const [sealed] = await codecOf(`a:${keyA}`).encode([payloadOf('x')]);
    // Opened with the raw ring key instead of the derived one, the tag does not verify.
    const data = bytesOf(sealed!);
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(keyA, 'base64'), data.subarray(0, 12));
    decipher.setAuthTag(data.subarray(data.length - 16));
    decipher.update(data.subarray(12, data.length - 16));
    expect(() => decipher.final()).toThrow();
  });

  it('TEMPORAL_PAYLOAD_ENCRYPTION=false writes clear payloads again, and still opens sealed ones', async () => {
    const base = { DATABASE_URL: 'postgres://u@h/db', TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'b'.repeat(32), SECRETS_KEYS: `a:${keyA}` };
    const on = loadConfig(base);
    const off = loadConfig({ ...base, TEMPORAL_PAYLOAD_ENCRYPTION: 'false' });
    expect(on.TEMPORAL_PAYLOAD_ENCRYPTION).toBe(true);
    expect(off.TEMPORAL_PAYLOAD_ENCRYPTION).toBe(false);
    const [codecOn] = temporalDataConverter(on).payloadCodecs!;
    const [codecOff] = temporalDataConverter(off).payloadCodecs!;
    const [sealed] = await codecOn!.encode([payloadOf(draft)]);
    expect(isSealed(sealed!)).toBe(true);
    const [clear] = await codecOff!.encode([payloadOf(draft)]);
    expect(isSealed(clear!)).toBe(false);
    expect(valueOf((await codecOff!.decode([sealed!]))[0]!)).toEqual(draft);
  });
});
