import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioProClient, TwilioProError, type Job, type TwilioProClient } from '@twilio-pro/client';
import { clientTypesFor, clientTypesPath } from '../../dev/generate-client-types';
import { createTestApi, newTenant, ownedInSandbox } from '../helpers/stack';

/** The typed client against the real API over HTTP (real worker, Temporal, PostgreSQL, sandbox). */
let api: Awaited<ReturnType<typeof createTestApi>>;
let baseUrl: string;
let alice: TwilioProClient;
let bob: TwilioProClient;

beforeAll(async () => {
  api = await createTestApi();
  baseUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
  alice = createTwilioProClient({ baseUrl, apiKey: (await newTenant(api.db, 'client-alice')).apiKey });
  bob = createTwilioProClient({ baseUrl, apiKey: (await newTenant(api.db, 'client-bob')).apiKey });
});
afterAll(() => api?.close());

describe('the typed client', () => {
  it('its committed types are exactly what the API publishes at /openapi.json (run `npm run client:generate` after an API change)', async () => {
    const published = (await fetch(`${baseUrl}/openapi.json`).then((r) => r.json())) as Record<string, unknown>;
    const committed = await readFile(clientTypesPath, 'utf8');
    expect(committed).toBe(await clientTypesFor(published));
  });

  it('searches and buys; a repeated buy with the same Idempotency-Key joins the first (one number at Twilio)', async () => {
    const found = await alice.numbers.search({ areaCode: '267', limit: 2 });
    const target = found.data[0]!.phoneNumber;
    const first = await alice.numbers.buy({ phoneNumber: target, friendlyName: 'client test' }, { idempotencyKey: 'client-buy-267' });
    const again = await alice.numbers.buy({ phoneNumber: target, friendlyName: 'client test' }, { idempotencyKey: 'client-buy-267' });
    expect(first).toMatchObject({ phoneNumber: target, status: 'active' });
    expect(again).toMatchObject({ phoneNumber: target, twilioSid: (first as { twilioSid: string }).twilioSid });
    expect(await ownedInSandbox(target)).toEqual([target]);
    expect((await alice.numbers.get(target)).friendlyName).toBe('client test');
  });

  it('waitFor follows a bulk buy with back-off, reporting progress; pages come as an async iterator', async () => {
    const started = await alice.jobs.bulkBuy({ areaCode: '267', quantity: 6, concurrency: 2 });
    const seen: Job[] = [];
    const done = await alice.waitFor({ job: started.id }, { intervalMs: 50, maxIntervalMs: 400, onProgress: (j) => seen.push(j) });
    expect(done.status).toBe('succeeded');
    expect(done.counts).toMatchObject({ requested: 6, succeeded: 6, failed: 0 });
    expect(seen.at(-1)).toEqual(done);
    const succeededSoFar = seen.map((j) => j.counts.succeeded);
    expect(succeededSoFar).toEqual([...succeededSoFar].sort((a, b) => a - b)); // never goes back

    const items = [];
    for await (const item of alice.jobs.iterateItems(started.id, { limit: 2 })) items.push(item);
    expect(items).toHaveLength(6);
    expect(new Set(items.map((i) => i.phoneNumber)).size).toBe(6);

    const mine = [];
    for await (const n of alice.numbers.iterate({ limit: 2, status: 'active' })) mine.push(n.phoneNumber);
    expect(mine).toHaveLength(7); // the six and the one bought above, across four pages
    expect(await ownedInSandbox('+1267')).toHaveLength(7);
  });

  it('errors are typed: the fields at fault, Twilio’s code, the request id; other tenants see nothing', async () => {
    const bad = await alice.jobs.bulkBuy({ areaCode: '123', quantity: 0 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(TwilioProError);
    const err = bad as TwilioProError;
    expect(err.status).toBe(400);
    expect(err.fields.map((f) => f.field).sort()).toEqual(['areaCode', 'quantity']);
    expect(err.requestId).toMatch(/.+/);

    const taken = (await alice.numbers.list({ limit: 1 })).data[0]!.phoneNumber;
    const twilio = (await bob.numbers.buy({ phoneNumber: taken }).catch((e: unknown) => e)) as TwilioProError;
    expect(twilio.status).toBe(409);
    expect(twilio.twilio?.code).toBe(21422);

    const job = (await alice.jobs.list({ limit: 1 })).data[0]!;
    const hidden = (await bob.jobs.get(job.id).catch((e: unknown) => e)) as TwilioProError;
    expect([hidden.status, hidden.code]).toEqual([404, 'not_found']);

    const nobody = createTwilioProClient({ baseUrl, apiKey: 'tp_not_a_key' });
    expect(await nobody.jobs.list().catch((e: TwilioProError) => [e.status, e.code])).toEqual([401, 'unauthorized']);
    const away = createTwilioProClient({ baseUrl: 'http://127.0.0.1:1', apiKey: 'x' });
    expect(await away.jobs.list().catch((e: TwilioProError) => [e.status, e.code])).toEqual([0, 'network_error']);
  });

  it('trades a key for a session token: the token reads as the key, can’t make another, and stops at sign-out', async () => {
    const session = await alice.sessions.create({ ttlMinutes: 15 });
    expect(session.token).toMatch(/^tps_/);
    const viaToken = createTwilioProClient({ baseUrl, apiKey: session.token });
    expect((await viaToken.apiKeys.current()).id).toBe(session.keyId);
    await expect(viaToken.sessions.create()).rejects.toMatchObject({ status: 403, code: 'api_key_required' });
    expect(await viaToken.sessions.revoke()).toMatchObject({ keyId: session.keyId });
    await expect(viaToken.jobs.list()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(Date.parse((await alice.sessions.create()).expiresAt) - Date.now()).toBeGreaterThan(59 * 60_000); // no body: the default hour
  });

    it('looks a number up, typed: the packages with their age, then the same from the cache at no cost', async () => {
    const first = await alice.lookups.get('+12675550201', { fields: 'line_type_intelligence' });
    expect(first).toMatchObject({ valid: true, costUsd: 0.008, packages: { line_type_intelligence: { fromCache: false, data: { type: 'nonFixedVoip' } } } });
    expect((await alice.lookups.get('+12675550201', { fields: 'line_type_intelligence' })).costUsd).toBe(0);
    await expect(alice.lookups.get('+12675550201', { fields: 'horoscope' })).rejects.toMatchObject({ status: 400, fields: [expect.objectContaining({ field: expect.stringContaining('fields') })] });
  });

  it('waitFor follows a trunk to active and shows its health findings', async () => {
    const created = await alice.trunks.create({ friendlyName: 'Client trunk', originationUris: [{ sipUrl: 'sip:agents.example.com' }] });
    const trunk = await alice.waitFor({ trunk: created.id }, { intervalMs: 100 });
    expect(trunk.status).toBe('active');
    expect(trunk.trunkSid).toMatch(/^TK/);
    expect(trunk.health.map((h) => h.code)).toContain('single_origination_uri');
    expect(trunk.health.every((h) => h.fix.length > 0)).toBe(true);
  });
});
