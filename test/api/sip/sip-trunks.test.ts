import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectWorkflowId } from '../../../api/sip/requests';
import { sipInspectTrunk } from '../../../workflows/index';
import { buyThroughApi, createTestApi, newTenant, sandboxControl, stack, twilioSdk, waitFor } from '../../helpers/stack';
import { atTwilio, getTrunk, incomingNumber, listsFor, waitForTrunk, type TrunkJson } from '../../helpers/sip';
import { recordHistory } from '../../helpers/record-history';

let api: Awaited<ReturnType<typeof createTestApi>>;
let alice: Awaited<ReturnType<typeof newTenant>>;
let bob: Awaited<ReturnType<typeof newTenant>>;

beforeAll(async () => {
  api = await createTestApi();
  alice = await newTenant(api.db, 'sip-alice');
  bob = await newTenant(api.db, 'sip-bob');
});
afterAll(async () => api.close());

/** Saves the workflow history of a trunk's latest operation of this kind for the replay test. */
async function recordOperation(name: string, trunkId: string, kind: string) {
  const { rows } = await api.db.query('SELECT workflow_id FROM sip_operations WHERE trunk_id = $1 AND kind = $2 ORDER BY created_at DESC LIMIT 1', [trunkId, kind]);
  await recordHistory(name, api.temporal.workflow.getHandle(rows[0].workflow_id));
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const call = (method: Method, url: string, headers: Record<string, string>, payload?: object) => api.app.inject({ method, url, headers, payload });
const PASSWORD = 'Agent-Secret-2024x';

/** The SIP guide's example (docs/products/sip.md): a voice-AI platform's trunk. */
const voiceAiTrunk = (numbers: string[]) => ({
  friendlyName: 'Voice agents',
  originationUris: [
    { sipUrl: 'sip:agents-primary.example.com;transport=tls', priority: 10, weight: 10 },
    { sipUrl: 'sip:agents-backup.example.com;transport=tls', priority: 20, weight: 10 },
  ],
  termination: { credentialLists: [{ friendlyName: 'agents', credentials: [{ username: 'livekit', password: PASSWORD }] }] },
  disasterRecovery: { url: 'https://example.com/voice/fallback' },
  recording: { mode: 'record-from-answer' },
  phoneNumbers: numbers,
});

async function buyNumbers(tenant: typeof alice, areaCode: string, n: number) {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await buyThroughApi(api.app, tenant.headers, areaCode));
  return out;
}

