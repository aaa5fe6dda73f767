import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account as configured, startSandbox } from './sandbox-fixture';

/**
 * An account's credentials at the sandbox: the accounts v1 auth-token rotation (secondary, promote), a rotation
 * done in Twilio's Console (control API), and 2010 API keys — what each makes authenticate, and what stops.
 */
type Fixture = Awaited<ReturnType<typeof startSandbox>>;
let fx: Fixture;
beforeAll(async () => {
  fx = await startSandbox(43);
});
afterAll(async () => fx.close());

/** The official SDK with the given Basic-auth user and password, acting on `accountSid`. */
function clientFor(user: string, password: string, accountSid: string) {
  const client = twilio(user, password, { accountSid, autoRetry: false });
  for (const d of ['api', 'accounts'] as const) (client[d] as unknown as { baseUrl: string }).baseUrl = fx.url;
  return client;
}

/** A top-level account of its own (the configured account's token stays put for the other test files). */
async function newAccount() {
  const { sid, authToken } = (await fx.control('POST', 'accounts', {})).body as { sid: string; authToken: string };
  const as = (password: string) => clientFor(sid, password, sid);
  return { sid, authToken, as, api: as(authToken).api.v2010.accounts(sid), v1: as(authToken).accounts.v1 };
}

const rejected = { status: 401, code: 20003 };
/** A 2010 read any valid credential of the account may make. */
const canRead = (client: ReturnType<typeof clientFor>, sid: string) => client.api.v2010.accounts(sid).incomingPhoneNumbers.list();

describe('auth-token rotation: secondary, then promote', () => {
  it('promote makes the secondary the primary: the old primary gets 401 / 20003, the new one works', async () => {
    const a = await newAccount();
    const secondary = await a.v1.secondaryAuthToken().create();
    expect(secondary).toMatchObject({ accountSid: a.sid, url: `${fx.url}/v1/AuthTokens/Secondary` });
    expect(secondary.secondaryAuthToken).toMatch(/^[0-9a-f]{32}$/);
    expect(secondary.secondaryAuthToken).not.toBe(a.authToken);

    const promoted = await a.v1.authTokenPromotion().update();
    expect(promoted).toMatchObject({ accountSid: a.sid, authToken: secondary.secondaryAuthToken, dateCreated: secondary.dateCreated });

    await expect(canRead(a.as(a.authToken), a.sid)).rejects.toMatchObject(rejected);
    expect(await canRead(a.as(secondary.secondaryAuthToken), a.sid)).toEqual([]);
  });

  it('promote with no secondary, or deleting none, is 404 / 20404 and changes nothing', async () => {
    const a = await newAccount();
    await expect(a.v1.authTokenPromotion().update()).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(a.v1.secondaryAuthToken().remove()).rejects.toMatchObject({ status: 404, code: 20404 });
    expect(await canRead(a.as(a.authToken), a.sid)).toEqual([]);
  });

  it('a deleted secondary can no longer be promoted; the primary keeps working', async () => {
    const a = await newAccount();
    await a.v1.secondaryAuthToken().create();
    expect(await a.v1.secondaryAuthToken().remove()).toBe(true);
    await expect(a.v1.authTokenPromotion().update()).rejects.toMatchObject({ status: 404, code: 20404 });
    expect(await canRead(a.as(a.authToken), a.sid)).toEqual([]);
  });

  it('creating a secondary again replaces it: promote then installs the newer one', async () => {
    const a = await newAccount();
    const first = await a.v1.secondaryAuthToken().create();
    const second = await a.v1.secondaryAuthToken().create();
    expect(second.secondaryAuthToken).not.toBe(first.secondaryAuthToken);
    expect((await a.v1.authTokenPromotion().update()).authToken).toBe(second.secondaryAuthToken);
    await expect(canRead(a.as(first.secondaryAuthToken), a.sid)).rejects.toMatchObject(rejected);
  });

  it("rotates one account's token only", async () => {
    const a = await newAccount();
    const b = await newAccount();
    await a.v1.secondaryAuthToken().create();
    await a.v1.authTokenPromotion().update();
    expect(await canRead(b.as(b.authToken), b.sid)).toEqual([]);
    await expect(b.v1.authTokenPromotion().update()).rejects.toMatchObject({ status: 404, code: 20404 });
  });
});

