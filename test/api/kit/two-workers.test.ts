import { expect, it } from 'vitest';
import { apiOnOwnQueue, newTenant, ownedInSandbox, sandboxControl, stack, startWorkerProcess, stopChild } from '../../helpers/stack';
import { waitForJob } from '../../helpers/jobs';

// A task queue of its own, served only by the two workers this test starts.
const taskQueue = 'two-workers-test';
const api = apiOnOwnQueue(taskQueue);

it('two worker processes share the account’s concurrency: Twilio never sees more than TWILIO_MAX_CONCURRENCY, and no 429', async () => {
  const tenant = await newTenant(api().db, 'two-workers');
  // Each worker alone may run 30 activities; together they must still keep to the account's 10.
  const workers = await Promise.all([1, 2].map(() => startWorkerProcess(taskQueue)));
  try {
    await sandboxControl('POST', 'faults', { concurrencyLimit: 10, latencyMs: 60 });
    await sandboxControl('POST', 'stats/reset');
    const jobs = [];
    for (const areaCode of ['478', '907']) {
      const res = await api().app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers: tenant.headers, payload: { areaCode, quantity: 120, concurrency: 30 } });
      expect(res.statusCode).toBe(202);
      jobs.push(res.json().id as string);
    }
    for (const id of jobs) expect((await waitForJob(api().app, tenant.headers, id)).counts.succeeded).toBe(120);
    const stats = (await sandboxControl('GET', 'stats')) as { accounts: Record<string, { maxInFlight: number; rejected429: number; requests: number }> };
    const mine = stats.accounts[stack.accountSid]!;
    expect(mine.requests).toBeGreaterThan(240);
    expect(mine.maxInFlight).toBeLessThanOrEqual(10);
    expect(mine.maxInFlight).toBeGreaterThanOrEqual(8); // and the account's slots were really used
    expect(mine.rejected429).toBe(0);
    expect(await ownedInSandbox('+1478')).toHaveLength(120);
    expect(await ownedInSandbox('+1907')).toHaveLength(120);
  } finally {
    for (const w of workers) await stopChild(w);
  }
});
