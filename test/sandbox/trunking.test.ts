import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { account, startSandbox } from './sandbox-fixture';

type Fixture = Awaited<ReturnType<typeof startSandbox>>;
let fx: Fixture;
beforeAll(async () => {
  fx = await startSandbox(37);
});
afterEach(async () => {
  await fx.control('POST', 'reset');
});
afterAll(async () => fx.close());

const day = 86_400_000;
const trunks = () => fx.sdk().trunking.v1.trunks;
const trunk = (sid: string) => fx.sdk().trunking.v1.trunks(sid);
const sip = () => fx.sdk().api.v2010.accounts(account.sid).sip;
const numbers = () => fx.sdk().api.v2010.accounts(account.sid).incomingPhoneNumbers;
const origination = (n: number) => ({ sipUrl: `sip:pbx${n}.example.com`, friendlyName: `pbx ${n}`, weight: 10, priority: 10, enabled: true });
const STRONG = 'IWasAtSignal2018';

describe('Elastic SIP trunks', () => {
  it('creates with Twilio’s defaults, fetches, updates, lists and deletes', async () => {
    const created = await trunks().create({ friendlyName: 'Acme', domainName: 'Acme-Main.pstn.twilio.com' });
    expect(created.sid).toMatch(/^TK[0-9a-f]{32}$/);
    expect(created).toMatchObject({
      friendlyName: 'Acme', domainName: 'acme-main.pstn.twilio.com', secure: false, cnamLookupEnabled: false, symmetricRtpEnabled: false,
      transferMode: 'disable-all', transferCallerId: 'from-transferee', authType: '', authTypeSet: [],
      recording: { mode: 'do-not-record', trim: 'do-not-trim' },
    });
    expect(created.links.origination_urls).toBe(`${fx.url}/v1/Trunks/${created.sid}/OriginationUrls`);

    const updated = await trunk(created.sid).update({ secure: true, transferMode: 'sip-only', disasterRecoveryUrl: 'https://example.com/dr', disasterRecoveryMethod: 'GET' });
    expect(updated).toMatchObject({ secure: true, transferMode: 'sip-only', disasterRecoveryUrl: 'https://example.com/dr', disasterRecoveryMethod: 'GET', friendlyName: 'Acme' });
    expect((await trunk(created.sid).fetch()).secure).toBe(true);

    const recording = await trunk(created.sid).recordings().update({ mode: 'record-from-answer', trim: 'trim-silence' });
    expect(recording).toMatchObject({ mode: 'record-from-answer', trim: 'trim-silence' });
    expect((await trunk(created.sid).fetch()).recording).toEqual({ mode: 'record-from-answer', trim: 'trim-silence' });

    await trunks().create({ friendlyName: 'Second' });
    expect((await trunks().list({ pageSize: 1 })).map((t) => t.friendlyName)).toEqual(['Acme', 'Second']);
    expect(await trunk(created.sid).remove()).toBe(true);
    await expect(trunk(created.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
  });

  it('refuses a domain that is not *.pstn.twilio.com (21245) and invalid settings', async () => {
    await expect(trunks().create({ domainName: 'acme.sip.twilio.com' })).rejects.toMatchObject({ status: 400, code: 21245 });
    await expect(trunks().create({ domainName: 'ac_me.pstn.twilio.com' })).rejects.toMatchObject({ status: 400, code: 21245 });
    await expect(trunks().create({ transferMode: 'sometimes' as never })).rejects.toMatchObject({ status: 400, code: 20001 });
    const t = await trunks().create({ friendlyName: 'keep' });
    await expect(trunk(t.sid).update({ friendlyName: 'changed', domainName: 'bad' })).rejects.toMatchObject({ code: 21245 });
    expect((await trunk(t.sid).fetch()).friendlyName).toBe('keep');
  });

  it('auth_type follows the associated credential lists and IP ACLs', async () => {
    const t = await trunks().create({ domainName: 'auth.pstn.twilio.com' });
    const cl = await sip().credentialLists.create({ friendlyName: 'agents' });
    const acl = await sip().ipAccessControlLists.create({ friendlyName: 'office' });
    await trunk(t.sid).credentialsLists.create({ credentialListSid: cl.sid });
    expect((await trunk(t.sid).fetch()).authType).toBe('CREDENTIAL_LIST');
    const assoc = await trunk(t.sid).ipAccessControlLists.create({ ipAccessControlListSid: acl.sid });
    expect(assoc).toMatchObject({ sid: acl.sid, trunkSid: t.sid, friendlyName: 'office' });
    const both = await trunk(t.sid).fetch();
    expect(both.authType).toBe('IP_ACL,CREDENTIAL_LIST');
    expect(both.authTypeSet).toEqual(['IP_ACL', 'CREDENTIAL_LIST']);
    expect((await trunk(t.sid).credentialsLists.list()).map((a) => a.sid)).toEqual([cl.sid]);
    await trunk(t.sid).credentialsLists(cl.sid).remove();
    expect((await trunk(t.sid).fetch()).authTypeSet).toEqual(['IP_ACL']);
    await expect(trunk(t.sid).credentialsLists(cl.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
  });

  it('21245 for an association that exists already; 20404 for an unknown list', async () => {
    const t = await trunks().create({});
    const cl = await sip().credentialLists.create({ friendlyName: 'agents' });
    await trunk(t.sid).credentialsLists.create({ credentialListSid: cl.sid });
    await expect(trunk(t.sid).credentialsLists.create({ credentialListSid: cl.sid })).rejects.toMatchObject({ status: 400, code: 21245 });
    await expect(trunk(t.sid).ipAccessControlLists.create({ ipAccessControlListSid: `AL${'0'.repeat(32)}` })).rejects.toMatchObject({ code: 20404 });
  });

  it('21248 for a taken domain, and for 30 virtual days after its trunk is deleted', async () => {
    const first = await trunks().create({ domainName: 'taken.pstn.twilio.com' });
    await expect(trunks().create({ domainName: 'TAKEN.pstn.twilio.com' })).rejects.toMatchObject({ status: 400, code: 21248, message: 'Trunk Domain already taken' });
    // Another account of the sandbox can't have it either.
    const other = (await fx.control('POST', 'accounts', {})).body as { sid: string; authToken: string };
    const otherClient = twilio(other.sid, other.authToken);
    otherClient.trunking.baseUrl = fx.url;
    await expect(otherClient.trunking.v1.trunks.create({ domainName: 'taken.pstn.twilio.com' })).rejects.toMatchObject({ code: 21248 });
    // Re-saving its own domain is not a conflict.
    await trunk(first.sid).update({ domainName: 'taken.pstn.twilio.com', friendlyName: 'same' });

    await trunk(first.sid).remove();
    await expect(trunks().create({ domainName: 'taken.pstn.twilio.com' })).rejects.toMatchObject({ code: 21248 });
    await fx.control('POST', 'clock/advance', { ms: 29 * day });
    await expect(trunks().create({ domainName: 'taken.pstn.twilio.com' })).rejects.toMatchObject({ code: 21248 });
    await fx.control('POST', 'clock/advance', { ms: 2 * day });
    expect((await trunks().create({ domainName: 'taken.pstn.twilio.com' })).domainName).toBe('taken.pstn.twilio.com');
  });

  it('21244 for the 101st trunk of an account', async () => {
    for (let i = 0; i < 100; i++) expect((await fx.raw('POST', '/v1/Trunks', { FriendlyName: `t${i}` })).status).toBe(201);
    await expect(trunks().create({ friendlyName: 'one too many' })).rejects.toMatchObject({ status: 400, code: 21244 });
  });
});

describe('origination URLs', () => {
  it('validates sip: URLs, weight and priority; 21249 for the 11th URL', async () => {
    const t = await trunks().create({});
    const o = await trunk(t.sid).originationUrls.create({ ...origination(0), weight: 1, priority: 0 });
    expect(o).toMatchObject({ sipUrl: 'sip:pbx0.example.com', weight: 1, priority: 0, enabled: true, trunkSid: t.sid });
    await expect(trunk(t.sid).originationUrls.create({ ...origination(1), sipUrl: 'sips:pbx.example.com' })).rejects.toMatchObject({ status: 400, code: 21245 });
    await expect(trunk(t.sid).originationUrls.create({ ...origination(1), sipUrl: 'https://pbx.example.com' })).rejects.toMatchObject({ code: 21245 });
    await expect(trunk(t.sid).originationUrls.create({ ...origination(1), weight: 0 })).rejects.toMatchObject({ status: 400, code: 20001 });
    await expect(trunk(t.sid).originationUrls.create({ ...origination(1), priority: 65536 })).rejects.toMatchObject({ code: 20001 });
    const missing = await fx.raw('POST', `/v1/Trunks/${t.sid}/OriginationUrls`, { SipUrl: 'sip:x.example.com' });
    expect(missing).toMatchObject({ status: 400, body: { code: 20001 } });

    const updated = await trunk(t.sid).originationUrls(o.sid).update({ enabled: false, weight: 65535 });
    expect(updated).toMatchObject({ enabled: false, weight: 65535, sipUrl: 'sip:pbx0.example.com' });
    for (let i = 1; i < 10; i++) await trunk(t.sid).originationUrls.create(origination(i));
    await expect(trunk(t.sid).originationUrls.create(origination(10))).rejects.toMatchObject({ status: 400, code: 21249 });
    expect(await trunk(t.sid).originationUrls.list()).toHaveLength(10);
    await trunk(t.sid).originationUrls(o.sid).remove();
    expect((await trunk(t.sid).originationUrls.create(origination(10))).friendlyName).toBe('pbx 10');
  });
});

describe('trunk phone numbers', () => {
  it('attaching sets trunk_sid and clears the voice application; detaching clears trunk_sid', async () => {
    const pn = await numbers().create({ areaCode: '415', voiceApplicationSid: `AP${'1'.repeat(32)}` });
    const t = await trunks().create({});
    const attached = await trunk(t.sid).phoneNumbers.create({ phoneNumberSid: pn.sid });
    expect(attached).toMatchObject({ sid: pn.sid, trunkSid: t.sid, phoneNumber: pn.phoneNumber, voiceApplicationSid: null });
    expect(await numbers()(pn.sid).fetch()).toMatchObject({ trunkSid: t.sid, voiceApplicationSid: null });
    expect((await trunk(t.sid).phoneNumbers.list()).map((n) => n.sid)).toEqual([pn.sid]);

    // A number on another trunk simply moves.
    const t2 = await trunks().create({});
    await trunk(t2.sid).phoneNumbers.create({ phoneNumberSid: pn.sid });
    expect(await trunk(t.sid).phoneNumbers.list()).toHaveLength(0);
    await expect(trunk(t.sid).phoneNumbers(pn.sid).fetch()).rejects.toMatchObject({ code: 20404 });

    await trunk(t2.sid).phoneNumbers(pn.sid).remove();
    expect((await numbers()(pn.sid).fetch()).trunkSid).toBeNull();
    await expect(trunk(t2.sid).phoneNumbers(pn.sid).remove()).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(trunk(t2.sid).phoneNumbers.create({ phoneNumberSid: `PN${'0'.repeat(32)}` })).rejects.toMatchObject({ code: 20404 });
  });

  it('the 2010 TrunkSid must name a trunk of the account; a voice application takes the number off its trunk', async () => {
    const pn = await numbers().create({ areaCode: '212' });
    await expect(numbers()(pn.sid).update({ trunkSid: `TK${'0'.repeat(32)}` })).rejects.toMatchObject({ status: 404, code: 20404 });
    const t = await trunks().create({});
    expect((await numbers()(pn.sid).update({ trunkSid: t.sid })).trunkSid).toBe(t.sid);
    expect((await trunk(t.sid).phoneNumbers(pn.sid).fetch()).sid).toBe(pn.sid);
    const moved = await numbers()(pn.sid).update({ voiceApplicationSid: `AP${'2'.repeat(32)}` });
    expect(moved).toMatchObject({ trunkSid: null, voiceApplicationSid: `AP${'2'.repeat(32)}` });
  });

  it('deleting a trunk leaves its numbers owned, off any trunk, and frees its lists', async () => {
    const pn = await numbers().create({ areaCode: '312' });
    const t = await trunks().create({ domainName: 'gone.pstn.twilio.com' });
    await trunk(t.sid).phoneNumbers.create({ phoneNumberSid: pn.sid });
    await trunk(t.sid).originationUrls.create(origination(1));
    const cl = await sip().credentialLists.create({ friendlyName: 'agents' });
    await trunk(t.sid).credentialsLists.create({ credentialListSid: cl.sid });
    await trunk(t.sid).remove();
    expect((await numbers()(pn.sid).fetch()).trunkSid).toBeNull();
    expect(fx.sandbox.sip.originationUrls.size).toBe(0);
    expect(await sip().credentialLists(cl.sid).remove()).toBe(true);
  });
});

describe('2010 SIP credential lists and IP ACLs', () => {
  it('21240 for a duplicate credential list name; 21243 for weak passwords and duplicate usernames', async () => {
    const cl = await sip().credentialLists.create({ friendlyName: 'agents' });
    expect(cl.sid).toMatch(/^CL[0-9a-f]{32}$/);
    await expect(sip().credentialLists.create({ friendlyName: 'agents' })).rejects.toMatchObject({ status: 400, code: 21240 });
    await expect(sip().credentialLists.create({ friendlyName: 'x'.repeat(65) })).rejects.toMatchObject({ code: 21240 });
    const creds = sip().credentialLists(cl.sid).credentials;
    for (const weak of ['short1A', 'alllowercase123', 'ALLUPPERCASE123', 'NoDigitsAtAllHere']) {
      await expect(creds.create({ username: 'alice', password: weak })).rejects.toMatchObject({ status: 400, code: 21243 });
    }
    await creds.create({ username: 'alice', password: STRONG });
    await expect(creds.create({ username: 'alice', password: STRONG })).rejects.toMatchObject({ code: 21243 });
    await expect(creds.create({ username: 'u'.repeat(33), password: STRONG })).rejects.toMatchObject({ code: 21243 });
  });

  it('never returns a password', async () => {
    const cl = await sip().credentialLists.create({ friendlyName: 'agents' });
    const created = await fx.raw('POST', `${fx.base}/SIP/CredentialLists/${cl.sid}/Credentials.json`, { Username: 'bob', Password: STRONG });
    expect(created.status).toBe(201);
    const uri = `${fx.base}/SIP/CredentialLists/${cl.sid}/Credentials/${created.body.sid}.json`;
    const bodies = [
      created.body,
      (await fx.raw('GET', uri)).body,
      (await fx.raw('POST', uri, { Password: 'Changed2Password' })).body,
      (await fx.raw('GET', `${fx.base}/SIP/CredentialLists/${cl.sid}/Credentials.json`)).body,
    ];
    for (const b of bodies) {
      expect(JSON.stringify(b)).not.toMatch(/password|IWasAtSignal2018|Changed2Password/i);
    }
    expect(fx.sandbox.sip.credentials.get(created.body.sid)?.password).toBe('Changed2Password');
  });

  it('validates IP addresses and prefixes (21235); duplicate ACL names are 21235', async () => {
    const acl = await sip().ipAccessControlLists.create({ friendlyName: 'office' });
    await expect(sip().ipAccessControlLists.create({ friendlyName: 'office' })).rejects.toMatchObject({ status: 400, code: 21235 });
    const ips = sip().ipAccessControlLists(acl.sid).ipAddresses;
    const ip = await ips.create({ friendlyName: 'hq', ipAddress: '203.0.113.4' });
    expect(ip).toMatchObject({ ipAddress: '203.0.113.4', cidrPrefixLength: 32, ipAccessControlListSid: acl.sid });
    await expect(ips.create({ friendlyName: 'v6', ipAddress: '2001:db8::1' })).rejects.toMatchObject({ code: 21235 });
    await expect(ips.create({ friendlyName: 'bad', ipAddress: '256.1.1.1' })).rejects.toMatchObject({ code: 21235 });
    await expect(ips.create({ friendlyName: 'wide', ipAddress: '10.0.0.0', cidrPrefixLength: 7 })).rejects.toMatchObject({ code: 21235 });
    expect((await ips(ip.sid).update({ cidrPrefixLength: 24 })).cidrPrefixLength).toBe(24);
    expect(await ips.list()).toHaveLength(1);
  });

  it('21241 / 21236 when deleting a list a trunk uses; fine once dissociated', async () => {
    const t = await trunks().create({});
    const cl = await sip().credentialLists.create({ friendlyName: 'agents' });
    const acl = await sip().ipAccessControlLists.create({ friendlyName: 'office' });
    await trunk(t.sid).credentialsLists.create({ credentialListSid: cl.sid });
    await trunk(t.sid).ipAccessControlLists.create({ ipAccessControlListSid: acl.sid });
    await expect(sip().credentialLists(cl.sid).remove()).rejects.toMatchObject({ status: 400, code: 21241 });
    await expect(sip().ipAccessControlLists(acl.sid).remove()).rejects.toMatchObject({ status: 400, code: 21236 });
    await trunk(t.sid).credentialsLists(cl.sid).remove();
    await trunk(t.sid).ipAccessControlLists(acl.sid).remove();
    expect(await sip().credentialLists(cl.sid).remove()).toBe(true);
    expect(await sip().ipAccessControlLists(acl.sid).remove()).toBe(true);
  });
});

describe('definitive failures and faults on SIP routes', () => {
  it('fails exactly `times` matching requests, unprocessed; others pass', async () => {
    const t = await trunks().create({});
    const rule = await fx.control('POST', 'failures', { method: 'post', path: '/v1/Trunks/*/OriginationUrls', status: 400, code: 21245, message: 'nope', times: 2 });
    expect(rule.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      await expect(trunk(t.sid).originationUrls.create(origination(i))).rejects.toMatchObject({ status: 400, code: 21245, message: 'nope' });
      // Non-matching requests pass in between: another method, and a path `*` does not reach.
      expect(await trunk(t.sid).originationUrls.list()).toHaveLength(0);
      expect((await fx.raw('POST', '/v1/Trunks', {})).status).toBe(201);
    }
    expect(fx.sandbox.sip.originationUrls.size).toBe(0);
    expect((await fx.control('GET', 'failures')).body.failures).toEqual([]);
    expect((await trunk(t.sid).originationUrls.create(origination(9))).sipUrl).toBe('sip:pbx9.example.com');
    expect((await fx.control('GET', 'stats')).body.accounts[account.sid].injectedFailures).toBe(2);
  });

  it('`**` spans segments; GET lists pending rules; DELETE and reset clear them', async () => {
    await fx.control('POST', 'failures', { method: 'GET', path: '/2010-04-01/**', status: 503, code: 20503, times: 3 });
    await expect(sip().credentialLists.list()).rejects.toMatchObject({ status: 503, code: 20503, message: 'Injected failure' });
    expect((await fx.control('GET', 'failures')).body.failures).toEqual([
      { method: 'GET', path: '/2010-04-01/**', status: 503, code: 20503, message: 'Injected failure', times: 3, remaining: 2 },
    ]);
    expect((await fx.control('DELETE', 'failures')).body.failures).toEqual([]);
    expect(await sip().credentialLists.list()).toEqual([]);

    await fx.control('POST', 'failures', { path: '/v1/**', status: 500, code: 20500 });
    await fx.control('POST', 'reset');
    expect((await fx.control('GET', 'failures')).body.failures).toEqual([]);
    expect(await trunks().list()).toEqual([]);
    for (const bad of [{ path: '/x', status: 399, code: 1 }, { path: '/x', status: 400, code: 1.5 }, { path: '/x', status: 400, code: 1, times: 0 }, { path: 'x', status: 400, code: 1 }]) {
      expect((await fx.control('POST', 'failures', bad)).status).toBe(400);
    }
  });

  it('injected 5xx applies to trunking routes, and the write is not processed', async () => {
    await fx.control('POST', 'faults', { errorRate5xx: 1 });
    const injected = async (call: Promise<unknown>) => {
      const err = (await call.then(() => null, (e: unknown) => e)) as { status: number; code: number } | null;
      expect([[500, 20500], [503, 20503]]).toContainEqual([err?.status, err?.code]);
    };
    await injected(trunks().create({ domainName: 'flaky.pstn.twilio.com' }));
    await injected(sip().credentialLists.create({ friendlyName: 'x' }));
    await fx.control('DELETE', 'faults');
    expect(fx.sandbox.sip.trunks.size).toBe(0);
    expect(fx.sandbox.sip.credentialLists.size).toBe(0);
    expect((await fx.control('GET', 'stats')).body.accounts[account.sid].injected5xx).toBe(2);
  });
});
