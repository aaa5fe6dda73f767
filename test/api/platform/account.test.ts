/**
 * GET /v1/account: the tenant and the Twilio account its work runs under (issue #24 §1). A tenant without a
 * binding row is `shared` (the deployment's account); a bound tenant sees its own binding, never another's,
 * and never a credential.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioProClient } from '@twilio-pro/client';
import { bindingByAccount, bindingOf } from '../../../db/platform/twilio-bindings';
import { issueApiKey } from '../../../db/platform/tenants';
import { createTestApi, newTenant } from '../../helpers/stack';

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
