import { afterAll, beforeAll, expect, it } from 'vitest';
import { buyThroughApi, createTestApi, newTenant } from '../../helpers/stack';
import { waitForTrunk } from '../../helpers/sip';

let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => api?.close());

const PASSWORD = 'Audit-Secret-2026x';

it('every Twilio write is in the tenant’s audit trail, with its SID and without secrets; filters and pages work; nobody else sees it', async () => {
  const tenant = await newTenant(api.db, 'audit');
  const other = await newTenant(api.db, 'audit-other');
  const get = (url: string, headers = tenant.headers) => api.app.inject({ method: 'GET', url, headers });

  // A purchase, a configuration and a release of one number.
  const number = await buyThroughApi(api.app, tenant.headers, '417');
  const configured = await api.app.inject({ method: 'PATCH', url: `/v1/numbers/${encodeURIComponent(number)}`, headers: tenant.headers, payload: { voiceUrl: 'https://example.com/voice' } });
  expect(configured.statusCode).toBe(200);
  const sid = configured.json().twilioSid as string;
  // A trunk with a credential list: its password must never reach the trail.
  const trunk = await api.app.inject({
    method: 'POST', url: '/v1/sip/trunks', headers: tenant.headers,
    payload: { friendlyName: 'Audited', originationUris: [{ sipUrl: 'sip:audit.example.com' }], termination: { credentialLists: [{ friendlyName: 'ops', credentials: [{ username: 'agent', password: PASSWORD }] }] } },
  });
  expect(trunk.statusCode).toBe(202);
  const trunkId = trunk.json().id as string;
  const provisioned = await waitForTrunk(api.app, tenant.headers, trunkId);
  expect(provisioned.status, JSON.stringify(provisioned.operation)).toBe('active');
  const released = await api.app.inject({ method: 'DELETE', url: `/v1/numbers/${encodeURIComponent(number)}`, headers: tenant.headers });
  expect(released.statusCode).toBe(200);

  const all = await get('/v1/audit?limit=200');
  expect(all.statusCode).toBe(200);
  const events = all.json().data as { action: string; activity: string; resourceSid: string | null; trunkId: string | null; summary: { params: Record<string, unknown> } }[];
  const forNumber = events.filter((e) => e.resourceSid === sid).map((e) => `${e.action} (${e.activity})`);
  expect(forNumber).toEqual(['DELETE IncomingPhoneNumbers (releaseNumber)', 'POST IncomingPhoneNumbers (configureNumber)', 'POST IncomingPhoneNumbers (purchaseNumber)']);
  expect(events.find((e) => e.activity === 'purchaseNumber')?.summary.params).toMatchObject({ PhoneNumber: number });
  const trunkWrites = events.filter((e) => e.trunkId === trunkId);
  expect(trunkWrites.map((e) => e.action)).toEqual(expect.arrayContaining(['POST Trunks', 'POST Trunks/OriginationUrls', 'POST SIP/CredentialLists/Credentials']));
  const credential = trunkWrites.find((e) => e.action === 'POST SIP/CredentialLists/Credentials')!;
  expect(credential.summary.params.Password).toBe('[redacted]');
  expect(all.body).not.toContain(PASSWORD);
  const stored = await api.db.query('SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1 AND summary::text LIKE $2', [tenant.tenantId, `%${PASSWORD}%`]);
  expect(stored.rows[0].n).toBe(0);

  // Filters, and cursor pages that add up to the whole.
  const bySid = (await get(`/v1/audit?resourceSid=${sid}`)).json().data as unknown[];
  expect(bySid).toHaveLength(3);
  expect(((await get(`/v1/audit?trunkId=${trunkId}`)).json().data as unknown[]).length).toBe(trunkWrites.length);
  expect(((await get('/v1/audit?action=DELETE%20IncomingPhoneNumbers')).json().data as unknown[]).length).toBe(1);
  const seen: string[] = [];
  for (let cursor: string | null = ''; cursor !== null; ) {
    const page = (await get(`/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json() as { data: { id: string }[]; nextCursor: string | null };
    seen.push(...page.data.map((e: { id: string }) => e.id));
    cursor = page.nextCursor;
  }
  expect(seen).toHaveLength(events.length);
  expect(new Set(seen).size).toBe(events.length);

  // Another tenant's trail is its own.
  expect((await get('/v1/audit', other.headers)).json().data).toEqual([]);
  expect((await get(`/v1/audit?resourceSid=${sid}`, other.headers)).json().data).toEqual([]);
  // Bad filters are a 400 naming the field.
  const bad = await get('/v1/audit?since=yesterday');
  expect(bad.statusCode).toBe(400);
  expect(bad.json().error.fields[0].field).toBe('since');
});
