import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { account, startSandbox } from './sandbox-fixture';

type Fixture = Awaited<ReturnType<typeof startSandbox>>;
let fx: Fixture;
beforeAll(async () => {
  fx = await startSandbox(31);
});
afterEach(async () => {
  await fx.control('POST', 'reset');
});
afterAll(async () => fx.close());

const acct = () => fx.sdk().api.v2010.accounts(account.sid);
const statsOf = async () => (await fx.control('GET', 'stats')).body.accounts[account.sid];

describe('fault injection', () => {
  it('a concurrency cap answers 429/20429 to the excess, which changes nothing', async () => {
    const candidates = await acct().availablePhoneNumbers('US').local.list({ areaCode: 312, limit: 9 });
    await fx.control('POST', 'faults', { concurrencyLimit: 3, latencyMs: 300 });
    const results = await Promise.all(
      candidates.map((c) => fx.raw('POST', `${fx.base}/IncomingPhoneNumbers.json`, { PhoneNumber: c.phoneNumber })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    const rejected = results.filter((r) => r.status === 429);
    expect(rejected).toHaveLength(6);
    for (const r of rejected) expect(r.body.code).toBe(20429);
    await fx.control('DELETE', 'faults');
    expect(await acct().incomingPhoneNumbers.list({ phoneNumber: '+1312' })).toHaveLength(3);
    expect((await statsOf()).rejected429).toBe(6);
    expect((await statsOf()).maxInFlight).toBeGreaterThanOrEqual(4);
  });

  it('the SDK’s own 429 retry gets every request through under the cap', async () => {
    await fx.control('POST', 'faults', { concurrencyLimit: 2, latencyMs: 50 });
    const client = fx.sdk({ autoRetry: true, maxRetries: 20 } as never).api.v2010.accounts(account.sid);
    const bought = await Promise.all([...Array(6)].map(() => client.incomingPhoneNumbers.create({ areaCode: '213' })));
    expect(new Set(bought.map((b) => b.phoneNumber)).size).toBe(6);
  });

  it('5xx decisions repeat exactly for the same seed and requests', async () => {
    const run = async () => {
      await fx.control('POST', 'reset');
      await fx.control('POST', 'faults', { errorRate5xx: 0.3, seed: 99 });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await fx.raw('GET', `${fx.base}/IncomingPhoneNumbers.json?PageSize=${i + 1}`)).status);
      return statuses;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    const failures = first.filter((s) => s >= 500).length;
    expect(failures).toBeGreaterThan(2);
    expect(failures).toBeLessThan(20);
    expect((await statsOf()).injected5xx).toBe(failures);
  });

  it('timeout-after-commit: the client loses the answer, but the number is bought', async () => {
    const [target] = await acct().availablePhoneNumbers('US').local.list({ areaCode: 617, limit: 1 });
    await fx.control('POST', 'faults', { timeoutAfterCommitRate: 1, timeoutMode: 'drop' });
    await expect(acct().incomingPhoneNumbers.create({ phoneNumber: target!.phoneNumber })).rejects.toThrow(/socket hang up|ECONNRESET/);
    const owned = await acct().incomingPhoneNumbers.list({ phoneNumber: target!.phoneNumber });
    expect(owned).toHaveLength(1);
    await expect(acct().incomingPhoneNumbers.create({ phoneNumber: target!.phoneNumber })).rejects.toMatchObject({ code: 21422 });
    expect((await statsOf()).droppedAfterCommit).toBe(1);
  });

  it('control API validates its input and sets inventory sizes', async () => {
    expect((await fx.control('POST', 'faults', { errorRate5xx: 2 })).status).toBe(400);
    await fx.control('POST', 'inventory', { areaCode: '909', count: 2 });
    expect(await acct().availablePhoneNumbers('US').local.list({ areaCode: 909, limit: 50 })).toHaveLength(2);
    const created = await fx.control('POST', 'accounts', {});
    expect(created.status).toBe(201);
    expect(created.body.sid).toMatch(/^AC[0-9a-f]{32}$/);
  });
});
