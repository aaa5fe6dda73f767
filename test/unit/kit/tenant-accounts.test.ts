/**
 * Issue #24 §1–2 in the worker's Twilio client, against a local HTTP server standing in for Twilio (it records
 * what reaches it): a bound tenant's requests go to its own account with its own credentials, a shared tenant's
 * and tenant-less ones are unchanged, a paused account gets no request, and a `byo` account's refused
 * credentials (401 / 20003) are marked invalid once and pause the work — as a retryable failure with the
 * configured delay, never with a secret in it. And the resolver's short cache.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wrapActivities } from '../../../activities/kit/activity-wrappers';
import { ACCOUNT_CACHE_MS, createTenantAccounts, type TenantAccounts } from '../../../activities/kit/tenant-accounts';
import { createTwilioClient } from '../../../activities/kit/twilio-client';
import { isAccountPaused, TwilioAccountPaused } from '../../../activities/kit/twilio-errors';
import type { Db } from '../../../db/kit/pool';
import type { BindingStatusReason, BoundAccount } from '../../../db/platform/twilio-bindings';
import type { SecretBox } from '../../../db/platform/secrets';

const DEPLOYMENT = 'AC' + 'd'.repeat(32);
const DEPLOYMENT_TOKEN = 'deployment-token';
const BYO = 'AC' + 'b'.repeat(32);
const BYO_TOKEN = 'byo-token-secret';
const KEY_SID = 'SK' + 'e'.repeat(32);
const KEY_SECRET = 'key-secret-value';
const PAUSE_MS = 1_234;

interface Seen {
  method: string;
  path: string;
  user: string;
  password: string;
}

/** Twilio's stand-in: records each request and answers `reply` (an account resource by default). */
let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let reply: (req: IncomingMessage) => { status: number; body: unknown } = () => ({ status: 200, body: {} });