describe('one-call trunk provisioning', () => {
  let trunk: TrunkJson;
  let numbers: string[];

  it('creates a whole voice-AI trunk from one desired-state body: two URIs, a credential list, three numbers', async () => {
    numbers = await buyNumbers(alice, '415', 3);
    // One number had a voice application: attaching removes it at Twilio; detaching must give it back.
    const first = (await twilioSdk().api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ phoneNumber: numbers[0] }))[0]!;
    await twilioSdk().api.v2010.accounts(stack.accountSid).incomingPhoneNumbers(first.sid).update({ voiceApplicationSid: `AP${'1'.repeat(32)}` });

    const created = await call('POST', '/v1/sip/trunks', { ...alice.headers, 'idempotency-key': 'voice-agents-1' }, voiceAiTrunk(numbers));
    expect(created.statusCode).toBe(202);
    expect(created.json()).toMatchObject({ status: 'provisioning', trunkSid: null, secure: true, operation: { kind: 'create' } });
    expect(created.json().domainName).toMatch(/^voice-agents-[0-9a-f]{6}-[0-9a-f]{4}\.pstn\.twilio\.com$/);
    expect(created.headers.location).toBe(`/v1/sip/trunks/${created.json().id}`);

    trunk = await waitForTrunk(api.app, alice.headers, created.json().id);
    expect(trunk.operation).toMatchObject({ status: 'succeeded', error: null, rollback: [] });
    expect(trunk).toMatchObject({ status: 'active', secure: true, warnings: [] });
    expect(trunk.trunkSid).toMatch(/^TK[0-9a-f]{32}$/);
    expect(trunk.operation!.steps.map((s) => s.name)).toEqual([
      `create trunk ${trunk.domainName}`,
      'set recording record-from-answer/do-not-trim',
      'add origination URI sip:agents-primary.example.com;transport=tls',
      'add origination URI sip:agents-backup.example.com;transport=tls',
      'create credential list agents',
      'set credentials of agents',
      'associate credential list agents',
      ...numbers.map((n) => `attach ${n}`),
    ]);
    expect(trunk.originationUris.map((u) => [u.sipUrl, u.priority, u.weight, u.enabled])).toEqual([
      ['sip:agents-primary.example.com;transport=tls', 10, 10, true],
      ['sip:agents-backup.example.com;transport=tls', 20, 10, true],
    ]);
    expect(trunk.termination).toMatchObject({ authType: ['CREDENTIAL_LIST'], credentialLists: [{ friendlyName: 'agents', usernames: ['livekit'] }] });
    expect(trunk.phoneNumbers.map((n) => n.phoneNumber).sort()).toEqual([...numbers].sort());
    expect(trunk.health).toEqual([]);

    // Counted at Twilio with the SDK: exactly what was asked for.
    const twilio = await atTwilio(trunk.domainName);
    expect(twilio.trunks).toHaveLength(1);
    expect(twilio.trunk).toMatchObject({ sid: trunk.trunkSid, secure: true, authTypeSet: ['CREDENTIAL_LIST'], disasterRecoveryUrl: 'https://example.com/voice/fallback' });
    expect(twilio.recording).toMatchObject({ mode: 'record-from-answer' });
    expect(twilio.uris).toHaveLength(2);
    expect(twilio.credentialLists).toHaveLength(1);
    expect(twilio.numbers.map((n) => n.phoneNumber).sort()).toEqual([...numbers].sort());
    const trunked = await incomingNumber(first.sid);
    expect(trunked.trunkSid).toBe(trunk.trunkSid);
    expect(trunked.voiceApplicationSid).toBeNull();
    await recordOperation('sip-create', trunk.id, 'create');
  });

  it('a retried create with the same Idempotency-Key returns the same trunk and creates nothing', async () => {
    const again = await call('POST', '/v1/sip/trunks', { ...alice.headers, 'idempotency-key': 'voice-agents-1' }, voiceAiTrunk(numbers));
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ id: trunk.id, trunkSid: trunk.trunkSid });
    expect((await atTwilio(trunk.domainName)).trunks).toHaveLength(1);
    const { rows } = await api.db.query('SELECT count(*)::int AS n FROM sip_trunks WHERE tenant_id = $1', [alice.tenantId]);
    expect(rows[0].n).toBe(1);
  });

  it('never keeps, returns or records a password in clear', async () => {
    const rows = await api.db.query(
      `SELECT (SELECT string_agg(spec::text || coalesce(snapshot::text, ''), '') FROM sip_trunks WHERE tenant_id = $1) AS trunks,
              (SELECT string_agg(input::text || progress::text, '') FROM sip_operations WHERE tenant_id = $1) AS ops,
              (SELECT count(*)::int FROM sip_secrets WHERE ciphertext IS NOT NULL AND tenant_id = $1) AS held`,
      [alice.tenantId],
    );
    expect(rows.rows[0].trunks).not.toContain(PASSWORD);
    expect(rows.rows[0].ops).not.toContain(PASSWORD);
    expect(rows.rows[0].held).toBe(0); // wiped once the operation ended
    expect(JSON.stringify(await getTrunk(api.app, alice.headers, trunk.id))).not.toContain(PASSWORD);
    const { rows: ops } = await api.db.query('SELECT workflow_id FROM sip_operations WHERE trunk_id = $1', [trunk.id]);
    const history = await api.temporal.workflow.getHandle(ops[0].workflow_id).fetchHistory();
    expect(JSON.stringify(history)).not.toContain(PASSWORD);
    expect(Buffer.from(JSON.stringify(history)).toString('base64')).not.toContain(Buffer.from(PASSWORD).toString('base64'));
  });

  it('lists and gets trunks by TK SID or id; another tenant sees and touches nothing', async () => {
    const list = await call('GET', '/v1/sip/trunks?limit=10', alice.headers);
    expect(list.statusCode).toBe(200);
    expect(list.json().data).toEqual([expect.objectContaining({ id: trunk.id, trunkSid: trunk.trunkSid })]);
    const bySid = await call('GET', `/v1/sip/trunks/${trunk.trunkSid}`, alice.headers);
    expect(bySid.statusCode).toBe(200);
    expect(bySid.json()).toMatchObject({ id: trunk.id, status: 'active' });
    expect(bySid.json().observedAt).not.toBeNull();

    expect((await call('GET', '/v1/sip/trunks', bob.headers)).json().data).toEqual([]);
    for (const [method, url, body] of [
      ['GET', `/v1/sip/trunks/${trunk.trunkSid}`],
      ['GET', `/v1/sip/trunks/${trunk.id}`],
      ['PATCH', `/v1/sip/trunks/${trunk.trunkSid}`, { friendlyName: 'mine now' }],
      ['DELETE', `/v1/sip/trunks/${trunk.trunkSid}`],
      ['POST', `/v1/sip/trunks/${trunk.trunkSid}/origination-uris`, { sipUrl: 'sip:evil.example.com' }],
      ['GET', `/v1/sip/trunks/${trunk.trunkSid}/phone-numbers`],
    ] as [Method, string, object?][]) {
      const res = await call(method, url, bob.headers, body);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    // Bob can't attach Alice's numbers to a trunk of his, nor use her credential list.
    const stolen = await call('POST', '/v1/sip/trunks', bob.headers, { friendlyName: 'bob', phoneNumbers: [numbers[0]] });
    expect(stolen.statusCode).toBe(400);
    expect(stolen.json().error.fields[0].field).toBe('phoneNumbers.0');
    const listSid = trunk.termination.credentialLists[0]!.sid;
    const borrowed = await call('POST', '/v1/sip/trunks', bob.headers, { friendlyName: 'bob', termination: { credentialLists: [{ sid: listSid }] } });
    expect(borrowed.statusCode).toBe(400);
    expect(borrowed.json().error.fields[0].field).toBe('termination.credentialLists.0.sid');
  });

  it('configure_trunk changes only what differs at Twilio', async () => {
    const before = (await twilioSdk().trunking.v1.trunks(trunk.trunkSid!).originationUrls.list()).map((u) => u.sid).sort();
    // Twilio answers the settings change with 503 until the rule is cleared: the change can't finish before the second PATCH.
    const blocking = { method: 'POST', path: `/v1/Trunks/${trunk.trunkSid}`, status: 503, code: 20503, message: 'Service Unavailable', times: 1000 };
    await sandboxControl('POST', 'failures', blocking);
    const patched = await call('PATCH', `/v1/sip/trunks/${trunk.trunkSid}`, alice.headers, {
      cnamLookupEnabled: true,
      originationUris: [
        { sipUrl: 'sip:agents-primary.example.com;transport=tls', priority: 10, weight: 10 },
        { sipUrl: 'sip:agents-backup.example.com;transport=tls', priority: 20, weight: 10, enabled: false },
      ],
    });
    expect(patched.statusCode).toBe(202);
    expect(patched.json()).toMatchObject({ status: 'updating', operation: { kind: 'update' } });
    // The first change is observably in flight: its settings update has met Twilio's 503.
    await waitFor(async () => {
      const { failures } = (await sandboxControl('GET', 'failures')) as { failures: { remaining: number }[] };
      return failures[0] && failures[0].remaining < blocking.times;
    }, 'the settings change to reach Twilio');
    const busy = await call('PATCH', `/v1/sip/trunks/${trunk.trunkSid}`, alice.headers, { friendlyName: 'again' });
    expect(busy.statusCode).toBe(409);
    expect(busy.json().error.code).toBe('trunk_busy');
    await sandboxControl('DELETE', 'failures'); // Twilio is back: the retried change goes through
    const done = await waitForTrunk(api.app, alice.headers, trunk.id, trunk.operation!.id);
    const updates = (await api.db.query(`SELECT progress FROM sip_operations WHERE trunk_id = $1 AND kind = 'update' ORDER BY created_at`, [trunk.id])).rows;
    expect(updates[0].progress.steps.map((s: { name: string }) => s.name)).toEqual([
      'update trunk settings (cnamLookupEnabled)',
      'update origination URI sip:agents-backup.example.com;transport=tls',
    ]);
    const after = await getTrunk(api.app, alice.headers, trunk.id, true);
    expect(after.status).toBe('active');
    expect(after.originationUris.find((u) => u.sipUrl.includes('backup'))?.enabled).toBe(false);
    expect((await twilioSdk().trunking.v1.trunks(trunk.trunkSid!).fetch()).cnamLookupEnabled).toBe(true);
    // The same URIs, updated in place.
    expect((await twilioSdk().trunking.v1.trunks(trunk.trunkSid!).originationUrls.list()).map((u) => u.sid).sort()).toEqual(before);
    // One enabled URI left: no failover.
    expect(after.health.map((h) => h.code)).toContain('single_origination_uri');
    await recordOperation('sip-update', trunk.id, 'update');
    trunk = done;
  });

  it('add_origination_uri and its removal, add_phone_number, list_phone_numbers and detach', async () => {
    const added = await call('POST', `/v1/sip/trunks/${trunk.trunkSid}/origination-uris`, alice.headers, { sipUrl: 'sip:agents-eu.example.com', priority: 20, weight: 5 });
    expect(added.statusCode).toBe(202);
    // A secure trunk with a URI that has no TLS transport: the response warns at once.
    expect(added.json().warnings.join()).toMatch(/agents-eu\.example\.com.*32208\/32209/);
    let t = await waitForTrunk(api.app, alice.headers, trunk.id, trunk.operation!.id);
    t = await getTrunk(api.app, alice.headers, trunk.id, true);
    expect(t.originationUris).toHaveLength(3);
    expect(t.health.map((h) => h.code)).toContain('insecure_origination_uri');
    const dup = await call('POST', `/v1/sip/trunks/${trunk.trunkSid}/origination-uris`, alice.headers, { sipUrl: 'sip:agents-eu.example.com' });
    expect(dup.statusCode).toBe(409);

    const eu = t.originationUris.find((u) => u.sipUrl === 'sip:agents-eu.example.com')!;
    expect((await call('DELETE', `/v1/sip/trunks/${trunk.trunkSid}/origination-uris/${eu.sid}`, alice.headers)).statusCode).toBe(202);
    t = await waitForTrunk(api.app, alice.headers, trunk.id, t.operation!.id);
    expect((await twilioSdk().trunking.v1.trunks(trunk.trunkSid!).originationUrls.list()).map((u) => u.sipUrl)).not.toContain('sip:agents-eu.example.com');

    const [extra] = await buyNumbers(alice, '628', 1);
    const pnSid = (await api.db.query('SELECT twilio_sid FROM phone_numbers WHERE phone_number = $1 AND status = $2', [extra, 'active'])).rows[0].twilio_sid as string;
    // Named by its PN SID, as the seed's addPhoneNumber(trunkSid, phoneNumberSid) does.
    expect((await call('POST', `/v1/sip/trunks/${trunk.trunkSid}/phone-numbers`, alice.headers, { phoneNumbers: [pnSid] })).statusCode).toBe(202);
    t = await waitForTrunk(api.app, alice.headers, trunk.id, t.operation!.id);
    const listed = await call('GET', `/v1/sip/trunks/${trunk.trunkSid}/phone-numbers`, alice.headers);
    expect(listed.json().data.map((n: { phoneNumber: string }) => n.phoneNumber)).toContain(extra);
    expect((await incomingNumber(pnSid)).trunkSid).toBe(trunk.trunkSid);

    expect((await call('DELETE', `/v1/sip/trunks/${trunk.trunkSid}/phone-numbers/${encodeURIComponent(extra!)}`, alice.headers)).statusCode).toBe(202);
    t = await waitForTrunk(api.app, alice.headers, trunk.id, t.operation!.id);
    expect(t.phoneNumbers.map((n) => n.phoneNumber)).not.toContain(extra);
    expect((await incomingNumber(pnSid)).trunkSid).toBeNull();
    expect((await call('DELETE', `/v1/sip/trunks/${trunk.trunkSid}/phone-numbers/${encodeURIComponent(extra!)}`, alice.headers)).statusCode).toBe(404);
    trunk = t;
  });

  it('a number on another trunk is a 409 unless move is set; with move it changes trunks', async () => {
    const other = await call('POST', '/v1/sip/trunks', alice.headers, { friendlyName: 'Second trunk', secure: false, originationUris: [{ sipUrl: 'sip:pbx.example.com' }] });
    expect(other.statusCode).toBe(202);
    const second = await waitForTrunk(api.app, alice.headers, other.json().id);
    const refused = await call('POST', `/v1/sip/trunks/${second.trunkSid}/phone-numbers`, alice.headers, { phoneNumbers: [numbers[2]] });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'number_on_another_trunk', fields: [{ field: 'phoneNumbers.0' }] });
    expect((await call('POST', `/v1/sip/trunks/${second.trunkSid}/phone-numbers`, alice.headers, { phoneNumbers: [numbers[2]], move: true })).statusCode).toBe(202);
    const moved = await waitForTrunk(api.app, alice.headers, second.id, second.operation!.id);
    expect(moved.operation!.status).toBe('succeeded');
    expect(moved.phoneNumbers.map((n) => n.phoneNumber)).toEqual([numbers[2]]);
    expect((await getTrunk(api.app, alice.headers, trunk.id)).phoneNumbers.map((n) => n.phoneNumber)).not.toContain(numbers[2]);
    const pn = (await twilioSdk().api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ phoneNumber: numbers[2] }))[0]!;
    expect(pn.trunkSid).toBe(second.trunkSid);
  });

  it('a voice URL on a trunked number is a 409 that says why; detachFromTrunk takes it off first', async () => {
    const n = numbers[1]!;
    const refused = await call('PATCH', `/v1/numbers/${encodeURIComponent(n)}`, alice.headers, { voiceUrl: 'https://example.com/voice' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('number_on_trunk');
    expect(refused.json().error.message).toMatch(/SIP trunk/);
    expect((await call('PATCH', `/v1/numbers/${encodeURIComponent(n)}`, alice.headers, { smsUrl: 'https://example.com/sms' })).statusCode).toBe(200);
    const detached = await call('PATCH', `/v1/numbers/${encodeURIComponent(n)}`, alice.headers, { voiceUrl: 'https://example.com/voice', detachFromTrunk: true });
    expect(detached.statusCode).toBe(200);
    const pn = (await twilioSdk().api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ phoneNumber: n }))[0]!;
    expect(pn).toMatchObject({ trunkSid: null, voiceUrl: 'https://example.com/voice' });
    expect((await getTrunk(api.app, alice.headers, trunk.id)).phoneNumbers.map((x) => x.phoneNumber)).not.toContain(n);
  });

  it('health findings: drift when a number left the trunk at Twilio behind our back', async () => {
    const n = numbers[0]!;
    const pn = (await twilioSdk().api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ phoneNumber: n }))[0]!;
    await twilioSdk().trunking.v1.trunks(trunk.trunkSid!).phoneNumbers(pn.sid).remove();
    const t = await getTrunk(api.app, alice.headers, trunk.id, true);
    expect(t.health).toContainEqual(expect.objectContaining({ code: 'number_trunk_drift', severity: 'error' }));
    // Attaching it again through the API repairs the drift.
    expect((await call('POST', `/v1/sip/trunks/${trunk.trunkSid}/phone-numbers`, alice.headers, { phoneNumbers: [n] })).statusCode).toBe(202);
    await waitForTrunk(api.app, alice.headers, trunk.id, t.operation!.id);
    expect((await getTrunk(api.app, alice.headers, trunk.id, true)).health.map((h) => h.code)).not.toContain('number_trunk_drift');
  });

  it('releasing a trunked number detaches it first', async () => {
    const n = numbers[0]!;
    const released = await call('DELETE', `/v1/numbers/${encodeURIComponent(n)}`, alice.headers);
    expect(released.statusCode).toBe(200);
    expect((await atTwilio(trunk.domainName)).numbers.map((x) => x.phoneNumber)).not.toContain(n);
    expect((await getTrunk(api.app, alice.headers, trunk.id)).phoneNumbers.map((x) => x.phoneNumber)).not.toContain(n);
  });

  it('delete_trunk with numbers attached: numbers stay the tenant’s, back to their voice config; the trunk and its lists are gone', async () => {
    const fresh = await buyNumbers(alice, '415', 1);
    const pn = (await twilioSdk().api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ phoneNumber: fresh[0] }))[0]!;
    await twilioSdk().api.v2010.accounts(stack.accountSid).incomingPhoneNumbers(pn.sid).update({ voiceApplicationSid: `AP${'2'.repeat(32)}` });
    expect((await call('POST', `/v1/sip/trunks/${trunk.trunkSid}/phone-numbers`, alice.headers, { phoneNumbers: fresh })).statusCode).toBe(202);
    const before = await waitForTrunk(api.app, alice.headers, trunk.id, trunk.operation!.id);
    expect(before.phoneNumbers.map((n) => n.phoneNumber)).toContain(fresh[0]);

    const deleted = await call('DELETE', `/v1/sip/trunks/${trunk.trunkSid}`, alice.headers);
    expect(deleted.statusCode).toBe(202);
    expect(deleted.json().status).toBe('deleting');
    const done = await waitForTrunk(api.app, alice.headers, trunk.id, before.operation!.id);
    expect(done).toMatchObject({ status: 'deleted', operation: { kind: 'delete', status: 'succeeded' }, phoneNumbers: [] });
    expect((await atTwilio(trunk.domainName)).trunks).toEqual([]);
    expect(await listsFor(trunk.id)).toEqual({ credentialLists: [], ipAcls: [] });
    const back = await incomingNumber(pn.sid);
    expect(back).toMatchObject({ trunkSid: null, voiceApplicationSid: `AP${'2'.repeat(32)}` });
    const mine = await call('GET', `/v1/numbers/${encodeURIComponent(fresh[0]!)}`, alice.headers);
    expect(mine.json().status).toBe('active');
    expect((await call('GET', '/v1/sip/trunks', alice.headers)).json().data.map((t: TrunkJson) => t.id)).not.toContain(trunk.id);
    expect((await call('DELETE', `/v1/sip/trunks/${trunk.id}`, alice.headers)).statusCode).toBe(404);
    // Its Idempotency-Key no longer answers with a trunk nothing can address.
    const replayed = await call('POST', '/v1/sip/trunks', { ...alice.headers, 'idempotency-key': 'voice-agents-1' }, voiceAiTrunk(numbers));
    expect(replayed.statusCode).toBe(409);
    expect(replayed.json().error.code).toBe('trunk_deleted');
    await recordOperation('sip-delete', trunk.id, 'delete');
  });
});

