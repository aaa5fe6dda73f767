import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buyThroughApi, createTestApi, newTenant, stack, twilioSdk } from '../../helpers/stack';

let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => api.close());

it('releasing a number in one of the tenant’s A2P Messaging Services removes it from the service first, and the registration says so', async () => {
  const tenant = await newTenant(api.db, 'release-mg');
  const number = await buyThroughApi(api.app, tenant.headers, '213');
  const sdk = twilioSdk();
  const pn = (await sdk.api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ phoneNumber: number }))[0]!;
  // A completed registration whose campaign's service sends from this number (its state names the numbers it attached).
  const service = await sdk.messaging.v1.services.create({ friendlyName: 'release test' });
  await sdk.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: pn.sid });
  const registrationId = randomUUID();
  await api.db.query(
    `INSERT INTO a2p_registrations (id, tenant_id, status, step, draft, state, workflow_id, finished_at)
     VALUES ($1, $2, 'completed', 'done', '{}', $3, $4, now())`,
    [registrationId, tenant.tenantId, JSON.stringify({ sids: { messagingService: service.sid }, numbers: { attached: [number], refused: [] } }), `tenant-${tenant.tenantId}/a2p-${registrationId}`],
  );

  const released = await api.app.inject({ method: 'DELETE', url: `/v1/numbers/${encodeURIComponent(number)}`, headers: tenant.headers });
  expect(released.statusCode).toBe(200);
  expect(released.json().status).toBe('released');
  expect(await sdk.messaging.v1.services(service.sid).phoneNumbers.list()).toEqual([]);
  const view = (await api.app.inject({ method: 'GET', url: `/v1/a2p/registrations/${registrationId}`, headers: tenant.headers })).json();
  expect(view.timeline).toContainEqual(expect.objectContaining({ type: 'number', message: `${number} removed from Messaging Service ${service.sid} before its release` }));

  // Another tenant's service is never touched: its number stays in it when the other tenant releases its own.
  const other = await newTenant(api.db, 'release-mg-other');
  const mine = await buyThroughApi(api.app, other.headers, '213');
  const minePn = (await sdk.api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ phoneNumber: mine }))[0]!;
  await sdk.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: minePn.sid }).catch(() => undefined);
  expect((await api.app.inject({ method: 'DELETE', url: `/v1/numbers/${encodeURIComponent(mine)}`, headers: other.headers })).statusCode).toBe(200);
  const events = (await api.app.inject({ method: 'GET', url: `/v1/a2p/registrations/${registrationId}`, headers: tenant.headers })).json().timeline;
  expect(events.filter((e: { type: string }) => e.type === 'number')).toHaveLength(1);
});