beforeAll(async () => {
  server = createServer((req, res) => {
    const [user = '', password = ''] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':');
    seen.push({ method: req.method!, path: req.url!, user, password });
    req.resume();
    req.on('end', () => {
      const { status, body } = reply(req);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen = [];
  reply = () => ({ status: 200, body: { sid: BYO, phone_numbers: [] } });
});

const bound = (over: Partial<BoundAccount> = {}): BoundAccount => ({
  tenantId: 'tenant-byo', kind: 'byo', accountSid: BYO, status: 'active', credentialsVersion: 3,
  username: BYO, password: BYO_TOKEN, maxConcurrency: null, primaryProfileSid: null, ...over,
});

/** A resolver over fixed bindings, recording what it was told. */
function fixedAccounts(bindings: Record<string, BoundAccount>) {
  const refused: { account: BoundAccount; reason: BindingStatusReason }[] = [];
  const forgotten: string[] = [];
  const accounts: TenantAccounts = {
    accountFor: async (tenantId) => bindings[tenantId] ?? null,
    forget: (tenantId) => void forgotten.push(tenantId),
    credentialsRefused: async (account, reason) => void refused.push({ account, reason }),
  };
  return { accounts, refused, forgotten };
}

function clientWith(accounts: TenantAccounts) {
  const twilio = createTwilioClient({ accountSid: DEPLOYMENT, authToken: DEPLOYMENT_TOKEN, baseUrl, timeoutMs: 2_000, accounts, pauseRetryMs: PAUSE_MS });
  // Activities as the worker runs them: in the audit scope their input names, paused accounts made retryable.
  return wrapActivities({
    listNumbers: async (_: { tenantId?: string }) => twilio.api.v2010.accounts(twilio.accountSid).incomingPhoneNumbers.list({ phoneNumber: '+1209', limit: 5 }),
    lookUp: async (_: { tenantId?: string }) => twilio.lookups.v2.phoneNumbers('+12095550100').fetch(),
  });
}

describe('the client of a tenant’s own account', () => {
  it('a shared tenant and a request of no tenant go to the deployment’s account, signed by it', async () => {
    const { accounts } = fixedAccounts({ 'tenant-byo': bound() });
    const activities = clientWith(accounts);
    await activities.listNumbers({ tenantId: 'tenant-shared' });
    await activities.listNumbers({});
    expect(seen.map((s) => [s.path.split('?')[0], s.user, s.password])).toEqual([
      [`/2010-04-01/Accounts/${DEPLOYMENT}/IncomingPhoneNumbers.json`, DEPLOYMENT, DEPLOYMENT_TOKEN],
      [`/2010-04-01/Accounts/${DEPLOYMENT}/IncomingPhoneNumbers.json`, DEPLOYMENT, DEPLOYMENT_TOKEN],
    ]);
  });

  it('a bound tenant’s 2010 paths name its account, other products’ paths are unchanged; both signed by its credentials', async () => {
    const { accounts } = fixedAccounts({ 'tenant-byo': bound() });
    const activities = clientWith(accounts);
    await activities.listNumbers({ tenantId: 'tenant-byo' });
    await activities.lookUp({ tenantId: 'tenant-byo' });
    expect(seen.map((s) => [s.path, s.user, s.password])).toEqual([
      [`/2010-04-01/Accounts/${BYO}/IncomingPhoneNumbers.json?PhoneNumber=%2B1209&PageSize=5`, BYO, BYO_TOKEN],
      ['/v2/PhoneNumbers/+12095550100', BYO, BYO_TOKEN],
    ]);
  });

  it('an API key signs as the key (SK…) while the path names the account', async () => {
    const { accounts } = fixedAccounts({ 'tenant-byo': bound({ username: KEY_SID, password: KEY_SECRET }) });
    await clientWith(accounts).listNumbers({ tenantId: 'tenant-byo' });
    expect(seen.map((s) => [s.path.split('?')[0], s.user, s.password])).toEqual([[`/2010-04-01/Accounts/${BYO}/IncomingPhoneNumbers.json`, KEY_SID, KEY_SECRET]]);
  });

  it.each(['credentials_invalid', 'suspended', 'closing', 'closed', 'creating'] as const)(
    'an account %s gets no request: the activity fails retryably, after the pause delay, naming no secret',
    async (status) => {
      const { accounts } = fixedAccounts({ 'tenant-byo': bound({ status }) });
      const failure = await clientWith(accounts).listNumbers({ tenantId: 'tenant-byo' }).catch((err: unknown) => err);
      expect(seen).toEqual([]);
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: 'TwilioAccountPaused', nonRetryable: false, nextRetryDelay: PAUSE_MS, details: [{ accountSid: BYO, status }] });
      expect(JSON.stringify({ ...(failure as object), message: (failure as Error).message })).not.toContain(BYO_TOKEN);
    },
  );

  it('a byo account’s refused credentials (401 / 20003) are marked invalid with what failed, and the work pauses', async () => {
    reply = () => ({ status: 401, body: { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 } });
    const { accounts, refused } = fixedAccounts({ 'tenant-byo': bound() });
    const failure = await clientWith(accounts).listNumbers({ tenantId: 'tenant-byo' }).catch((err: unknown) => err);
    // A read is not retried on a refusal: one request, one mark.
    expect(seen).toHaveLength(1);
    expect(refused).toEqual([
      { account: bound(), reason: { code: 20003, message: 'Authenticate', method: 'GET', path: `/2010-04-01/Accounts/${BYO}/IncomingPhoneNumbers.json` } },
    ]);
    expect(failure).toMatchObject({ type: 'TwilioAccountPaused', nonRetryable: false, nextRetryDelay: PAUSE_MS, details: [{ accountSid: BYO, status: 'credentials_invalid' }] });
    expect((failure as Error).message).not.toContain(BYO_TOKEN);
  });

  it('a 20003 for a subaccount, or another 401 for a byo account, is Twilio’s answer as before: nothing is marked', async () => {
    reply = (req) => (req.url!.startsWith('/v2/')
      ? { status: 401, body: { code: 20005, message: 'Account not active', status: 401 } }
      : { status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } });
    const { accounts, refused } = fixedAccounts({ 'tenant-sub': bound({ tenantId: 'tenant-sub', kind: 'subaccount' }), 'tenant-byo': bound() });
    const activities = clientWith(accounts);
    await expect(activities.listNumbers({ tenantId: 'tenant-sub' })).rejects.toMatchObject({ status: 401, code: 20003 });
    await expect(activities.lookUp({ tenantId: 'tenant-byo' })).rejects.toMatchObject({ status: 401, code: 20005 });
    expect(refused).toEqual([]);
  });
});

