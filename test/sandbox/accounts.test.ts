import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBACCOUNTS_PER_PARENT } from '../../sandbox/state';
import { startSandbox } from './sandbox-fixture';

/**
 * 2010 Accounts in the sandbox: a top-level account's subaccounts, what each set of credentials reaches,
 * suspension and closing, and moving a number inside one hierarchy — all through the official SDK.
 */
type Fixture = Awaited<ReturnType<typeof startSandbox>>;
let fx: Fixture;
beforeAll(async () => {
  fx = await startSandbox(31);
});
afterAll(async () => fx.close());

/** The SDK for a pair of credentials; `accountSid` is the account its 2010 calls name (a parent's subaccount). */
function clientFor(user: string, pass: string, accountSid?: string) {
  const client = twilio(user, pass, accountSid ? { accountSid } : {});
  for (const d of ['api', 'messaging'] as const) (client[d] as unknown as { baseUrl: string }).baseUrl = fx.url;
  return client;
}

/** A fresh top-level account (control API), so each test's hierarchy is its own. */
async function topLevel() {
  const { sid, authToken } = (await fx.control('POST', 'accounts', {})).body as { sid: string; authToken: string };
  return { sid, authToken, client: clientFor(sid, authToken) };
}
type TopLevel = Awaited<ReturnType<typeof topLevel>>;

/** A subaccount created by the parent through the SDK, with a client on the subaccount's own credentials. */
async function subaccountOf(parent: TopLevel, friendlyName: string) {
  const created = await parent.client.api.v2010.accounts.create({ friendlyName });
  return { sid: created.sid, authToken: created.authToken, created, client: clientFor(created.sid, created.authToken) };
}

const numbersOf = async (client: ReturnType<typeof clientFor>, accountSid: string) =>
  (await client.api.v2010.accounts(accountSid).incomingPhoneNumbers.list()).map((n) => n.sid);

const notFound = { status: 404, code: 20404 };
const notActive = { status: 401, code: 20005 };

describe('creating and reading subaccounts', () => {
  it('a parent creates two subaccounts that each buy a number with their own credentials; the parent lists and reads both', async () => {
    const parent = await topLevel();
    const a = await subaccountOf(parent, 'Tenant A');
    const b = await subaccountOf(parent, 'Tenant B');
    expect(a.created).toMatchObject({ ownerAccountSid: parent.sid, status: 'active', type: 'Full', friendlyName: 'Tenant A' });
    expect(a.authToken).toMatch(/^[0-9a-f]{32}$/);
    expect(a.sid).not.toBe(b.sid);

    const numberA = await a.client.incomingPhoneNumbers.create({ areaCode: '415' });
    const numberB = await b.client.incomingPhoneNumbers.create({ areaCode: '415' });
    expect([numberA.accountSid, numberB.accountSid]).toEqual([a.sid, b.sid]);
    // Each subaccount is offered numbers from its own inventory lane.
    expect(numberA.phoneNumber).not.toBe(numberB.phoneNumber);

    const listed = await parent.client.api.v2010.accounts.list();
    expect(listed.map((x) => x.sid)).toEqual([parent.sid, a.sid, b.sid]);
    expect(listed[0]!.ownerAccountSid).toBe(parent.sid);
    expect((await parent.client.api.v2010.accounts.list({ friendlyName: 'Tenant B' })).map((x) => x.sid)).toEqual([b.sid]);
    expect((await parent.client.api.v2010.accounts(b.sid).fetch()).authToken).toBe(b.authToken);
    // Parent credentials reach each subaccount's 2010 resources, which are that subaccount's only.
    expect(await numbersOf(parent.client, a.sid)).toEqual([numberA.sid]);
    expect(await numbersOf(parent.client, b.sid)).toEqual([numberB.sid]);
    expect(await numbersOf(parent.client, parent.sid)).toEqual([]);
    // A subaccount lists itself only.
    expect((await a.client.api.v2010.accounts.list()).map((x) => x.sid)).toEqual([a.sid]);
  });

  it("a subaccount sees nothing of its sibling or its parent (404), and other products stay the credentials' account's", async () => {
    const parent = await topLevel();
    const a = await subaccountOf(parent, 'A');
    const b = await subaccountOf(parent, 'B');
    const numberB = await b.client.incomingPhoneNumbers.create({ areaCode: '212' });
    await expect(a.client.api.v2010.accounts(b.sid).incomingPhoneNumbers.list()).rejects.toMatchObject(notFound);
    await expect(a.client.api.v2010.accounts(b.sid).incomingPhoneNumbers(numberB.sid).fetch()).rejects.toMatchObject(notFound);
    await expect(a.client.api.v2010.accounts(parent.sid).incomingPhoneNumbers.list()).rejects.toMatchObject(notFound);
    await expect(a.client.api.v2010.accounts(parent.sid).fetch()).rejects.toMatchObject(notFound);
    await expect(a.client.api.v2010.accounts(b.sid).fetch()).rejects.toMatchObject(notFound);
    // An unrelated top-level account's parent credentials reach none of this hierarchy.
    const stranger = await topLevel();
    await expect(stranger.client.api.v2010.accounts(a.sid).incomingPhoneNumbers.list()).rejects.toMatchObject(notFound);
    // Messaging (not 2010) is the account of the credentials, whoever its parent is.
    const service = await a.client.messaging.v1.services.create({ friendlyName: 'A notifications' });
    expect((await a.client.messaging.v1.services.list()).map((s) => s.sid)).toEqual([service.sid]);
    expect(await parent.client.messaging.v1.services.list()).toEqual([]);
  });

  it('a subaccount cannot create a subaccount (21101)', async () => {
    const parent = await topLevel();
    const a = await subaccountOf(parent, 'A');
    await expect(a.client.api.v2010.accounts.create({ friendlyName: 'nested' })).rejects.toMatchObject({ status: 400, code: 21101 });
    expect((await parent.client.api.v2010.accounts.list()).map((x) => x.sid)).toEqual([parent.sid, a.sid]);
  });

  it('the 1 001st subaccount of one parent is refused with 21480', async () => {
    const parent = await topLevel();
    const create = (i: number) =>
      fetch(`${fx.url}/2010-04-01/Accounts.json`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${parent.sid}:${parent.authToken}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ FriendlyName: `tenant ${i}` }),
      }).then((r) => r.status);
    for (let i = 0; i < SUBACCOUNTS_PER_PARENT; i += 50) {
      const statuses = await Promise.all(Array.from({ length: 50 }, (_, j) => create(i + j)));
      expect(statuses.every((s) => s === 201)).toBe(true);
    }
    await expect(parent.client.api.v2010.accounts.create({ friendlyName: 'one too many' })).rejects.toMatchObject({ status: 400, code: 21480 });
    expect((await parent.client.api.v2010.accounts.page({ pageSize: 1000, pageNumber: 1 })).instances).toHaveLength(1);
    // Another parent's allowance is its own.
    expect((await (await topLevel()).client.api.v2010.accounts.create({ friendlyName: 'first' })).status).toBe('active');
  }, 60_000);
});