describe('bad input: a 400 naming the field, and nothing started', () => {
  const cases: [string, object, string][] = [
    ['missing name', {}, 'friendlyName'],
    ['sips: URI', { friendlyName: 'x', originationUris: [{ sipUrl: 'sips:pbx.example.com' }] }, 'originationUris.0.sipUrl'],
    ['http URI', { friendlyName: 'x', originationUris: [{ sipUrl: 'http://pbx.example.com' }] }, 'originationUris.0.sipUrl'],
    ['URI without host', { friendlyName: 'x', originationUris: [{ sipUrl: 'sip:' }] }, 'originationUris.0.sipUrl'],
    ['priority out of range', { friendlyName: 'x', originationUris: [{ sipUrl: 'sip:a.example.com', priority: 70000 }] }, 'originationUris.0.priority'],
    ['weight 0', { friendlyName: 'x', originationUris: [{ sipUrl: 'sip:a.example.com', weight: 0 }] }, 'originationUris.0.weight'],
    ['duplicate URI', { friendlyName: 'x', originationUris: [{ sipUrl: 'sip:a.example.com' }, { sipUrl: 'sip:A.example.com' }] }, 'originationUris.1'],
    ['too many URIs', { friendlyName: 'x', originationUris: [...Array(11)].map((_, i) => ({ sipUrl: `sip:a${i}.example.com` })) }, 'originationUris'],
    ['bad domain', { friendlyName: 'x', domainName: 'acme.sip.twilio.com' }, 'domainName'],
    ['domain with underscore', { friendlyName: 'x', domainName: 'acme_voice.pstn.twilio.com' }, 'domainName'],
    ['weak password', { friendlyName: 'x', termination: { credentialLists: [{ friendlyName: 'l', credentials: [{ username: 'u', password: 'alllowercase1' }] }] } }, 'termination.credentialLists.0.credentials.0.password'],
    ['short password', { friendlyName: 'x', termination: { credentialLists: [{ friendlyName: 'l', credentials: [{ username: 'u', password: 'Ab1' }] }] } }, 'termination.credentialLists.0.credentials.0.password'],
    ['long username', { friendlyName: 'x', termination: { credentialLists: [{ friendlyName: 'l', credentials: [{ username: 'u'.repeat(33), password: PASSWORD }] }] } }, 'termination.credentialLists.0.credentials.0.username'],
    ['bad IP', { friendlyName: 'x', termination: { ipAccessControlLists: [{ friendlyName: 'l', ipAddresses: [{ ip: '300.1.1.1' }] }] } }, 'termination.ipAccessControlLists.0.ipAddresses.0.ip'],
    ['IPv6', { friendlyName: 'x', termination: { ipAccessControlLists: [{ friendlyName: 'l', ipAddresses: [{ ip: '2001:db8::1' }] }] } }, 'termination.ipAccessControlLists.0.ipAddresses.0.ip'],
    ['bad CIDR', { friendlyName: 'x', termination: { ipAccessControlLists: [{ friendlyName: 'l', ipAddresses: [{ ip: '54.172.60.0', cidrPrefixLength: 33 }] }] } }, 'termination.ipAccessControlLists.0.ipAddresses.0.cidrPrefixLength'],
    ['not a number', { friendlyName: 'x', phoneNumbers: ['415-555'] }, 'phoneNumbers.0'],
    ['not the tenant’s number', { friendlyName: 'x', phoneNumbers: ['+14155550000'] }, 'phoneNumbers.0'],
    ['bad recording mode', { friendlyName: 'x', recording: { mode: 'always' } }, 'recording.mode'],
    ['bad transfer mode', { friendlyName: 'x', transfer: { mode: 'everything' } }, 'transfer.mode'],
    ['bad disaster-recovery URL', { friendlyName: 'x', disasterRecovery: { url: 'ftp://x' } }, 'disasterRecovery.url'],
    ['unknown field', { friendlyName: 'x', colour: 'blue' }, 'body'],
  ];

  // Bob's rows only: other files write trunks to the same database at the same time.
  const bobsRows = async () =>
    (
      await api.db.query(
        `SELECT (SELECT count(*) FROM sip_trunks WHERE tenant_id = $1)::int AS t, (SELECT count(*) FROM sip_operations WHERE tenant_id = $1)::int AS o,
                (SELECT count(*) FROM sip_secrets WHERE tenant_id = $1)::int AS s`,
        [bob.tenantId],
      )
    ).rows[0];

  it.each(cases)('%s', async (_name, body, field) => {
    const before = await bobsRows();
    const res = await call('POST', '/v1/sip/trunks', bob.headers, body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(await bobsRows()).toEqual(before);
  });

  it('an unknown trunk is a 404, a malformed one a 400, and PATCH needs a change', async () => {
    expect((await call('GET', `/v1/sip/trunks/TK${'0'.repeat(32)}`, bob.headers)).statusCode).toBe(404);
    const bad = await call('GET', '/v1/sip/trunks/not-a-trunk', bob.headers);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0].field).toBe('trunkSid');
    const created = await call('POST', '/v1/sip/trunks', bob.headers, { friendlyName: 'Bob PBX', secure: false });
    const t = await waitForTrunk(api.app, bob.headers, created.json().id);
    const empty = await call('PATCH', `/v1/sip/trunks/${t.trunkSid}`, bob.headers, {});
    expect(empty.statusCode).toBe(400);
    // A bare trunk: no way in, no way out.
    const codes = (await getTrunk(api.app, bob.headers, t.id, true)).health.map((h) => h.code);
    expect(codes).toEqual(expect.arrayContaining(['no_termination_auth', 'no_enabled_origination_uri', 'no_disaster_recovery_url']));
    const taken = await call('POST', '/v1/sip/trunks', bob.headers, { friendlyName: 'Bob 2', domainName: t.domainName });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error).toMatchObject({ code: 'domain_taken', fields: [{ field: 'domainName' }] });
  });
});

