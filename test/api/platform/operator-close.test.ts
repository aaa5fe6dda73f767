/**
 * Closing a tenant (issue #24 §4, POST /v1/operator/tenants/{id}/close): a dry run lists what a subaccount tenant
 * loses and gives a token bound to that plan; with the token the subaccount is closed at Twilio (read back from
 * the sandbox with the parent's SDK), the tenant's numbers are released and its keys read-only. Shared tenants
 * are refused; a repeat answers the same.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperatorKey, startClosingTenant } from '../../../db/platform/operators';
import { operatorCli } from '../../helpers/operator-cli';
import { buyThroughApi, createTestApi, twilioSdk, waitFor } from '../../helpers/stack';
import { tollfreeDraft } from '../../fixtures/tollfree-draft';

let api: Awaited<ReturnType<typeof createTestApi>>;
let operatorKey: string;
let operatorId: string;
beforeAll(async () => {
  api = await createTestApi();
  const made = await createOperatorKey(api.db, 'operator-close-test');
  operatorKey = made.key;
  operatorId = made.view.id;
});
afterAll(async () => api?.close());

const call = (method: 'GET' | 'POST', url: string, key: string, payload?: unknown) =>
  api.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
const asOperator = (method: 'GET' | 'POST', url: string, payload?: unknown) => call(method, url, operatorKey, payload);
const close = (tenantId: string, body: { confirmationToken?: string } = {}) => asOperator('POST', `/v1/operator/tenants/${tenantId}/close`, body);

async function createTenant(binding: 'shared' | 'subaccount') {
  const res = await asOperator('POST', '/v1/operator/tenants', { name: `op-close-${randomUUID().slice(0, 8)}`, binding });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { tenant: { id: string; name: string }; binding: { kind: string; accountSid: string; status: string }; apiKey: string };
}

interface DryRun {
  tenant: { id: string };
  binding: { kind: string; status: string };
  plan: { numbers: string[]; registrations: unknown[]; trunks: unknown[]; irreversible: boolean };
  confirmationToken: string;
}

async function dryRun(tenantId: string): Promise<DryRun> {
  const res = await close(tenantId);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as DryRun;
}

describe('closing a subaccount tenant', () => {
  it('dry run, plan_changed, close at Twilio, rows released, keys read-only, repeat harmless, audited', async () => {
    const made = await createTenant('subaccount');
    const sid = made.binding.accountSid;
    const tenantAuth = { authorization: `Bearer ${made.apiKey}` };
    const bought = [await buyThroughApi(api.app, tenantAuth, '415'), await buyThroughApi(api.app, tenantAuth, '212')];

    const first = await dryRun(made.tenant.id);
    expect(first.tenant.id).toBe(made.tenant.id);
    expect(first.binding).toMatchObject({ kind: 'subaccount', status: 'active' });
    expect(first.plan).toEqual({ numbers: [...bought].sort(), registrations: [], trunks: [], irreversible: true });
    // A dry run changes nothing.
    expect((await twilioSdk().api.v2010.accounts(sid).fetch()).status).toBe('active');

    const later = await buyThroughApi(api.app, tenantAuth, '646');
    const changed = await close(made.tenant.id, { confirmationToken: first.confirmationToken });
    expect(changed.statusCode, changed.body).toBe(409);
    expect(changed.json().error.code).toBe('plan_changed');
    expect((await twilioSdk().api.v2010.accounts(sid).fetch()).status).toBe('active');

    // A trunk of the tenant's (as its row stands once Twilio made it): listed, and deleted with the account.
    const trunkId = randomUUID();
    const domainName = `close-${trunkId.slice(0, 8)}.pstn.twilio.com`;
    await api.db.query(`INSERT INTO sip_trunks (id, tenant_id, domain_name, status, spec) VALUES ($1, $2, $3, 'active', '{}')`, [trunkId, made.tenant.id, domainName]);

    const second = await dryRun(made.tenant.id);
    expect(second.plan.numbers).toEqual([...bought, later].sort());
    expect(second.plan.trunks).toEqual([{ id: trunkId, domainName }]);
    const atTwilioBefore = await twilioSdk().api.v2010.accounts(sid).incomingPhoneNumbers.list();
    expect(atTwilioBefore.map((n) => n.phoneNumber).sort()).toEqual([...bought, later].sort());

    const closed = await close(made.tenant.id, { confirmationToken: second.confirmationToken });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json()).toMatchObject({ id: made.tenant.id, liveNumbers: 0, binding: { kind: 'subaccount', accountSid: sid, status: 'closed' } });
    expect(closed.json().suspendedAt).not.toBeNull();

    // At Twilio: closed, and (closed accounts act no more) its numbers can no longer be read even by the parent.
    expect((await twilioSdk().api.v2010.accounts(sid).fetch()).status).toBe('closed');
    await expect(twilioSdk().api.v2010.accounts(sid).incomingPhoneNumbers.list()).rejects.toMatchObject({ status: 401 });

    const rows = await api.db.query<{ phone_number: string; status: string; released_at: Date | null }>(
      'SELECT phone_number, status, released_at FROM phone_numbers WHERE tenant_id = $1 ORDER BY phone_number',
      [made.tenant.id],
    );
    expect(rows.rows.map((r) => [r.phone_number, r.status, r.released_at !== null])).toEqual([...bought, later].sort().map((n) => [n, 'released', true]));
    const trunk = await api.db.query<{ status: string }>('SELECT status FROM sip_trunks WHERE id = $1', [trunkId]);
    expect(trunk.rows[0]!.status).toBe('deleted');

    const write = await call('POST', '/v1/api-keys', made.apiKey, { name: 'probe', scopes: ['read'] });
    expect(write.statusCode).toBe(403);
    expect(write.json().error.code).toBe('tenant_suspended');
    const account = await call('GET', '/v1/account', made.apiKey);
    expect(account.statusCode, account.body).toBe(200);
    expect(account.json().binding).toMatchObject({ kind: 'subaccount', accountSid: sid, status: 'closed' });

    const repeat = await close(made.tenant.id, { confirmationToken: second.confirmationToken });
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json()).toEqual(closed.json());
    expect((await close(made.tenant.id)).json()).toEqual(closed.json());
    // Closed is final: no resuming.
    expect((await asOperator('POST', `/v1/operator/tenants/${made.tenant.id}/resume`)).statusCode).toBe(409);

    const trail = (await api.db.query<{ action: string; operator_key_id: string | null; summary: { params: Record<string, unknown> } }>(
      'SELECT action, operator_key_id, summary FROM audit_events WHERE tenant_id = $1 ORDER BY created_at, id',
      [made.tenant.id],
    )).rows;
    const closes = trail.filter((e) => e.action === 'operator.tenants.close');
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({ operator_key_id: operatorId, summary: { params: { accountSid: sid, bindingStatus: 'closed', numbers: 3, registrationsCancelled: 0, trunks: 1 } } });
    expect(trail.filter((e) => e.action === 'POST Accounts').map((e) => e.summary.params)).toContainEqual({ Status: 'closed' });
    expect(JSON.stringify(trail)).not.toContain(second.confirmationToken);
  });

  it('a running registration is cancelled through its workflow (its clean-up done) before the subaccount closes', async () => {
    const made = await createTenant('subaccount');
    const tenantCall = (method: 'GET' | 'POST', url: string, payload?: unknown) => call(method, url, made.apiKey, payload);
    const found = (await tenantCall('GET', '/v1/available-numbers?type=toll-free&limit=1')).json().data[0].phoneNumber as string;
    expect((await tenantCall('POST', '/v1/numbers', { phoneNumber: found })).statusCode).toBe(201);
    const started = await tenantCall('POST', '/v1/tollfree/verifications', tollfreeDraft(found));
    expect(started.statusCode, started.body).toBe(202);
    const id = started.json().id as string;
    // In Twilio's review (the subaccount's sandbox world reviews at its realistic pace): it stays there.
    await waitFor(async () => (await tenantCall('GET', `/v1/tollfree/verifications/${id}`)).json().status === 'in_review', `verification ${id} in review`, 60_000);

    const plan = await dryRun(made.tenant.id);
    expect(plan.plan).toMatchObject({ numbers: [found], registrations: [{ id, product: 'tollfree', status: 'in_review' }], trunks: [] });
    const closed = await close(made.tenant.id, { confirmationToken: plan.confirmationToken });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json().binding.status).toBe('closed');

    const row = await api.db.query<{ status: string; finished_at: Date | null; workflow_id: string }>('SELECT status, finished_at, workflow_id FROM tollfree_verifications WHERE id = $1', [id]);
    expect(row.rows[0]).toMatchObject({ status: 'cancelled', finished_at: expect.any(Date) });
    expect((await api.temporal.workflow.getHandle(row.rows[0]!.workflow_id).describe()).status.name).not.toBe('RUNNING');
    const audited = await api.db.query<{ summary: { params: Record<string, unknown> } }>(`SELECT summary FROM audit_events WHERE tenant_id = $1 AND action = 'operator.tenants.close'`, [made.tenant.id]);
    expect(audited.rows.map((r) => r.summary.params.registrationsCancelled)).toEqual([1]);
  });

  it('a registration whose workflow never started (still queued) is ended by the close, so nothing starts it later', async () => {
    const made = await createTenant('subaccount');
    const number = await buyThroughApi(api.app, { authorization: `Bearer ${made.apiKey}` }, '541');
    // As the API leaves a verification when Temporal is away: its row written, queued, its workflow never started.
    const id = randomUUID();
    const workflowId = `tenant-${made.tenant.id}/tollfree-${id}`;
    await api.db.query(
      `INSERT INTO tollfree_verifications (id, tenant_id, phone_number, number_sid, status, draft, workflow_id) VALUES ($1, $2, $3, $4, 'queued', '{}', $5)`,
      [id, made.tenant.id, number, `PN${'0'.repeat(32)}`, workflowId],
    );
    const plan = await dryRun(made.tenant.id);
    expect(plan.plan.registrations).toEqual([{ id, product: 'tollfree', status: 'queued' }]);
    const closed = await close(made.tenant.id, { confirmationToken: plan.confirmationToken });
    expect(closed.statusCode, closed.body).toBe(200);
    const row = await api.db.query<{ status: string; finished_at: Date | null }>('SELECT status, finished_at FROM tollfree_verifications WHERE id = $1', [id]);
    expect(row.rows[0]).toMatchObject({ status: 'cancelled', finished_at: expect.any(Date) });
    const events = await api.db.query<{ type: string; message: string }>(`SELECT type, message FROM registration_events WHERE product = 'tollfree' AND registration_id = $1`, [id]);
    expect(events.rows).toEqual([{ type: 'cancelled', message: 'cancelled before it started: its tenant was closed' }]);
    await expect(api.temporal.workflow.getHandle(workflowId).describe()).rejects.toThrow();
  });

  it('a close the API stopped midway (binding left closing) is finished by the next close request', async () => {
    const made = await createTenant('subaccount');
    // The confirmed request got as far as its first transaction, and no further.
    await startClosingTenant(api.db, made.tenant.id);
    expect((await twilioSdk().api.v2010.accounts(made.binding.accountSid).fetch()).status).toBe('active');
    const resumed = await close(made.tenant.id);
    expect(resumed.statusCode, resumed.body).toBe(200);
    expect(resumed.json().binding).toMatchObject({ status: 'closed', accountSid: made.binding.accountSid });
    expect((await twilioSdk().api.v2010.accounts(made.binding.accountSid).fetch()).status).toBe('closed');
  });

  it('refuses a token that is not the tenant’s, malformed or forged, naming confirmationToken', async () => {
    const [one, other] = [await createTenant('subaccount'), await createTenant('subaccount')];
    const othersToken = (await dryRun(other.tenant.id)).confirmationToken;
    const own = (await dryRun(one.tenant.id)).confirmationToken;
    const parts = own.split('.');
    const forged = [...parts.slice(0, 2), String(Date.now() + 3_600_000), ...parts.slice(3)].join('.');
    for (const token of [othersToken, 'not-a-token', forged, `${own}x`]) {
      const res = await close(one.tenant.id, { confirmationToken: token });
      expect(res.statusCode, token).toBe(400);
      expect(res.json().error.fields[0].field).toBe('confirmationToken');
    }
    expect((await close(one.tenant.id, { confirmationToken: 'x'.repeat(301) })).statusCode).toBe(400);
    expect((await twilioSdk().api.v2010.accounts(one.binding.accountSid).fetch()).status).toBe('active');
    expect((await asOperator('GET', `/v1/operator/tenants?limit=100`)).statusCode).toBe(200);
  });

  it('a shared tenant: 409 close_not_supported; a tenant key: 401; an unknown tenant: 404', async () => {
    const shared = await createTenant('shared');
    const refused = await close(shared.tenant.id);
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'close_not_supported', message: expect.stringMatching(/bulk release/) });
    const byTenant = await call('POST', `/v1/operator/tenants/${shared.tenant.id}/close`, shared.apiKey, {});
    expect(byTenant.statusCode).toBe(401);
    expect((await close(randomUUID())).statusCode).toBe(404);
  });
});

describe('npm run operator -- tenants close', () => {
  it('prints the plan and the token without --confirm, and closes with it', async () => {
    const made = await createTenant('subaccount');
    const baseUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const run = operatorCli(baseUrl, operatorKey);
    const plan = (await run('tenants', 'close', made.tenant.id)) as DryRun;
    expect(plan.plan).toEqual({ numbers: [], registrations: [], trunks: [], irreversible: true });
    expect((await twilioSdk().api.v2010.accounts(made.binding.accountSid).fetch()).status).toBe('active');
    const closed = await run('tenants', 'close', made.tenant.id, '--confirm', plan.confirmationToken);
    expect(closed.binding.status).toBe('closed');
    expect((await twilioSdk().api.v2010.accounts(made.binding.accountSid).fetch()).status).toBe('closed');
  });
});
