import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveDomainName } from '../../../api/sip/requests';
import { isTlsUri, secureTrunkWarnings, trunkHealth } from '../../../compliance/sip/health';
import { SecretBox } from '../../../db/platform/secrets';
import { CreateTrunkRequest, DomainName, PatchTrunkRequest, SipUrl } from '../../../schemas/sip/trunks';
import type { TrunkSnapshot } from '../../../schemas/sip/workflow';

const snapshot = (over: Partial<TrunkSnapshot> = {}): TrunkSnapshot => ({
  trunkSid: `TK${'a'.repeat(32)}`,
  settings: {
    friendlyName: 't', domainName: 't.pstn.twilio.com', secure: true, cnamLookupEnabled: false,
    transferMode: 'disable-all', transferCallerId: 'from-transferee', disasterRecoveryUrl: 'https://example.com/dr', disasterRecoveryMethod: 'POST',
  },
  authType: ['CREDENTIAL_LIST'],
  recording: { mode: 'do-not-record', trim: 'do-not-trim' },
  originationUris: [
    { sid: 'OU1', sipUrl: 'sip:a.example.com;transport=tls', priority: 10, weight: 10, enabled: true, friendlyName: 'a' },
    { sid: 'OU2', sipUrl: 'sip:b.example.com;transport=tls', priority: 20, weight: 10, enabled: true, friendlyName: 'b' },
  ],
  credentialLists: [],
  ipAccessControlLists: [],
  phoneNumbers: [],
  drift: [],
  ...over,
});

describe('trunk health findings', () => {
  it('a complete trunk has none', () => {
    expect(trunkHealth(snapshot())).toEqual([]);
  });

  it('names each half-built state with a severity and a fix', () => {
    const codes = (s: TrunkSnapshot) => trunkHealth(s).map((f) => `${f.code}:${f.severity}`);
    expect(codes(snapshot({ authType: [] }))).toEqual(['no_termination_auth:error']);
    expect(codes(snapshot({ originationUris: [] }))).toEqual(['no_enabled_origination_uri:error']);
    const disabled = snapshot().originationUris.map((u) => ({ ...u, enabled: false }));
    expect(codes(snapshot({ originationUris: disabled }))).toEqual(['no_enabled_origination_uri:error']);
    expect(codes(snapshot({ originationUris: [snapshot().originationUris[0]!] }))).toEqual(['single_origination_uri:warning']);
    expect(codes(snapshot({ settings: { ...snapshot().settings, disasterRecoveryUrl: null } }))).toEqual(['no_disaster_recovery_url:info']);
    const plain = snapshot().originationUris.map((u) => ({ ...u, sipUrl: u.sipUrl.replace(';transport=tls', '') }));
    expect(codes(snapshot({ originationUris: plain }))).toEqual(['insecure_origination_uri:error']);
    expect(codes(snapshot({ originationUris: plain, settings: { ...snapshot().settings, secure: false } }))).toEqual([]);
    expect(codes(snapshot({ drift: [{ phoneNumber: '+14155550100', twilioSid: 'PN1', trunkSidAtTwilio: null }] }))).toEqual(['number_trunk_drift:error']);
    for (const f of trunkHealth(snapshot({ authType: [], originationUris: [], drift: [{ phoneNumber: '+1', twilioSid: 'PN', trunkSidAtTwilio: 'TKx' }] }))) {
      expect(f.message.length).toBeGreaterThan(20);
      expect(f.fix.length).toBeGreaterThan(10);
    }
  });

  it('TLS is read from the transport parameter', () => {
    expect(isTlsUri('sip:a.example.com;transport=tls')).toBe(true);
    expect(isTlsUri('sip:a.example.com:5061;transport=TLS;lr')).toBe(true);
    expect(isTlsUri('sip:a.example.com;transport=tcp')).toBe(false);
    expect(isTlsUri('sip:tls.example.com')).toBe(false);
    expect(secureTrunkWarnings(true, ['sip:a.example.com'])).toHaveLength(1);
    expect(secureTrunkWarnings(false, ['sip:a.example.com'])).toEqual([]);
  });
});

