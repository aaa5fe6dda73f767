/**
 * GET /v1/account: the tenant and the Twilio account its work runs under (issue #24 §1). A tenant without a
 * binding row is `shared` (the deployment's account); a bound tenant sees its own binding, never another's,
 * and never a credential.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioProClient } from '@twilio-pro/client';
import { bindingByAccount, bindingOf, markCredentialsInvalid } from '../../../db/platform/twilio-bindings';
import { createTwilioClient } from '../../../activities/kit/twilio-client';
import { issueApiKey } from '../../../db/platform/tenants';
import { buyThroughApi, createTestApi, newTenant, stack, twilioSdk } from '../../helpers/stack';

let api: Awaited<ReturnType<typeof createTestApi>>;
let baseUrl: string;
beforeAll(async () => {
  api = await createTestApi();
  baseUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => api?.close());

const getAccount = (headers: Record<string, string>) => api.app.inject({ method: 'GET', url: '/v1/account', headers });
const tenantName = async (tenantId: string) => (await api.db.query<{ name: string }>('SELECT name FROM tenants WHERE id = $1', [tenantId])).rows[0]!.name;
const newAccountSid = () => `AC${randomBytes(16).toString('hex')}`;

/** Every key anywhere in a JSON value, nested ones included. */
const keysOf = (value: unknown): string[] =>
  value && typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]) : [];

/** Binds a tenant to its own account whose credentials Twilio refused, as the 20003 pause (E4) will. */
async function bindByoRefused(tenantId: string, accountSid: string) {
  await api.db.query(
    `INSERT INTO tenant_twilio_bindings (tenant_id, kind, account_sid, status, status_reason, status_changed_at)
     VALUES ($1, 'byo', $2, 'credentials_invalid', $3, '2026-12-01T10:00:00Z')`,
    [tenantId, accountSid, { code: 20003, message: 'Authenticate', method: 'GET', path: `/2010-04-01/Accounts/${accountSid}.json` }],
  );
}

