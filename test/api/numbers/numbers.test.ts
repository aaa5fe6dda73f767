import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, newTenant, ownedInSandbox, sandboxControl, stack, twilioSdk } from '../../helpers/stack';

let api: Awaited<ReturnType<typeof createTestApi>>;
let alice: Awaited<ReturnType<typeof newTenant>>;
let bob: Awaited<ReturnType<typeof newTenant>>;

beforeAll(async () => {
  api = await createTestApi();
  alice = await newTenant(api.db, 'alice');
  bob = await newTenant(api.db, 'bob');
});
afterAll(async () => api.close());

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: object) =>
  api.app.inject({ method, url, headers, payload });

describe('single-number operations through the API', () => {
  it('searches, buys, lists, configures and releases a number', async () => {
    const search = await call('GET', '/v1/available-numbers?areaCode=415&limit=5&smsEnabled=true', alice.headers);
    expect(search.statusCode).toBe(200);
    const found = search.json().data as { phoneNumber: string; capabilities: { sms: boolean } }[];
    expect(found).toHaveLength(5);
    for (const n of found) {
      expect(n.phoneNumber).toMatch(/^\+1415\d{7}$/);
      expect(n.capabilities.sms).toBe(true);
    }
    const target = found[0]!.phoneNumber;

    const bought = await call('POST', '/v1/numbers', alice.headers, { phoneNumber: target, voiceUrl: 'https://example.com/voice' });
    expect(bought.statusCode).toBe(201);
    expect(bought.json()).toMatchObject({ phoneNumber: target, status: 'active', config: { voiceUrl: 'https://example.com/voice' } });
    expect(bought.json().twilioSid).toMatch(/^PN[0-9a-f]{32}$/);
    expect(await ownedInSandbox(target)).toEqual([target]);

    const again = await call('GET', '/v1/available-numbers?areaCode=415&limit=100', alice.headers);
    expect(again.json().data.map((n: { phoneNumber: string }) => n.phoneNumber)).not.toContain(target);

    const list = await call('GET', '/v1/numbers?limit=10', alice.headers);
    expect(list.statusCode).toBe(200);
    expect(list.json().data.map((n: { phoneNumber: string }) => n.phoneNumber)).toContain(target);

    const configured = await call('PATCH', `/v1/numbers/${encodeURIComponent(target)}`, alice.headers, {
      smsUrl: 'https://example.com/sms',
      friendlyName: 'Support line',
    });
    expect(configured.statusCode).toBe(200);
    expect(configured.json()).toMatchObject({
      friendlyName: 'Support line',
      config: { voiceUrl: 'https://example.com/voice', smsUrl: 'https://example.com/sms' },
    });
    const [inTwilio] = await twilioSdk().api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ phoneNumber: target });
    expect(inTwilio?.smsUrl).toBe('https://example.com/sms');
    expect(inTwilio?.friendlyName).toBe('Support line');

    const released = await call('DELETE', `/v1/numbers/${encodeURIComponent(target)}`, alice.headers);
    expect(released.statusCode).toBe(200);
    expect(released.json()).toMatchObject({ status: 'released' });
    expect(await ownedInSandbox(target)).toEqual([]);
    const gone = await call('DELETE', `/v1/numbers/${encodeURIComponent(target)}`, alice.headers);
    expect(gone.statusCode).toBe(404);
  });

  it('surfaces Twilio error 21422 when the number is not available', async () => {
    const search = await call('GET', '/v1/available-numbers?areaCode=212&limit=1', alice.headers);
    const target = search.json().data[0].phoneNumber as string;
    expect((await call('POST', '/v1/numbers', alice.headers, { phoneNumber: target })).statusCode).toBe(201);
    const second = await call('POST', '/v1/numbers', bob.headers, { phoneNumber: target });
    expect(second.statusCode).toBe(409);
    expect(second.json().error).toMatchObject({ code: 'number_unavailable', twilio: { code: 21422 } });
    // Bought outside this service: our records know nothing, Twilio itself answers 21422.
    const outside = (await call('GET', '/v1/available-numbers?areaCode=212&limit=1', alice.headers)).json().data[0].phoneNumber;
    await twilioSdk().api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.create({ phoneNumber: outside });
    const never = await call('POST', '/v1/numbers', alice.headers, { phoneNumber: outside });
    expect(never.statusCode).toBe(409);
    expect(never.json().error.twilio.code).toBe(21422);
    expect(never.json().error.message).not.toMatch(/held by another purchase/);
  });

  it('an Idempotency-Key makes a repeated buy join the first instead of buying twice', async () => {
    const target = (await call('GET', '/v1/available-numbers?areaCode=312&limit=1', alice.headers)).json().data[0].phoneNumber;
    const headers = { ...alice.headers, 'idempotency-key': 'buy-once-1' };
    const [a, b] = await Promise.all([
      call('POST', '/v1/numbers', headers, { phoneNumber: target }),
      call('POST', '/v1/numbers', headers, { phoneNumber: target }),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json().twilioSid).toBe(b.json().twilioSid);
    // Long after the first finished, the same key still answers with the same purchase.
    const later = await call('POST', '/v1/numbers', headers, { phoneNumber: target });
    expect(later.statusCode).toBe(201);
    expect(later.json().twilioSid).toBe(a.json().twilioSid);
    expect(await ownedInSandbox(target)).toEqual([target]);
  });

  it('a purchase whose response was lost is recorded once, not bought twice', async () => {
    await sandboxControl('POST', 'faults', { timeoutAfterCommitRate: 1, timeoutMode: 'drop' });
    try {
      const target = (await call('GET', '/v1/available-numbers?areaCode=646&limit=1', alice.headers)).json().data[0].phoneNumber;
      // Every write is committed and then its connection dropped: the retry must find the number already owned.
      const bought = await call('POST', '/v1/numbers', { ...alice.headers, 'idempotency-key': 'lost-1' }, { phoneNumber: target });
      expect(bought.statusCode).toBe(201);
      expect(await ownedInSandbox(target)).toEqual([target]);
      // The failed attempt is in the workflow history, without the credentials the HTTP client held.
      const history = JSON.stringify(
        await api.temporal.workflow.getHandle(`tenant-${alice.tenantId}/buy-${target}-lost-1`).fetchHistory(),
      );
      expect(history).toContain('TwilioTransportError');
      expect(history).not.toContain(stack.authToken);
      expect(history).not.toContain(Buffer.from(`${stack.accountSid}:${stack.authToken}`).toString('base64'));
    } finally {
      await sandboxControl('DELETE', 'faults');
    }
  });
});