describe('suspending and closing', () => {
  it("a suspended subaccount's requests are refused (20005) until its parent resumes it", async () => {
    const parent = await topLevel();
    const a = await subaccountOf(parent, 'A');
    const number = await a.client.incomingPhoneNumbers.create({ areaCode: '312' });
    expect((await parent.client.api.v2010.accounts(a.sid).update({ status: 'suspended' })).status).toBe('suspended');
    await expect(a.client.incomingPhoneNumbers.list()).rejects.toMatchObject(notActive);
    await expect(a.client.api.v2010.accounts(a.sid).fetch()).rejects.toMatchObject(notActive);
    await expect(parent.client.api.v2010.accounts(a.sid).incomingPhoneNumbers.list()).rejects.toMatchObject(notActive);
    // The parent still reads it; suspension keeps the numbers.
    expect((await parent.client.api.v2010.accounts(a.sid).fetch()).status).toBe('suspended');
    expect((await parent.client.api.v2010.accounts.list({ status: 'suspended' })).map((x) => x.sid)).toEqual([a.sid]);
    expect((await parent.client.api.v2010.accounts(a.sid).update({ status: 'active' })).status).toBe('active');
    expect((await a.client.incomingPhoneNumbers.list()).map((n) => n.sid)).toEqual([number.sid]);
  });

  it("only the parent changes a subaccount's status (20403)", async () => {
    const parent = await topLevel();
    const a = await subaccountOf(parent, 'A');
    await expect(a.client.api.v2010.accounts(a.sid).update({ status: 'suspended' })).rejects.toMatchObject({ status: 403, code: 20403 });
    await expect(parent.client.api.v2010.accounts(parent.sid).update({ status: 'closed' })).rejects.toMatchObject({ status: 403, code: 20403 });
    // A subaccount may rename itself.
    expect((await a.client.api.v2010.accounts(a.sid).update({ friendlyName: 'A renamed' })).friendlyName).toBe('A renamed');
    expect((await parent.client.api.v2010.accounts(a.sid).fetch()).status).toBe('active');
  });

  it("a parent's suspension suspends its subaccounts", async () => {
    const parent = await topLevel();
    const a = await subaccountOf(parent, 'A');
    // Twilio suspends a top-level account itself (an empty balance); no API call does it.
    const stored = fx.sandbox.state.accounts.get(parent.sid)!;
    stored.status = 'suspended';
    await expect(parent.client.incomingPhoneNumbers.list()).rejects.toMatchObject(notActive);
    await expect(a.client.incomingPhoneNumbers.list()).rejects.toMatchObject(notActive);
    stored.status = 'active';
    expect(await a.client.incomingPhoneNumbers.list()).toEqual([]);
  });

  it('closing releases the numbers for good, is final (21479), and the subaccount authenticates no more (20003)', async () => {
    const parent = await topLevel();
    const a = await subaccountOf(parent, 'A');
    const bought = await Promise.all(['617', '503'].map((areaCode) => a.client.incomingPhoneNumbers.create({ areaCode })));
    const closed = await parent.client.api.v2010.accounts(a.sid).update({ status: 'closed' });
    expect(closed.status).toBe('closed');
    const state = fx.sandbox.state;
    for (const n of bought) {
      expect(state.numbers.has(n.sid)).toBe(false);
      expect(state.isAvailable(n.phoneNumber)).toBe(false); // released, and never offered again
    }
    await expect(parent.client.api.v2010.accounts(a.sid).update({ status: 'active' })).rejects.toMatchObject({ status: 400, code: 21479 });
    await expect(parent.client.api.v2010.accounts(a.sid).update({ friendlyName: 'back' })).rejects.toMatchObject({ status: 400, code: 21479 });
    await expect(a.client.api.v2010.accounts(a.sid).fetch()).rejects.toMatchObject({ status: 401, code: 20003 });
    expect((await parent.client.api.v2010.accounts(a.sid).fetch()).status).toBe('closed');
    await expect(parent.client.api.v2010.accounts(a.sid).incomingPhoneNumbers.list()).rejects.toMatchObject(notActive);
  });
});