describe('GET /v1/account', () => {
  it("a new tenant is shared: the deployment's account, active, no reason; its own id and name", async () => {
    const tenant = await newTenant(api.db, 'account-shared');
    const res = await getAccount(tenant.headers);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      tenant: { id: tenant.tenantId, name: await tenantName(tenant.tenantId) },
      binding: { kind: 'shared', accountSid: api.config.TWILIO_ACCOUNT_SID, status: 'active', statusReason: null },
    });
  });

  it("a bound tenant sees its own account and why it is paused; another tenant still sees shared", async () => {
    const bound = await newTenant(api.db, 'account-byo');
    const other = await newTenant(api.db, 'account-other');
    const accountSid = newAccountSid();
    await bindByoRefused(bound.tenantId, accountSid);

    expect((await getAccount(bound.headers)).json()).toEqual({
      tenant: { id: bound.tenantId, name: await tenantName(bound.tenantId) },
      binding: {
        kind: 'byo',
        accountSid,
        status: 'credentials_invalid',
        statusReason: { code: 20003, message: 'Authenticate', at: '2026-12-01T10:00:00.000Z' },
      },
    });
    const others = (await getAccount(other.headers)).json();
    expect(others.tenant.id).toBe(other.tenantId);
    expect(others.binding).toMatchObject({ kind: 'shared', accountSid: api.config.TWILIO_ACCOUNT_SID, status: 'active' });
  });

  it('a read key may read it, through the typed client too; nothing in it looks like a secret', async () => {
    const tenant = await newTenant(api.db, 'account-read');
    const reader = await issueApiKey(api.db, tenant.tenantId, { name: 'viewer', scopes: ['read'] });
    const res = await getAccount({ authorization: `Bearer ${reader.apiKey}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().tenant.id).toBe(tenant.tenantId);

    const client = createTwilioProClient({ baseUrl, apiKey: reader.apiKey });
    expect(await client.account.get()).toEqual(res.json());

    for (const body of [res.body, (await getAccount(tenant.headers)).body]) {
      expect(body).not.toContain(api.config.TWILIO_AUTH_TOKEN);
      expect(body).not.toContain(reader.apiKey);
      expect(keysOf(JSON.parse(body)).filter((k) => /token|secret|password|key|credential/i.test(k))).toEqual([]);
    }
  });

  it('without a key: 401', async () => {
    expect((await getAccount({})).statusCode).toBe(401);
  });
});

describe('binding store', () => {
  it('no row is shared and active; a bound account names its one tenant; an unknown or the deployment account names none', async () => {
    const tenant = await newTenant(api.db, 'account-store');
    expect(await bindingOf(api.db, tenant.tenantId)).toEqual({ kind: 'shared', accountSid: null, status: 'active', statusReason: null, statusChangedAt: null });
    const accountSid = newAccountSid();
    await bindByoRefused(tenant.tenantId, accountSid);
    expect(await bindingByAccount(api.db, accountSid)).toMatchObject({ tenantId: tenant.tenantId, kind: 'byo', accountSid, status: 'credentials_invalid' });
    expect(await bindingByAccount(api.db, newAccountSid())).toBeNull();
    expect(await bindingByAccount(api.db, api.config.TWILIO_ACCOUNT_SID)).toBeNull();
  });

  it('one tenant per Twilio account, and a shared binding names no account', async () => {
    const [first, second] = [await newTenant(api.db, 'account-one'), await newTenant(api.db, 'account-two')];
    const accountSid = newAccountSid();
    await bindByoRefused(first.tenantId, accountSid);
    await expect(bindByoRefused(second.tenantId, accountSid)).rejects.toMatchObject({ code: '23505' });
    await expect(
      api.db.query(`INSERT INTO tenant_twilio_bindings (tenant_id, kind, account_sid) VALUES ($1, 'shared', $2)`, [second.tenantId, newAccountSid()]),
    ).rejects.toMatchObject({ code: '23514' });
  });
});

describe('PUT /v1/account/credentials: the tenant’s own Twilio account (byo)', () => {
  /** A Twilio account of the tenant's own at the sandbox: top-level, not under the deployment's. */
  async function ownAccount(): Promise<{ sid: string; authToken: string }> {
    const res = await fetch(`${stack.sandboxUrl}/__sandbox/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(201);
    return res.json() as Promise<{ sid: string; authToken: string }>;
  }
  const put = (headers: Record<string, string>, payload: unknown) => api.app.inject({ method: 'PUT', url: '/v1/account/credentials', headers, payload: payload as object });
  const sdkAs = (accountSid: string, authToken: string) => createTwilioClient({ accountSid, authToken, baseUrl: stack.sandboxUrl, timeoutMs: 10_000 });
  const sealedOf = async (tenantId: string) =>
    (await api.db.query<{ credentials_box: string | null; credential_kind: string | null }>('SELECT credentials_box, credential_kind FROM tenant_twilio_bindings WHERE tenant_id = $1', [tenantId])).rows[0];
  const auditOf = async (tenantId: string) =>
    (await api.db.query<{ action: string; summary: unknown }>(`SELECT action, summary FROM audit_events WHERE tenant_id = $1 AND action = 'account.credentials_set'`, [tenantId])).rows;

  it('wrong token: 400 naming authToken with Twilio’s 20003, nothing kept; the right one: byo, active, sealed, never shown', async () => {
    const tenant = await newTenant(api.db, 'creds-token');
    const own = await ownAccount();
    const wrong = await put(tenant.headers, { accountSid: own.sid, authToken: 'f'.repeat(32) });
    expect(wrong.statusCode, wrong.body).toBe(400);
    expect(wrong.json().error).toMatchObject({ code: 'invalid_request', fields: [{ field: 'authToken', message: expect.stringContaining('20003') }], twilio: { code: 20003 } });
    expect(await bindingOf(api.db, tenant.tenantId)).toMatchObject({ kind: 'shared' });

    const right = await put(tenant.headers, { accountSid: own.sid, authToken: own.authToken });
    expect(right.statusCode, right.body).toBe(200);
    expect(right.json()).toEqual({ tenant: { id: tenant.tenantId, name: await tenantName(tenant.tenantId) }, binding: { kind: 'byo', accountSid: own.sid, status: 'active', statusReason: null } });
    expect((await getAccount(tenant.headers)).json()).toEqual(right.json());
    const sealed = await sealedOf(tenant.tenantId);
    expect(sealed).toMatchObject({ credential_kind: 'auth_token', credentials_box: expect.stringMatching(/^v2\./) });
    expect(sealed!.credentials_box).not.toContain(own.authToken);
    const audit = await auditOf(tenant.tenantId);
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).toContain(own.sid);
    for (const text of [right.body, (await getAccount(tenant.headers)).body, JSON.stringify(audit)]) expect(text).not.toContain(own.authToken);
  });

  it('an API key of the account works; a wrong secret is a 400 naming apiKeySecret', async () => {
    const tenant = await newTenant(api.db, 'creds-key');
    const own = await ownAccount();
    const key = await sdkAs(own.sid, own.authToken).api.v2010.accounts(own.sid).newKeys.create({ friendlyName: 'twilio-pro' });
    const wrong = await put(tenant.headers, { accountSid: own.sid, apiKeySid: key.sid, apiKeySecret: 'x'.repeat(32) });
    expect(wrong.statusCode, wrong.body).toBe(400);
    expect(wrong.json().error.fields).toEqual([{ field: 'apiKeySecret', message: expect.stringContaining('20003') }]);
    const right = await put(tenant.headers, { accountSid: own.sid, apiKeySid: key.sid, apiKeySecret: key.secret });
    expect(right.statusCode, right.body).toBe(200);
    expect(right.json().binding).toMatchObject({ kind: 'byo', accountSid: own.sid, status: 'active' });
    expect(await sealedOf(tenant.tenantId)).toMatchObject({ credential_kind: 'api_key' });
    expect(right.body).not.toContain(key.secret);
  });

  it('bad shapes are 400s naming the field, before Twilio is asked', async () => {
    const tenant = await newTenant(api.db, 'creds-shape');
    const own = await ownAccount();
    const cases: [unknown, string][] = [
      [{ accountSid: 'AC123', authToken: own.authToken }, 'accountSid'],
      [{ accountSid: own.sid }, 'authToken'],
      [{ accountSid: own.sid, authToken: own.authToken, apiKeySid: `SK${'0'.repeat(32)}`, apiKeySecret: 'y'.repeat(32) }, 'authToken'],
      [{ accountSid: own.sid, apiKeySecret: 'y'.repeat(32) }, 'apiKeySid'],
      [{ accountSid: own.sid, authToken: own.authToken, password: 'x' }, ''],
      [{ accountSid: own.sid, authToken: 'short' }, 'authToken'],
    ];
    for (const [payload, field] of cases) {
      const res = await put(tenant.headers, payload);
      expect(res.statusCode, `${JSON.stringify(payload)}: ${res.body}`).toBe(400);
      if (field) expect(res.json().error.fields.map((f: { field: string }) => f.field), res.body).toContain(field);
      expect(res.body).not.toContain(own.authToken);
    }
    expect(await bindingOf(api.db, tenant.tenantId)).toMatchObject({ kind: 'shared' });
  });

  it('admin scope only; the deployment’s account and its subaccounts are refused; one tenant per account', async () => {
    const tenant = await newTenant(api.db, 'creds-refusals');
    const writer = await issueApiKey(api.db, tenant.tenantId, { name: 'writer', scopes: ['read', 'write'] });
    const own = await ownAccount();
    expect((await put({ authorization: `Bearer ${writer.apiKey}` }, { accountSid: own.sid, authToken: own.authToken })).statusCode).toBe(403);

    const deployment = await put(tenant.headers, { accountSid: stack.accountSid, authToken: stack.authToken });
    expect(deployment.statusCode).toBe(400);
    expect(deployment.json().error.fields[0].field).toBe('accountSid');
    const sub = await twilioSdk().api.v2010.accounts.create({ friendlyName: `creds-refusals ${tenant.tenantId}` });
    const subRes = await put(tenant.headers, { accountSid: sub.sid, authToken: sub.authToken });
    expect(subRes.statusCode, subRes.body).toBe(400);
    expect(subRes.json().error.fields[0]).toMatchObject({ field: 'accountSid', message: expect.stringContaining('subaccount') });

    expect((await put(tenant.headers, { accountSid: own.sid, authToken: own.authToken })).statusCode).toBe(200);
    const second = await newTenant(api.db, 'creds-second');
    const taken = await put(second.headers, { accountSid: own.sid, authToken: own.authToken });
    expect(taken.statusCode, taken.body).toBe(409);
    expect(taken.json().error.code).toBe('account_already_bound');
    expect(await bindingOf(api.db, second.tenantId)).toMatchObject({ kind: 'shared' });
  });

  it('a primary customer profile must be the account’s and approved', async () => {
    const tenant = await newTenant(api.db, 'creds-profile');
    const own = await ownAccount();
    const unknown = await put(tenant.headers, { accountSid: own.sid, authToken: own.authToken, primaryCustomerProfileSid: `BU${'1'.repeat(32)}` });
    expect(unknown.statusCode, unknown.body).toBe(400);
    expect(unknown.json().error.fields[0].field).toBe('primaryCustomerProfileSid');
    const draft = await sdkAs(own.sid, own.authToken).trusthub.v1.customerProfiles.create({ friendlyName: 'Own primary', email: 'ops@own.example', policySid: 'RNdfbf3fae0e1107f8aded0e7cead80bf5' });
    const notApproved = await put(tenant.headers, { accountSid: own.sid, authToken: own.authToken, primaryCustomerProfileSid: draft.sid });
    expect(notApproved.statusCode, notApproved.body).toBe(400);
    expect(notApproved.json().error.fields[0]).toEqual({ field: 'primaryCustomerProfileSid', message: 'is draft at Twilio, not twilio-approved' });
    expect(await bindingOf(api.db, tenant.tenantId)).toMatchObject({ kind: 'shared' });
  });

  it('new credentials resume a paused binding; moving away while holding numbers is refused', async () => {
    const tenant = await newTenant(api.db, 'creds-resume');
    const own = await ownAccount();
    expect((await put(tenant.headers, { accountSid: own.sid, authToken: own.authToken })).statusCode).toBe(200);
    const version = (await api.db.query<{ v: number }>('SELECT credentials_version AS v FROM tenant_twilio_bindings WHERE tenant_id = $1', [tenant.tenantId])).rows[0]!.v;
    expect(await markCredentialsInvalid(api.db, tenant.tenantId, version, { code: 20003, message: 'Authenticate' })).toBe(true);
    expect((await getAccount(tenant.headers)).json().binding).toMatchObject({ status: 'credentials_invalid', statusReason: { code: 20003 } });
    // A failure seen with credentials older than the current ones marks nothing.
    expect(await markCredentialsInvalid(api.db, tenant.tenantId, version - 1, { code: 20003, message: 'Authenticate' })).toBe(false);

    const rotated = await fetch(`${stack.sandboxUrl}/__sandbox/accounts/${own.sid}/rotate-token`, { method: 'POST' }).then((r) => r.json() as Promise<{ authToken: string }>);
    // Through the typed client, as a tenant's admin tooling would.
    const resumed = await createTwilioProClient({ baseUrl, apiKey: tenant.apiKey }).account.setCredentials({ accountSid: own.sid, authToken: rotated.authToken });
    expect(resumed.binding).toEqual({ kind: 'byo', accountSid: own.sid, status: 'active', statusReason: null });

    const holder = await newTenant(api.db, 'creds-holder');
    await buyThroughApi(api.app, holder.headers, '415');
    const other = await ownAccount();
    const refused = await put(holder.headers, { accountSid: other.sid, authToken: other.authToken });
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json().error.code).toBe('tenant_has_numbers');
  });
});
