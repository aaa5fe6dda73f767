import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAreaCode } from '../../sandbox/inventory';
import { realisticDurations } from '../../sandbox/review-clock';
import { account, startSandbox } from './sandbox-fixture';

/**
 * Each sandbox account has its own world — faults, failure rules, stats, review clock, inventory lane,
 * deliveries — so test files on different accounts share one sandbox without seeing each other.
 */
type Fixture = Awaited<ReturnType<typeof startSandbox>>;
let fx: Fixture;
const seed = 21;
beforeAll(async () => {
  fx = await startSandbox(seed); // realistic review durations: nothing completes unless a clock is advanced
});
afterAll(async () => fx.close());
const day = 86_400_000;

/** An account created through the control API, with an SDK client and its scoped control routes. */
async function newAccount() {
  const created = await fx.control('POST', 'accounts', {});
  expect(created.status).toBe(201);
  const { sid, authToken } = created.body as { sid: string; authToken: string };
  const client = twilio(sid, authToken);
  for (const d of ['api', 'messaging'] as const) (client[d] as unknown as { baseUrl: string }).baseUrl = fx.url;
  return {
    sid,
    api: client.api.v2010.accounts(sid),
    messaging: client.messaging.v1,
    control: (method: string, path: string, body?: unknown) => fx.control(method, `accounts/${sid}/${path}`, body),
  };
}
type Account = Awaited<ReturnType<typeof newAccount>>;

const numbersIn = async (a: Account, areaCode: number, limit = 50) =>
  (await a.api.availablePhoneNumbers('US').local.list({ areaCode, limit })).map((n) => n.phoneNumber);

async function submitTollfreeVerification(a: Account) {
  const [available] = await a.api.availablePhoneNumbers('US').tollFree.list({ limit: 1 });
  const number = await a.api.incomingPhoneNumbers.create({ phoneNumber: available!.phoneNumber });
  return a.messaging.tollfreeVerifications.create({
    businessName: 'Acme', businessWebsite: 'https://acme.example', notificationEmail: 'ops@acme.example', useCaseCategories: ['ACCOUNT_NOTIFICATIONS'],
    useCaseSummary: 'Order notifications for customers who opted in at checkout', productionMessageSample: 'Acme: your order shipped. Reply STOP to opt out.',
    optInImageUrls: ['https://acme.example/optin.png'], optInType: 'WEB_FORM', messageVolume: '1,000', tollfreePhoneNumberSid: number.sid,
  });
}
const statusOf = async (a: Account, sid: string) => (await a.messaging.tollfreeVerifications(sid).fetch()).status;