describe('rotation in the Console (POST /__sandbox/accounts/{AC}/rotate-token)', () => {
  it('gives a new primary token: the stored one gets 401 / 20003, the new one works, a pending secondary is gone', async () => {
    const a = await newAccount();
    await a.v1.secondaryAuthToken().create();
    const rotated = await fx.control('POST', `accounts/${a.sid}/rotate-token`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.sid).toBe(a.sid);
    expect(rotated.body.authToken).toMatch(/^[0-9a-f]{32}$/);
    expect(rotated.body.authToken).not.toBe(a.authToken);

    await expect(canRead(a.as(a.authToken), a.sid)).rejects.toMatchObject(rejected);
    const fresh = a.as(rotated.body.authToken);
    expect(await canRead(fresh, a.sid)).toEqual([]);
    await expect(fresh.accounts.v1.authTokenPromotion().update()).rejects.toMatchObject({ status: 404, code: 20404 });
  });

  it('is 404 for an account the sandbox does not know', async () => {
    const unknown = await fx.control('POST', `accounts/AC${'0'.repeat(32)}/rotate-token`);
    expect(unknown.status).toBe(404);
  });

  it('the global reset gives a configured account its starting token back and forgets its keys', async () => {
    const starting = configured.authToken; // a string: `configured` is the very object the sandbox was given
    const rotated = await fx.control('POST', `accounts/${configured.sid}/rotate-token`);
    const byRotated = clientFor(configured.sid, rotated.body.authToken, configured.sid);
    await byRotated.api.v2010.accounts(configured.sid).newKeys.create({ friendlyName: 'before reset' });
    await expect(canRead(clientFor(configured.sid, starting, configured.sid), configured.sid)).rejects.toMatchObject(rejected);

    expect((await fx.control('POST', 'reset')).status).toBe(200);
    const restored = clientFor(configured.sid, starting, configured.sid);
    expect(await canRead(restored, configured.sid)).toEqual([]);
    expect(await restored.api.v2010.accounts(configured.sid).keys.list()).toEqual([]);
    await expect(canRead(byRotated, configured.sid)).rejects.toMatchObject(rejected);
  });
});

