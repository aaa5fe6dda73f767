/**
 * Moving numbers between tenants (issue #24 §4, POST /v1/operator/numbers/transfer), on real parts: two
 * subaccount tenants made by the operator API; A's numbers on a trunk and in an A2P campaign. The dry run lists
 * what each number loses and changes nothing; the confirmed transfer detaches them, moves them at Twilio and hands
 * them over — counted at the sandbox with the parent's SDK (which subaccount holds each number, what A's trunk and
 * Messaging Service still hold) and through the API (B's numbers, B can release one). Twilio's 21613 on one
 * number fails that number alone, with the fix, and puts it back on its trunk. Refusals name the field; a repeat
 * answers the same transfer.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioClient } from '../../../activities/kit/twilio-client';
import { createOperatorKey } from '../../../db/platform/operators';
import { SecretBox } from '../../../db/platform/secrets';
import { bindAccount } from '../../../db/platform/twilio-bindings';
import { goodDraft } from '../../fixtures/a2p-draft';
import { getTrunk, waitForTrunk } from '../../helpers/sip';
import { operatorCli } from '../../helpers/operator-cli';
import { buyThroughApi, createTestApi, newTenant, stack, twilioSdk, waitFor } from '../../helpers/stack';

let api: Awaited<ReturnType<typeof createTestApi>>;
let operatorKey: string;
beforeAll(async () => {
  api = await createTestApi({ A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000' });
  operatorKey = (await createOperatorKey(api.db, 'operator-transfer-test')).key;
});
afterAll(async () => api?.close());

type Reply = Awaited<ReturnType<typeof api.app.inject>>;
const asOperator = (method: 'GET' | 'POST', url: string, payload?: unknown): Promise<Reply> =>
  api.app.inject({ method, url, headers: { authorization: `Bearer ${operatorKey}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
const transfer = (body: object) => asOperator('POST', '/v1/operator/numbers/transfer', body);

async function subaccountTenant(prefix: string) {
  const res = await asOperator('POST', '/v1/operator/tenants', { name: `${prefix}-${randomUUID().slice(0, 8)}`, binding: 'subaccount' });
  expect(res.statusCode, res.body).toBe(201);
  const made = res.json() as { tenant: { id: string }; binding: { accountSid: string }; apiKey: string };
  // Each account has its own review clock at the sandbox: this one reviews fast.
  const fast = await fetch(`${stack.sandboxUrl}/__sandbox/accounts/${made.binding.accountSid}/reviews`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ preset: 'fast' }) });
  expect(fast.status).toBe(200);
  const token = (await twilioSdk().api.v2010.accounts(made.binding.accountSid).fetch()).authToken;
  return { id: made.tenant.id, sid: made.binding.accountSid, headers: { authorization: `Bearer ${made.apiKey}` }, sdk: createTwilioClient({ accountSid: made.binding.accountSid, authToken: token, baseUrl: stack.sandboxUrl, timeoutMs: 10_000 }) };
}
type Tenant = Awaited<ReturnType<typeof subaccountTenant>>;

const numbersAt = async (accountSid: string) => (await twilioSdk().api.v2010.accounts(accountSid).incomingPhoneNumbers.list({ pageSize: 100 })).map((n) => n.phoneNumber).sort();
const liveNumbersOf = async (t: Tenant) => ((await api.app.inject({ method: 'GET', url: '/v1/numbers?limit=100', headers: t.headers })).json().data as { phoneNumber: string; status: string }[]).filter((n) => n.status === 'active').map((n) => n.phoneNumber).sort();

interface TransferView {
  id: string;
  status: string;
  reason: string | null;
  finishedAt: string | null;
  numbers: { phoneNumber: string; twilioSid: string; status: string; loses: { kind: string; sid: string; what: string }[]; error: { code: number | null; fix: string | null } | null }[];
}

describe('transferring numbers between subaccount tenants', () => {
  let a: Tenant;
  let b: Tenant;
  let n: [string, string, string];
  let trunkSid: string;
  let serviceSid: string;

  beforeAll(async () => {
    [a, b] = [await subaccountTenant('xfer-a'), await subaccountTenant('xfer-b')];
    n = [await buyThroughApi(api.app, a.headers, '541'), await buyThroughApi(api.app, a.headers, '541'), await buyThroughApi(api.app, a.headers, '541')];
    const created = await api.app.inject({
      method: 'POST',
      url: '/v1/sip/trunks',
      headers: a.headers,
      payload: { friendlyName: 'xfer-pbx', originationUris: [{ sipUrl: 'sip:xfer.example.com;transport=tls', priority: 10, weight: 10 }], phoneNumbers: [n[0], n[1]] },
    });
    expect(created.statusCode, created.body).toBe(202);
    const trunk = await waitForTrunk(api.app, a.headers, created.json().id);
    expect(trunk).toMatchObject({ status: 'active', operation: { status: 'succeeded' } });
    trunkSid = trunk.trunkSid!;
    const started = await api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: a.headers, payload: { ...goodDraft(), phoneNumbers: [n[2]] } });
    expect(started.statusCode, started.body).toBe(202);
    const registration = await waitFor(async () => {
      const r = (await api.app.inject({ method: 'GET', url: `/v1/a2p/registrations/${started.json().id}`, headers: a.headers })).json();
      return r.finishedAt ? r : null;
    }, "A's registration to finish", 120_000);
    expect(registration).toMatchObject({ status: 'completed', numbers: { attached: [n[2]] } });
    serviceSid = (await a.sdk.messaging.v1.services.list())[0]!.sid;
  }, 180_000);

  it('refuses what it can’t do, naming the field; the dry run lists the losses and changes nothing', async () => {
    const notHeld = await transfer({ fromTenantId: b.id, toTenantId: a.id, numbers: [n[0]] });
    expect(notHeld.statusCode, notHeld.body).toBe(400);
    expect(notHeld.json().error.fields).toEqual([{ field: 'numbers.0', message: `${n[0]} is not a live number of fromTenantId` }]);
    const same = await transfer({ fromTenantId: a.id, toTenantId: a.id, numbers: [n[0]] });
    expect(same.statusCode).toBe(400);
    expect(same.json().error.fields[0].field).toBe('toTenantId');
    const unknown = await transfer({ fromTenantId: a.id, toTenantId: randomUUID(), numbers: [n[0]] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.fields[0].field).toBe('toTenantId');
    const twice = await transfer({ fromTenantId: a.id, toTenantId: b.id, numbers: [n[0], n[0]] });
    expect(twice.statusCode).toBe(400);
    const forged = await transfer({ fromTenantId: a.id, toTenantId: b.id, numbers: [n[0]], confirmationToken: 'tpt1.x.1.y.z' });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error.fields[0].field).toBe('confirmationToken');

    // A byo tenant's account is outside the deployment's hierarchy.
    const byoSub = await twilioSdk().api.v2010.accounts.create({ friendlyName: `xfer-byo ${randomUUID().slice(0, 8)}` });
    const byo = await newTenant(api.db, 'xfer-byo');
    await bindAccount(api.db, SecretBox.fromConfig(api.config, 'twilio-credential'), byo.tenantId, { kind: 'byo', accountSid: byoSub.sid, credential: { kind: 'auth_token', authToken: byoSub.authToken } });
    const toByo = await transfer({ fromTenantId: a.id, toTenantId: byo.tenantId, numbers: [n[0]] });
    expect(toByo.statusCode, toByo.body).toBe(409);
    expect(toByo.json().error.code).toBe('transfer_not_supported');

    const dry = await transfer({ fromTenantId: a.id, toTenantId: b.id, numbers: n });
    expect(dry.statusCode, dry.body).toBe(200);
    const plan = dry.json();
    expect(plan.from).toEqual({ tenantId: a.id, accountSid: a.sid });
    expect(plan.to).toEqual({ tenantId: b.id, accountSid: b.sid });
    expect(plan.numbers.map((x: { phoneNumber: string; loses: { kind: string; sid: string }[] }) => [x.phoneNumber, x.loses.map((l) => [l.kind, l.sid])])).toEqual([
      [n[0], [['sip_trunk', trunkSid]]],
      [n[1], [['sip_trunk', trunkSid]]],
      [n[2], [['messaging_service', serviceSid]]],
    ]);
    expect(plan.numbers[2].loses[0].what).toMatch(/A2P 10DLC: Messaging Service MG\w+ of campaign QE\w+/);
    expect(plan.confirmationToken).toMatch(/^tpt1\./);
    expect(await numbersAt(a.sid)).toEqual([...n].sort());
    expect((await a.sdk.trunking.v1.trunks(trunkSid).phoneNumbers.list()).length).toBe(2);

    // A token is bound to its plan: another plan's (here, of fewer numbers) is refused, and moves nothing.
    const fewer = (await transfer({ fromTenantId: a.id, toTenantId: b.id, numbers: [n[0]] })).json().confirmationToken as string;
    const changed = await transfer({ fromTenantId: a.id, toTenantId: b.id, numbers: n, confirmationToken: fewer });
    expect(changed.statusCode).toBe(409);
    expect(changed.json().error.code).toBe('plan_changed');
    expect(await numbersAt(b.sid)).toEqual([]);
  });

  it('moves the numbers Twilio takes, detached first; 21613 fails one number alone with the fix and puts it back; a repeat answers the same', async () => {
    const dry = (await transfer({ fromTenantId: a.id, toTenantId: b.id, numbers: n })).json();
    const refusedSid = dry.numbers[1].twilioSid as string;
    // Twilio refuses to move the second number: the gaining account needs an Address for it.
    const rule = await fetch(`${stack.sandboxUrl}/__sandbox/accounts/${a.sid}/failures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'POST', path: `/2010-04-01/Accounts/${a.sid}/IncomingPhoneNumbers/${refusedSid}.json`, status: 400, code: 21613, message: 'PhoneNumber Requires a Local Address' }),
    });
    expect(rule.status, await rule.text()).toBe(201);

    const confirmed = await transfer({ fromTenantId: a.id, toTenantId: b.id, numbers: n, confirmationToken: dry.confirmationToken });
    expect([200, 202], confirmed.body).toContain(confirmed.statusCode);
    const id = confirmed.json().id as string;
    const ended = await waitFor(async () => {
      const v = (await asOperator('GET', `/v1/operator/numbers/transfers/${id}`)).json() as TransferView;
      return v.finishedAt ? v : null;
    }, 'the transfer to end', 60_000);
    expect(ended.status).toBe('partial');
    expect(ended.reason).toMatch(/1 of 3 numbers did not move/);
    const byNumber = new Map(ended.numbers.map((x) => [x.phoneNumber, x]));
    expect(byNumber.get(n[0])).toMatchObject({ status: 'moved', error: null, loses: [{ kind: 'sip_trunk', sid: trunkSid }] });
    expect(byNumber.get(n[2])).toMatchObject({ status: 'moved', error: null, loses: [{ kind: 'messaging_service', sid: serviceSid }] });
    // Refused, it was put back on the trunk it was detached from: it lacks nothing.
    expect(byNumber.get(n[1])).toMatchObject({ status: 'failed', error: { code: 21613 }, loses: [] });
    expect(byNumber.get(n[1])!.error!.fix).toMatch(/Address/);

    // At the sandbox: B's subaccount has the two moved; A's keeps the refused one, back on its trunk (detached
    // first, then rejoined once Twilio refused the move), where the moved n[0] no longer is.
    expect(await numbersAt(b.sid)).toEqual([n[0], n[2]].sort());
    expect(await numbersAt(a.sid)).toEqual([n[1]]);
    expect((await a.sdk.trunking.v1.trunks(trunkSid).phoneNumbers.list()).map((p) => p.phoneNumber)).toEqual([n[1]]);
    expect(await a.sdk.messaging.v1.services(serviceSid).phoneNumbers.list()).toEqual([]);
    // Through the API: each tenant sees what it holds.
    expect(await liveNumbersOf(b)).toEqual([n[0], n[2]].sort());
    expect(await liveNumbersOf(a)).toEqual([n[1]]);
    const old = await api.app.inject({ method: 'GET', url: `/v1/numbers?limit=100`, headers: a.headers });
    expect(old.json().data.filter((x: { status: string }) => x.status === 'transferred').map((x: { phoneNumber: string }) => x.phoneNumber).sort()).toEqual([n[0], n[2]].sort());

    // The same confirmed request again: the same transfer, nothing moves twice.
    const repeat = await transfer({ fromTenantId: a.id, toTenantId: b.id, numbers: n, confirmationToken: dry.confirmationToken });
    expect(repeat.statusCode, repeat.body).toBe(200);
    expect(repeat.json()).toMatchObject({ id, status: 'partial' });

    // Audited in both tenants' trails.
    const trail = async (t: Tenant) => ((await api.app.inject({ method: 'GET', url: '/v1/audit?limit=100', headers: t.headers })).json().data as { action: string }[]).map((e) => e.action);
    expect(await trail(a)).toContain('operator.numbers.transfer_out');
    expect(await trail(b)).toContain('operator.numbers.transfer_in');

    // B works the moved number in its own account: its release reaches B's subaccount.
    const released = await api.app.inject({ method: 'DELETE', url: `/v1/numbers/${encodeURIComponent(n[0])}`, headers: b.headers });
    expect([200, 202, 204], released.body).toContain(released.statusCode);
    await waitFor(async () => !(await numbersAt(b.sid)).includes(n[0]) || null, "B's release of the moved number", 30_000);
    expect(await numbersAt(b.sid)).toEqual([n[2]]);
  });

  it('a move whose answer Twilio lost is found moved on the retry: posted once, handed over once', async () => {
    const control = (path: string, body?: object) =>
      fetch(`${stack.sandboxUrl}/__sandbox/accounts/${a.sid}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    const moveRoute = 'POST /2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid';
    const statsOfA = async () => (await (await fetch(`${stack.sandboxUrl}/__sandbox/accounts/${a.sid}/stats`)).json()).total as { byRoute: Record<string, number>; droppedAfterCommit: number };
    const before = await statsOfA();
    const dry = (await transfer({ fromTenantId: a.id, toTenantId: b.id, numbers: [n[1]] })).json();
    // Back on its trunk after the earlier, refused move: it loses the trunk again.
    expect(dry.numbers).toEqual([expect.objectContaining({ phoneNumber: n[1], loses: [expect.objectContaining({ kind: 'sip_trunk', sid: trunkSid })] })]);
    // Every write to A's account is applied and its answer lost.
    expect((await control('faults', { timeoutAfterCommitRate: 1, timeoutMode: 'drop' })).status).toBe(200);
    try {
      const confirmed = await transfer({ fromTenantId: a.id, toTenantId: b.id, numbers: [n[1]], confirmationToken: dry.confirmationToken });
      const id = confirmed.json().id as string;
      const ended = await waitFor(async () => {
        const v = (await asOperator('GET', `/v1/operator/numbers/transfers/${id}`)).json() as TransferView;
        return v.finishedAt ? v : null;
      }, 'the transfer to end', 60_000);
      expect(ended).toMatchObject({ status: 'succeeded', reason: null, numbers: [{ phoneNumber: n[1], status: 'moved', error: null }] });
    } finally {
      await fetch(`${stack.sandboxUrl}/__sandbox/accounts/${a.sid}/faults`, { method: 'DELETE' });
    }
    const after = await statsOfA();
    expect(after.droppedAfterCommit - before.droppedAfterCommit).toBeGreaterThanOrEqual(1);
    expect((after.byRoute[moveRoute] ?? 0) - (before.byRoute[moveRoute] ?? 0)).toBe(1);
    expect(await numbersAt(a.sid)).toEqual([]);
    expect(await a.sdk.trunking.v1.trunks(trunkSid).phoneNumbers.list()).toEqual([]);
    expect(await numbersAt(b.sid)).toEqual([n[1], n[2]].sort());
    expect(await liveNumbersOf(b)).toEqual([n[1], n[2]].sort());
    const rows = await api.db.query(`SELECT tenant_id, status FROM phone_numbers WHERE phone_number = $1 ORDER BY created_at`, [n[1]]);
    expect(rows.rows).toEqual([{ tenant_id: a.id, status: 'transferred' }, { tenant_id: b.id, status: 'active' }]);
  });

  it('a number Twilio refuses to move and its trunk refuses back keeps that loss, saying why; the transfer still ends', async () => {
    const extra = await buyThroughApi(api.app, a.headers, '541');
    const before = await getTrunk(api.app, a.headers, trunkSid);
    const pnSid = (await api.db.query(`SELECT twilio_sid FROM phone_numbers WHERE phone_number = $1 AND status = 'active'`, [extra])).rows[0].twilio_sid as string;
    const added = await api.app.inject({ method: 'POST', url: `/v1/sip/trunks/${trunkSid}/phone-numbers`, headers: a.headers, payload: { phoneNumbers: [pnSid] } });
    expect(added.statusCode, added.body).toBe(202);
    await waitForTrunk(api.app, a.headers, trunkSid, before.operation!.id);
    const dry = (await transfer({ fromTenantId: a.id, toTenantId: b.id, numbers: [extra] })).json();
    expect(dry.numbers).toEqual([expect.objectContaining({ phoneNumber: extra, loses: [expect.objectContaining({ kind: 'sip_trunk', sid: trunkSid })] })]);
    // Twilio refuses the move, then the trunk refuses the number back.
    const refuse = (rule: object) =>
      fetch(`${stack.sandboxUrl}/__sandbox/accounts/${a.sid}/failures`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
    expect((await refuse({ method: 'POST', path: `/2010-04-01/Accounts/${a.sid}/IncomingPhoneNumbers/${pnSid}.json`, status: 400, code: 21613, message: 'PhoneNumber Requires a Local Address' })).status).toBe(201);
    expect((await refuse({ method: 'POST', path: `/v1/Trunks/${trunkSid}/PhoneNumbers`, status: 400, code: 20001, message: 'Injected: the trunk takes no more numbers' })).status).toBe(201);

    const confirmed = await transfer({ fromTenantId: a.id, toTenantId: b.id, numbers: [extra], confirmationToken: dry.confirmationToken });
    const ended = await waitFor(async () => {
      const v = (await asOperator('GET', `/v1/operator/numbers/transfers/${confirmed.json().id}`)).json() as TransferView;
      return v.finishedAt ? v : null;
    }, 'the transfer to end', 60_000);
    expect(ended.status).toBe('failed');
    const [item] = ended.numbers;
    expect(item).toMatchObject({ phoneNumber: extra, status: 'failed', error: { code: 21613 }, loses: [{ kind: 'sip_trunk', sid: trunkSid }] });
    expect(item!.loses[0]!.what).toMatch(/not restored after the refused move: Twilio 20001: Injected: the trunk takes no more numbers/);
    // At the sandbox: still A's, off its trunk — as the item says.
    expect(await numbersAt(a.sid)).toContain(extra);
    expect((await a.sdk.trunking.v1.trunks(trunkSid).phoneNumbers.list()).map((p) => p.phoneNumber)).not.toContain(extra);
  });
});

describe('transferring between shared tenants', () => {
  it('one account: nothing moves at Twilio, the number changes hands here', async () => {
    const made = await Promise.all(['xfer-shared-a', 'xfer-shared-b'].map(async (prefix) => {
      const res = await asOperator('POST', '/v1/operator/tenants', { name: `${prefix}-${randomUUID().slice(0, 8)}`, binding: 'shared' });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { tenant: { id: string }; apiKey: string };
    }));
    const [a, b] = made.map((m) => ({ id: m.tenant.id, headers: { authorization: `Bearer ${m.apiKey}` } }));
    const number = await buyThroughApi(api.app, a!.headers, '541');
    const before = (await twilioSdk().api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ phoneNumber: number }))[0]!;
    const dry = (await transfer({ fromTenantId: a!.id, toTenantId: b!.id, numbers: [number] })).json();
    expect(dry.from.accountSid).toBe(stack.accountSid);
    expect(dry.to.accountSid).toBe(stack.accountSid);
    const confirmed = await transfer({ fromTenantId: a!.id, toTenantId: b!.id, numbers: [number], confirmationToken: dry.confirmationToken });
    const ended = confirmed.json().finishedAt ? confirmed.json() : await waitFor(async () => {
      const v = (await asOperator('GET', `/v1/operator/numbers/transfers/${confirmed.json().id}`)).json();
      return v.finishedAt ? v : null;
    }, 'the transfer to end', 60_000);
    expect(ended).toMatchObject({ status: 'succeeded', numbers: [{ phoneNumber: number, status: 'moved' }] });
    const after = (await twilioSdk().api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ phoneNumber: number }))[0]!;
    expect([after.sid, after.accountSid]).toEqual([before.sid, stack.accountSid]);
    const own = (headers: Record<string, string>) => api.app.inject({ method: 'GET', url: `/v1/numbers/${encodeURIComponent(number)}`, headers });
    // Each tenant reads its own row of it: B's live, A's ended as a transfer (as a released number reads).
    expect((await own(b!.headers)).json()).toMatchObject({ phoneNumber: number, status: 'active' });
    expect((await own(a!.headers)).json()).toMatchObject({ phoneNumber: number, status: 'transferred' });
  });
});

describe('npm run operator -- numbers transfer', () => {
  it('prints the plan and the token without --confirm, moves the number with it, and reads the transfer back', async () => {
    const [a, b] = [await subaccountTenant('xfer-cli-a'), await subaccountTenant('xfer-cli-b')];
    const number = await buyThroughApi(api.app, a.headers, '541');
    const baseUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const run = operatorCli(baseUrl, operatorKey);
    const plan = await run('numbers', 'transfer', '--from', a.id, '--to', b.id, number);
    expect(plan.numbers).toEqual([expect.objectContaining({ phoneNumber: number, loses: [] })]);
    expect(await numbersAt(a.sid)).toEqual([number]);
    const moved = await run('numbers', 'transfer', '--from', a.id, '--to', b.id, number, '--confirm', plan.confirmationToken);
    const ended = moved.finishedAt ? moved : await waitFor(async () => {
      const v = await run('numbers', 'transfer-status', moved.id);
      return v.finishedAt ? v : null;
    }, 'the transfer to end', 60_000);
    expect(ended).toMatchObject({ id: moved.id, status: 'succeeded', numbers: [{ phoneNumber: number, status: 'moved' }] });
    expect(await numbersAt(b.sid)).toEqual([number]);
    expect(await numbersAt(a.sid)).toEqual([]);
  });
});