describe('tenants', () => {
  it('refuses missing and wrong API keys with 401', async () => {
    expect((await call('GET', '/v1/numbers', {})).statusCode).toBe(401);
    const wrong = await call('GET', '/v1/numbers', { authorization: 'Bearer tp_not-a-key' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('unauthorized');
  });

  it("hides one tenant's numbers from another (404, no existence leak)", async () => {
    const target = (await call('GET', '/v1/available-numbers?areaCode=617&limit=1', alice.headers)).json().data[0].phoneNumber;
    expect((await call('POST', '/v1/numbers', alice.headers, { phoneNumber: target })).statusCode).toBe(201);
    const path = `/v1/numbers/${encodeURIComponent(target)}`;
    expect((await call('GET', path, bob.headers)).statusCode).toBe(404);
    expect((await call('PATCH', path, bob.headers, { smsUrl: 'https://evil.example/sms' })).statusCode).toBe(404);
    expect((await call('DELETE', path, bob.headers)).statusCode).toBe(404);
    const bobs = await call('GET', '/v1/numbers', bob.headers);
    expect(bobs.json().data.map((n: { phoneNumber: string }) => n.phoneNumber)).not.toContain(target);
    expect(await ownedInSandbox(target)).toEqual([target]);
    expect((await call('GET', path, alice.headers)).json().status).toBe('active');
  });
});

describe('bad input gets a 400 naming the field', () => {
  it.each([
    ['GET', '/v1/available-numbers?areaCode=12', undefined, 'areaCode'],
    ['GET', '/v1/available-numbers?limit=0', undefined, 'limit'],
    ['POST', '/v1/numbers', { phoneNumber: '4155550100' }, 'phoneNumber'],
    ['POST', '/v1/numbers', { phoneNumber: '+14155550100', voiceUrl: 'not a url' }, 'voiceUrl'],
    ['POST', '/v1/numbers', { phoneNumber: '+14155550100', extra: 1 }, 'body'],
    ['PATCH', '/v1/numbers/+14155550100', {}, 'body'],
    ['GET', '/v1/numbers?cursor=garbage', undefined, 'cursor'],
    ['GET', '/v1/numbers/12345', undefined, 'phoneNumber'],
  ] as const)('%s %s → 400 on %s', async (method, url, payload, field) => {
    const res = await call(method, url, alice.headers, payload);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('invalid_request');
    expect(JSON.stringify(body.error.fields)).toContain(field);
  });
});

describe('inventory listing', () => {
  it('paginates with a cursor, newest first, without repeats', async () => {
    const carol = await newTenant(api.db, 'carol');
    const found = (await call('GET', '/v1/available-numbers?areaCode=718&limit=5', carol.headers)).json().data;
    for (const n of found) {
      expect((await call('POST', '/v1/numbers', carol.headers, { phoneNumber: n.phoneNumber })).statusCode).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call('GET', `/v1/numbers?limit=2${cursor ? `&cursor=${cursor}` : ''}`, carol.headers);
      expect(page.statusCode).toBe(200);
      seen.push(...page.json().data.map((n: { phoneNumber: string }) => n.phoneNumber));
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect(seen[0]).toBe(found[4].phoneNumber);
  });
});