describe('the paused error', () => {
  it('is recognised by the predicate the per-item catches use, and only it', () => {
    expect(isAccountPaused(new TwilioAccountPaused(BYO, 'suspended', 1))).toBe(true);
    expect(isAccountPaused(Object.assign(new Error('x'), { status: 401, code: 20003 }))).toBe(false);
    expect(isAccountPaused(null)).toBe(false);
  });
});

describe('createTenantAccounts', () => {
  /** A database that answers boundAccountOf's query with `row` (none: a shared tenant), counting queries. */
  function fakeDb(row: () => Record<string, unknown> | null | Error) {
    let queries = 0;
    const db = {
      async query() {
        queries += 1;
        const r = row();
        if (r instanceof Error) throw r;
        return { rows: r ? [r] : [], rowCount: r ? 1 : 0 };
      },
    } as unknown as Db;
    return { db, queries: () => queries };
  }
  const box = { open: (sealed: string) => sealed.replace(/^sealed:/, '') } as unknown as SecretBox;
  const row = (over: Record<string, unknown> = {}) => ({
    tenant_id: 'tenant-byo', kind: 'byo', account_sid: BYO, status: 'active', status_reason: null, status_changed_at: new Date(),
    credentials_version: 1, credential_kind: 'auth_token', api_key_sid: null, credentials_box: `sealed:${BYO_TOKEN}`, max_concurrency: null, primary_profile_sid: null, ...over,
  });

  it('reads a binding once for a burst of requests, again once the cache time has passed or the entry is forgotten', async () => {
    let now = 1_000_000;
    const { db, queries } = fakeDb(() => row());
    const accounts = createTenantAccounts({ db, box, now: () => now });
    const burst = await Promise.all(Array.from({ length: 20 }, () => accounts.accountFor('tenant-byo')));
    expect(queries()).toBe(1);
    expect(burst[0]).toMatchObject({ accountSid: BYO, username: BYO, password: BYO_TOKEN, status: 'active', kind: 'byo' });
    now += ACCOUNT_CACHE_MS - 1;
    await accounts.accountFor('tenant-byo');
    expect(queries()).toBe(1);
    now += 2;
    await accounts.accountFor('tenant-byo');
    expect(queries()).toBe(2);
    accounts.forget('tenant-byo');
    await accounts.accountFor('tenant-byo');
    expect(queries()).toBe(3);
    // Marking the credentials invalid (one UPDATE) drops the entry too: the next request sees the new status.
    await accounts.credentialsRefused(burst[0]!, { code: 20003, message: 'Authenticate', method: 'GET', path: '/x' });
    expect(queries()).toBe(4);
    await accounts.accountFor('tenant-byo');
    expect(queries()).toBe(5);
  });

  it('an API key binding signs as the key; a shared tenant is null; a failed read is not kept', async () => {
    let answer: Record<string, unknown> | null | Error = row({ credential_kind: 'api_key', api_key_sid: KEY_SID, credentials_box: `sealed:${KEY_SECRET}` });
    const { db, queries } = fakeDb(() => answer);
    const accounts = createTenantAccounts({ db, box });
    expect(await accounts.accountFor('tenant-byo')).toMatchObject({ accountSid: BYO, username: KEY_SID, password: KEY_SECRET });
    answer = null;
    expect(await accounts.accountFor('tenant-shared')).toBeNull();
    answer = new Error('connection lost');
    await expect(accounts.accountFor('tenant-other')).rejects.toThrow('connection lost');
    answer = null;
    expect(await accounts.accountFor('tenant-other')).toBeNull();
    expect(queries()).toBe(4);
  });
});