describe('per-account worlds', () => {
  it('faults and the delivery mode set for one account leave the other (and the configured account) untouched', async () => {
    const a = await newAccount();
    const b = await newAccount();
    expect((await a.control('POST', 'faults', { errorRate5xx: 1, a2pPacingMs: 0 })).status).toBe(200);
    await a.control('POST', 'deliveries', { mode: 'drop' });
    await expect(a.api.incomingPhoneNumbers.list()).rejects.toSatisfy((e: { status: number }) => e.status >= 500);
    expect(await b.api.incomingPhoneNumbers.list()).toEqual([]);
    expect((await b.control('GET', 'faults')).body).toMatchObject({ errorRate5xx: 0, a2pPacingMs: 1000 });
    expect((await fx.control('GET', 'faults')).body).toMatchObject({ errorRate5xx: 0, a2pPacingMs: 1000 });
    expect((await b.control('GET', 'deliveries')).body.mode).toBe('normal');
    expect((await a.control('GET', 'stats')).body.accounts[a.sid].injected5xx).toBe(1);
    expect((await b.control('GET', 'stats')).body.accounts[b.sid].injected5xx).toBe(0);
  });

  it("a failure rule queued for one account is not consumed by the other's matching request", async () => {
    const a = await newAccount();
    const b = await newAccount();
    await a.control('POST', 'failures', { method: 'GET', path: '/2010-04-01/Accounts/*/IncomingPhoneNumbers.json', status: 503, code: 20503 });
    expect(await b.api.incomingPhoneNumbers.list()).toEqual([]);
    expect((await a.control('GET', 'failures')).body.failures).toHaveLength(1);
    await expect(a.api.incomingPhoneNumbers.list()).rejects.toMatchObject({ status: 503, code: 20503 });
    expect((await a.control('GET', 'failures')).body.failures).toEqual([]);
    expect((await b.control('GET', 'stats')).body.total.injectedFailures).toBe(0);
  });

  it("one account's clock advance and review preset leave the other's pending reviews where they were", async () => {
    const a = await newAccount();
    const b = await newAccount();
    const va = await submitTollfreeVerification(a);
    const vb = await submitTollfreeVerification(b);
    await a.control('POST', 'clock/advance', { ms: 15 * day });
    expect(await statusOf(a, va.sid)).toBe('TWILIO_APPROVED');
    expect(await statusOf(b, vb.sid)).toBe('PENDING_REVIEW');
    const bNow = Date.parse((await b.control('GET', 'reviews')).body.now);
    expect(bNow).toBeLessThan(Date.now() + day);

    await a.control('POST', 'reviews', { preset: 'fast' });
    expect((await b.control('GET', 'reviews')).body.durations).toEqual(realisticDurations);
    // A review B starts now still takes realistic time: 2.5 s of B's clock is nowhere near it.
    const vb2 = await submitTollfreeVerification(b);
    await b.control('POST', 'clock/advance', { ms: 2500 });
    expect(await statusOf(b, vb2.sid)).toBe('PENDING_REVIEW');
    await b.control('POST', 'clock/advance', { ms: 14 * day });
    expect(await statusOf(b, vb.sid)).toBe('TWILIO_APPROVED');
  });

  it('stats are counted per account; the scoped reset zeroes only that account; unscoped stats sum every account', async () => {
    const a = await newAccount();
    const b = await newAccount();
    await a.api.incomingPhoneNumbers.list();
    await a.api.incomingPhoneNumbers.list();
    await b.api.incomingPhoneNumbers.list();
    const scopedA = (await a.control('GET', 'stats')).body;
    expect(Object.keys(scopedA.accounts)).toEqual([a.sid]);
    expect(scopedA.total).toMatchObject({ requests: 2, byStatus: { 200: 2 } });
    expect((await b.control('GET', 'stats')).body.total.requests).toBe(1);
    const all = (await fx.control('GET', 'stats')).body;
    expect(all.accounts[a.sid].requests).toBe(2);
    expect(all.accounts[b.sid].requests).toBe(1);
    expect(all.total.requests).toBe(Object.values(all.accounts as Record<string, { requests: number }>).reduce((n, s) => n + s.requests, 0));

    await a.control('POST', 'stats/reset');
    expect((await a.control('GET', 'stats')).body.total.requests).toBe(0);
    expect((await b.control('GET', 'stats')).body.total.requests).toBe(1);
  });

  it('inventories are disjoint: the same area code offers each account different numbers, and one cannot buy the other’s', async () => {
    const a = await newAccount();
    const b = await newAccount();
    const offeredA = await numbersIn(a, 415);
    const offeredB = await numbersIn(b, 415);
    expect(offeredA).toHaveLength(50);
    expect(offeredB).toHaveLength(50);
    expect(offeredA.filter((n) => offeredB.includes(n))).toEqual([]);
    // The configured account still gets the generator's plain sequence, whoever asked first.
    const configured = await fx.sdk().api.v2010.accounts(account.sid).availablePhoneNumbers('US').local.list({ areaCode: 415, limit: 50 });
    expect(configured.map((n) => n.phoneNumber)).toEqual(generateAreaCode(seed, '415', 50).map((n) => n.phoneNumber));
    expect(configured.filter((n) => offeredA.includes(n.phoneNumber) || offeredB.includes(n.phoneNumber))).toEqual([]);

    const bought = await a.api.incomingPhoneNumbers.create({ phoneNumber: offeredA[0]! });
    await expect(b.api.incomingPhoneNumbers.create({ phoneNumber: offeredA[1]! })).rejects.toMatchObject({ status: 400, code: 21422 });
    const byAreaCode = await b.api.incomingPhoneNumbers.create({ areaCode: '415' });
    expect(byAreaCode.phoneNumber).toBe(offeredB[0]);
    expect(await numbersIn(a, 415)).not.toContain(bought.phoneNumber);
  });

  it('the scoped reset clears the world and the account’s numbers, which are never offered or sold again', async () => {
    const a = await newAccount();
    const b = await newAccount();
    const owned = await a.api.incomingPhoneNumbers.create({ phoneNumber: (await numbersIn(a, 212, 1))[0]! });
    const pending = await submitTollfreeVerification(a);
    await a.control('POST', 'faults', { latencyMs: 5, a2pPacingMs: 0 });
    await a.control('POST', 'failures', { path: '/nowhere', status: 500, code: 20500 });
    await a.control('POST', 'reviews', { preset: 'fast' });
    await a.control('POST', 'clock/advance', { ms: 3 * day });
    await a.control('POST', 'deliveries', { mode: 'duplicate' });
    await a.control('POST', 'inventory', { areaCode: '212', count: 3 });
    await b.control('POST', 'faults', { latencyMs: 7 });
    expect(await numbersIn(a, 212)).toHaveLength(2);
    expect(await statusOf(a, pending.sid)).toBe('IN_REVIEW'); // 3 of its 14 days

    expect((await a.control('POST', 'reset')).body).toEqual({ ok: true });
    const fresh = await newAccount();
    expect((await a.control('GET', 'faults')).body).toEqual((await fresh.control('GET', 'faults')).body);
    expect((await a.control('GET', 'failures')).body.failures).toEqual([]);
    const reviews = (await a.control('GET', 'reviews')).body;
    expect(reviews.durations).toEqual(realisticDurations);
    expect(Math.abs(Date.parse(reviews.now) - Date.now())).toBeLessThan(day);
    expect((await a.control('GET', 'deliveries')).body.mode).toBe('normal');
    expect((await a.control('GET', 'stats')).body.total.requests).toBe(0);
    // The pending review was dropped with the clock: no amount of A's time approves it now.
    await a.control('POST', 'clock/advance', { ms: 30 * day });
    expect(await statusOf(a, pending.sid)).toBe('IN_REVIEW');
    // B's world is its own.
    expect((await b.control('GET', 'faults')).body.latencyMs).toBe(7);

    // A owns no number now (the next test file on it starts with none); its inventory is back to full size and
    // never offers the number again, nor to B, and nobody can buy it (a project's database may still hold it).
    expect(await a.api.incomingPhoneNumbers.list()).toEqual([]);
    const after = await numbersIn(a, 212);
    expect(after).toHaveLength(50);
    expect(after).not.toContain(owned.phoneNumber);
    await expect(a.api.incomingPhoneNumbers.create({ phoneNumber: owned.phoneNumber })).rejects.toMatchObject({ code: 21422 });
    expect(await numbersIn(b, 212)).not.toContain(owned.phoneNumber);
  });

  it('an unknown account on a scoped route is a 404 that says so', async () => {
    const unknown = `AC${'0'.repeat(32)}`;
    for (const [method, path] of [['GET', 'faults'], ['POST', 'reset'], ['GET', 'stats']] as const) {
      const res = await fx.control(method, `accounts/${unknown}/${path}`, method === 'POST' ? {} : undefined);
      expect(res.status).toBe(404);
      expect(res.body.error).toContain(unknown);
    }
  });
});