describe('write-only secrets', () => {
  const box = SecretBox.fromConfig({ TWILIO_AUTH_TOKEN: 'token-123456' }, 'sip-password');

  it('seals with a fresh nonce each time and opens only with the same key', () => {
    const a = box.seal('Agent-Secret-2024x');
    const b = box.seal('Agent-Secret-2024x');
    expect(a).not.toEqual(b);
    expect(a).not.toContain('Agent-Secret');
    expect(box.open(a)).toBe('Agent-Secret-2024x');
    expect(() => SecretBox.fromConfig({ TWILIO_AUTH_TOKEN: 'another-token' }, 'sip-password').open(a)).toThrow();
    const explicit = SecretBox.fromConfig({ SECRETS_KEY: randomBytes(32).toString('base64'), TWILIO_AUTH_TOKEN: 'token-123456' }, 'sip-password');
    expect(() => explicit.open(a)).toThrow();
  });

  it('detects tampering', () => {
    const sealed = box.seal('Agent-Secret-2024x').split('.');
    const body = Buffer.from(sealed[4]!, 'base64');
    body[0] = body[0]! ^ 1;
    sealed[4] = body.toString('base64');
    expect(() => box.open(sealed.join('.'))).toThrow();
    expect(() => box.open('plain text')).toThrow(/not a sealed secret/);
  });
});

describe('trunk request schemas', () => {
  it('derived domain names are valid Twilio domains, readable and distinct per trunk', () => {
    const tenant = randomUUID();
    const a = deriveDomainName('Acme Voice AI — Production!', tenant, randomUUID());
    const b = deriveDomainName('Acme Voice AI — Production!', tenant, randomUUID());
    expect(a).toMatch(/^acme-voice-ai-production-[0-9a-f]{6}-[0-9a-f]{4}\.pstn\.twilio\.com$/);
    expect(a).not.toBe(b);
    expect(DomainName.safeParse(a).success).toBe(true);
    expect(DomainName.safeParse(deriveDomainName('!!!', tenant, randomUUID())).success).toBe(true);
    expect(DomainName.safeParse(deriveDomainName('x'.repeat(64), tenant, randomUUID())).success).toBe(true);
  });

  it('origination URIs: sip: with a host only', () => {
    for (const ok of ['sip:agents.example.com', 'sip:+14155550100@sip.vapi.ai', 'sip:10.0.0.5:5061;transport=tls', 'sip:lk.sip.livekit.cloud;transport=tcp']) {
      expect(SipUrl.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of ['sips:agents.example.com', 'http://agents.example.com', 'sip:', 'sip:@host', 'agents.example.com', 'sip:has space.com']) {
      expect(SipUrl.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('create applies secure-by-default and the documented defaults; PATCH keeps what it is not given', () => {
    const created = CreateTrunkRequest.parse({ friendlyName: 'x', originationUris: [{ sipUrl: 'sip:a.example.com' }] });
    expect(created).toMatchObject({
      secure: true, cnamLookupEnabled: false, transfer: { mode: 'disable-all', callerId: 'from-transferee' },
      recording: { mode: 'do-not-record', trim: 'do-not-trim' }, disasterRecovery: null, phoneNumbers: [], move: false,
      originationUris: [{ sipUrl: 'sip:a.example.com', priority: 10, weight: 10, enabled: true }],
    });
    const patch = PatchTrunkRequest.parse({ cnamLookupEnabled: true });
    expect(patch.originationUris).toBeUndefined();
    expect(patch.phoneNumbers).toBeUndefined();
    expect(patch.termination).toBeUndefined();
    expect(PatchTrunkRequest.safeParse({}).success).toBe(false);
    expect(PatchTrunkRequest.safeParse({ move: true }).success).toBe(false);
  });
});