describe('reads and refusals leave nothing false behind', () => {
  const sealedPasswords = async (tenantId: string) =>
    (await api.db.query('SELECT count(*)::int AS n FROM sip_secrets WHERE tenant_id = $1 AND ciphertext IS NOT NULL', [tenantId])).rows[0].n as number;

  it('a credential list whose credentials fail to read is read again, never shown without credentials', async () => {
    const carol = await newTenant(api.db, 'sip-read-fault');
    const created = await call('POST', '/v1/sip/trunks', carol.headers, {
      friendlyName: 'Read fault',
      secure: false,
      originationUris: [{ sipUrl: 'sip:read-fault.example.com' }],
      termination: { credentialLists: [{ friendlyName: 'agents', credentials: [{ username: 'reader', password: PASSWORD }] }] },
    });
    const trunk = await waitForTrunk(api.app, carol.headers, created.json().id);
    expect(trunk.termination.credentialLists.map((l) => l.usernames)).toEqual([['reader']]);

    // Four 500s: the HTTP client tries a read four times (activities/kit/twilio-client.ts), so the activity sees it fail.
    await sandboxControl('POST', 'failures', { method: 'GET', path: '/2010-04-01/Accounts/*/SIP/CredentialLists/*/Credentials.json', status: 500, code: 20500, message: 'injected read failure', times: 4 });
    // The live read run to its end (the API would stop waiting after SIP_LIVE_READ_TIMEOUT_MS and show the stored one).
    const snapshot = await api.temporal.workflow.execute(sipInspectTrunk, {
      taskQueue: api.config.TEMPORAL_TASK_QUEUE,
      workflowId: `${inspectWorkflowId(carol.tenantId, trunk.id)}-${randomUUID()}`,
      args: [{ tenantId: carol.tenantId, trunkId: trunk.id }],
    });
    expect((await sandboxControl('GET', 'failures')) as { failures: unknown[] }).toEqual({ failures: [] }); // the read did fail
    expect(snapshot!.credentialLists.map((l) => l.usernames)).toEqual([['reader']]);
    const stored = await getTrunk(api.app, carol.headers, trunk.id);
    expect(stored.termination.credentialLists.map((l) => l.usernames)).toEqual([['reader']]);
    expect(stored.health.map((h) => h.code)).not.toContain('no_termination_auth');
  });

  it('a PATCH with passwords refused with 409 while another change runs keeps none of them sealed', async () => {
    const dave = await newTenant(api.db, 'sip-busy');
    const created = await call('POST', '/v1/sip/trunks', dave.headers, { friendlyName: 'Busy', secure: false });
    const trunk = await waitForTrunk(api.app, dave.headers, created.json().id);
    // Twilio answers the next settings change with 503 three times: that change is still running below.
    await sandboxControl('POST', 'failures', { method: 'POST', path: '/v1/Trunks/*', status: 503, code: 20503, message: 'Service Unavailable', times: 3 });
    expect((await call('PATCH', `/v1/sip/trunks/${trunk.id}`, dave.headers, { cnamLookupEnabled: true })).statusCode).toBe(202);

    const refused = await call('PATCH', `/v1/sip/trunks/${trunk.id}`, dave.headers, {
      termination: { credentialLists: [{ friendlyName: 'late', credentials: [{ username: 'late1', password: PASSWORD }, { username: 'late2', password: PASSWORD }] }] },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('trunk_busy');
    expect(await sealedPasswords(dave.tenantId)).toBe(0);

    const done = await waitForTrunk(api.app, dave.headers, trunk.id, trunk.operation!.id);
    expect(done).toMatchObject({ status: 'active', cnamLookupEnabled: true, operation: { status: 'succeeded' } });
  });
});
