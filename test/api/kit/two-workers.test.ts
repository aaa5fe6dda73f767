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
  let maxHeld = 0;
  let running = true;
  let sampling: Promise<void> | undefined;
  try {
    await sandboxControl('POST', 'faults', { concurrencyLimit: 10, latencyMs: 60 });
    await sandboxControl('POST', 'stats/reset');
    // The limiter's own view of the account while the jobs run: how many of its slots are held at once.
    sampling = (async () => {
      while (running) {
        const { rows } = await api().db.query('SELECT count(*)::int AS n FROM twilio_slots WHERE account_sid = $1 AND holder_pid IS NOT NULL', [stack.accountSid]);
        maxHeld = Math.max(maxHeld, rows[0].n as number);
        await new Promise((r) => setTimeout(r, 20)); // paces the sampling only
      }
    })();
    const jobs = [];
    for (const areaCode of ['478', '907']) {
      const res = await api().app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers: tenant.headers, payload: { areaCode, quantity: 120, concurrency: 30 } });
      expect(res.statusCode).toBe(202);
      jobs.push(res.json().id as string);
    }
    for (const id of jobs) expect((await waitForJob(api().app, tenant.headers, id)).counts.succeeded).toBe(120);
    running = false;
    await sampling;
    const stats = (await sandboxControl('GET', 'stats')) as { accounts: Record<string, { maxInFlight: number; rejected429: number; requests: number }> };
    const mine = stats.accounts[stack.accountSid]!;
    expect(mine.requests).toBeGreaterThan(240);
    expect(mine.maxInFlight).toBeLessThanOrEqual(10);
    // And the account's slots were really used: 60 activities wanted them, so the limiter held (nearly) all ten.
    // Counted in the limiter rather than at Twilio, where a slow machine's time between taking a slot and the
    // request's arrival would thin out what is seen in flight.
    expect(maxHeld).toBeGreaterThanOrEqual(8);
    expect(maxHeld).toBeLessThanOrEqual(10);
    expect(mine.rejected429).toBe(0);
    expect(await ownedInSandbox('+1478')).toHaveLength(120);
    expect(await ownedInSandbox('+1907')).toHaveLength(120);
  } finally {
    running = false;
    await sampling?.catch(() => undefined);
    for (const w of workers) await stopChild(w);
  }
});