describe('moving a number between accounts of one hierarchy', () => {
  it('the parent moves a number from A to B: it lists at B and is gone from A', async () => {
    const parent = await topLevel();
    const a = await subaccountOf(parent, 'A');
    const b = await subaccountOf(parent, 'B');
    const number = await a.client.incomingPhoneNumbers.create({ areaCode: '305' });
    const moved = await parent.client.api.v2010.accounts(a.sid).incomingPhoneNumbers(number.sid).update({ accountSid: b.sid });
    expect(moved.accountSid).toBe(b.sid);
    expect(await numbersOf(b.client, b.sid)).toEqual([number.sid]);
    expect(await numbersOf(a.client, a.sid)).toEqual([]);
    await expect(a.client.incomingPhoneNumbers(number.sid).fetch()).rejects.toMatchObject(notFound);
    // …and on to the parent itself.
    await parent.client.api.v2010.accounts(b.sid).incomingPhoneNumbers(number.sid).update({ accountSid: parent.sid });
    expect(await numbersOf(parent.client, parent.sid)).toEqual([number.sid]);
    expect(await numbersOf(b.client, b.sid)).toEqual([]);
  });

  it("a subaccount's credentials can't move its number, nor can the parent move one out of its hierarchy (20404)", async () => {
    const parent = await topLevel();
    const a = await subaccountOf(parent, 'A');
    const b = await subaccountOf(parent, 'B');
    const stranger = await topLevel();
    const number = await a.client.incomingPhoneNumbers.create({ areaCode: '602' });
    await expect(a.client.incomingPhoneNumbers(number.sid).update({ accountSid: b.sid })).rejects.toMatchObject(notFound);
    await expect(a.client.incomingPhoneNumbers(number.sid).update({ accountSid: parent.sid })).rejects.toMatchObject(notFound);
    await expect(parent.client.api.v2010.accounts(a.sid).incomingPhoneNumbers(number.sid).update({ accountSid: stranger.sid })).rejects.toMatchObject(notFound);
    expect(await numbersOf(a.client, a.sid)).toEqual([number.sid]);
    expect(await numbersOf(stranger.client, stranger.sid)).toEqual([]);
    // A suspended gaining account is not active: 21472.
    await parent.client.api.v2010.accounts(b.sid).update({ status: 'suspended' });
    await expect(parent.client.api.v2010.accounts(a.sid).incomingPhoneNumbers(number.sid).update({ accountSid: b.sid })).rejects.toMatchObject({ status: 400, code: 21472 });
    expect(await numbersOf(a.client, a.sid)).toEqual([number.sid]);
  });
});

describe('API keys', () => {
  it('a standard key of the parent works on its own account but not on accounts, keys or subaccounts', async () => {
    const parent = await topLevel();
    const a = await subaccountOf(parent, 'A');
    const key = await parent.client.api.v2010.accounts(parent.sid).newKeys.create({ friendlyName: 'ops' });
    const byKey = clientFor(key.sid, key.secret, parent.sid);
    expect(await byKey.incomingPhoneNumbers.list()).toEqual([]);
    expect((await byKey.api.v2010.accounts(parent.sid).fetch()).sid).toBe(parent.sid);
    await expect(byKey.api.v2010.accounts.list()).rejects.toMatchObject({ status: 401, code: 20003 });
    await expect(byKey.api.v2010.accounts.create({ friendlyName: 'x' })).rejects.toMatchObject({ status: 401, code: 20003 });
    await expect(byKey.api.v2010.accounts(parent.sid).update({ friendlyName: 'x' })).rejects.toMatchObject({ status: 401, code: 20003 });
    await expect(byKey.api.v2010.accounts(parent.sid).keys.list()).rejects.toMatchObject({ status: 401, code: 20003 });
    await expect(byKey.api.v2010.accounts(a.sid).incomingPhoneNumbers.list()).rejects.toMatchObject(notFound);
  });
});