describe('API keys (2010 Keys)', () => {
  it('create returns the SK… sid and the secret once; list, fetch and update never show the secret', async () => {
    const a = await newAccount();
    const created = await a.api.newKeys.create({ friendlyName: 'worker' });
    expect(created.sid).toMatch(/^SK[0-9a-f]{32}$/);
    expect(created.secret).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(created.friendlyName).toBe('worker');

    const raw = (path: string) => fetch(`${fx.url}/2010-04-01/Accounts/${a.sid}/${path}`, {
      headers: { authorization: `Basic ${Buffer.from(`${a.sid}:${a.authToken}`).toString('base64')}` },
    }).then(async (r) => ({ status: r.status, text: await r.text() }));
    for (const path of ['Keys.json', `Keys/${created.sid}.json`]) {
      const res = await raw(path);
      expect(res.status).toBe(200);
      expect(res.text).toContain(created.sid);
      expect(res.text).not.toContain(created.secret);
      expect(res.text).not.toContain('"secret"');
    }

    const renamed = await a.api.keys(created.sid).update({ friendlyName: 'worker 2' });
    expect(renamed).toMatchObject({ sid: created.sid, friendlyName: 'worker 2' });
    expect(JSON.stringify(renamed.toJSON())).not.toContain(created.secret);
    expect((await a.api.keys(created.sid).fetch()).friendlyName).toBe('worker 2');
    expect((await a.api.keys.list()).map((k) => k.sid)).toEqual([created.sid]);
  });

  it('delete removes the key: fetch, update and a second delete are 404 / 20404', async () => {
    const a = await newAccount();
    const keep = await a.api.newKeys.create({ friendlyName: 'keep' });
    const gone = await a.api.newKeys.create({ friendlyName: 'gone' });
    expect(await a.api.keys(gone.sid).remove()).toBe(true);
    await expect(a.api.keys(gone.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(a.api.keys(gone.sid).update({ friendlyName: 'x' })).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(a.api.keys(gone.sid).remove()).rejects.toMatchObject({ status: 404, code: 20404 });
    expect((await a.api.keys.list()).map((k) => k.sid)).toEqual([keep.sid]);
  });

  it("keys are the account's own: another account sees none of them and can't reach them by path", async () => {
    const a = await newAccount();
    const b = await newAccount();
    const key = await a.api.newKeys.create({ friendlyName: 'a only' });
    expect(await b.api.keys.list()).toEqual([]);
    await expect(b.api.keys(key.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    const bOnAPath = clientFor(b.sid, b.authToken, a.sid).api.v2010.accounts(a.sid);
    await expect(bOnAPath.keys(key.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(bOnAPath.keys(key.sid).remove()).rejects.toMatchObject({ status: 404, code: 20404 });
    expect((await a.api.keys(key.sid).fetch()).friendlyName).toBe('a only');
  });

  it('keys survive a token rotation (they are separate credentials)', async () => {
    const a = await newAccount();
    const key = await a.api.newKeys.create({ friendlyName: 'survivor' });
    const rotated = await fx.control('POST', `accounts/${a.sid}/rotate-token`);
    const api = clientFor(a.sid, rotated.body.authToken, a.sid).api.v2010.accounts(a.sid);
    expect((await api.keys.list()).map((k) => k.sid)).toEqual([key.sid]);
  });

  it('a standard API key cannot manage keys or the auth token (401 / 20003)', async () => {
    const a = await newAccount();
    const key = await a.api.newKeys.create({ friendlyName: 'standard' });
    const byKey = clientFor(key.sid, key.secret, a.sid);
    expect(await canRead(byKey, a.sid)).toEqual([]); // the key is valid: what follows is refused for what it asks
    await expect(byKey.api.v2010.accounts(a.sid).keys.list()).rejects.toMatchObject(rejected);
    await expect(byKey.api.v2010.accounts(a.sid).newKeys.create()).rejects.toMatchObject(rejected);
    await expect(byKey.api.v2010.accounts(a.sid).keys(key.sid).remove()).rejects.toMatchObject(rejected);
    await expect(byKey.accounts.v1.secondaryAuthToken().create()).rejects.toMatchObject(rejected);
    await expect(byKey.accounts.v1.authTokenPromotion().update()).rejects.toMatchObject(rejected);
    expect((await a.api.keys.list()).map((k) => k.sid)).toEqual([key.sid]);
    await expect(a.v1.authTokenPromotion().update()).rejects.toMatchObject({ status: 404, code: 20404 });
  });
});

describe('what authenticates (the Twilio pipeline accepts the secondary token and API keys)', () => {
  it('during a rotation both tokens authenticate; after promote only the new one does', async () => {
    const a = await newAccount();
    const { secondaryAuthToken } = await a.v1.secondaryAuthToken().create();
    expect(await canRead(a.as(a.authToken), a.sid)).toEqual([]);
    expect(await canRead(a.as(secondaryAuthToken), a.sid)).toEqual([]);
    // The switch-over: clients already on the secondary promote it themselves.
    await a.as(secondaryAuthToken).accounts.v1.authTokenPromotion().update();
    await expect(canRead(a.as(a.authToken), a.sid)).rejects.toMatchObject(rejected);
    expect(await canRead(a.as(secondaryAuthToken), a.sid)).toEqual([]);
  });

  it('a replaced, deleted or Console-discarded secondary authenticates no more', async () => {
    const a = await newAccount();
    const replaced = (await a.v1.secondaryAuthToken().create()).secondaryAuthToken;
    const deleted = (await a.v1.secondaryAuthToken().create()).secondaryAuthToken;
    await expect(canRead(a.as(replaced), a.sid)).rejects.toMatchObject(rejected);
    expect(await canRead(a.as(deleted), a.sid)).toEqual([]);
    await a.v1.secondaryAuthToken().remove();
    await expect(canRead(a.as(deleted), a.sid)).rejects.toMatchObject(rejected);

    const discarded = (await a.v1.secondaryAuthToken().create()).secondaryAuthToken;
    await fx.control('POST', `accounts/${a.sid}/rotate-token`);
    await expect(canRead(a.as(discarded), a.sid)).rejects.toMatchObject(rejected);
  });

  it("an API key authenticates as its account, for the account's own resources, until it is deleted", async () => {
    const a = await newAccount();
    const b = await newAccount();
    const key = await a.api.newKeys.create({ friendlyName: 'worker' });
    const byKey = clientFor(key.sid, key.secret, a.sid);
    const [available] = await byKey.api.v2010.accounts(a.sid).availablePhoneNumbers('US').local.list({ areaCode: 415, limit: 1 });
    const bought = await byKey.api.v2010.accounts(a.sid).incomingPhoneNumbers.create({ phoneNumber: available!.phoneNumber });
    expect(bought.accountSid).toBe(a.sid);
    expect((await a.api.incomingPhoneNumbers.list()).map((n) => n.sid)).toEqual([bought.sid]);
    await expect(clientFor(key.sid, key.secret, b.sid).api.v2010.accounts(b.sid).incomingPhoneNumbers.list()).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(canRead(clientFor(key.sid, 'not the secret', a.sid), a.sid)).rejects.toMatchObject(rejected);

    await a.api.keys(key.sid).remove();
    await expect(canRead(byKey, a.sid)).rejects.toMatchObject(rejected);
  });

  it('an API key keeps working across a token rotation', async () => {
    const a = await newAccount();
    const key = await a.api.newKeys.create({ friendlyName: 'survivor' });
    await fx.control('POST', `accounts/${a.sid}/rotate-token`);
    expect(await canRead(clientFor(key.sid, key.secret, a.sid), a.sid)).toEqual([]);
  });
});
