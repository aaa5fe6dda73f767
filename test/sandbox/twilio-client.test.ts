import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTwilioClient } from '../../activities/kit/twilio-client';
import { account, startSandbox } from './sandbox-fixture';

/** The service's SDK client against the sandbox: reads ride out 5xx, writes never repeat on their own. */
let fx: Awaited<ReturnType<typeof startSandbox>>;
beforeAll(async () => {
  fx = await startSandbox(41);
});
afterAll(async () => fx.close());

const client = () => createTwilioClient({ accountSid: account.sid, authToken: account.authToken, baseUrl: fx.url, timeoutMs: 5000 });
const requests = async () => (await fx.control('GET', 'stats')).body.accounts[account.sid]?.requests ?? 0;

it('a read that keeps failing with 5xx is tried 4 times, then surfaces with Twilio\'s status', async () => {
  await fx.control('POST', 'faults', { errorRate5xx: 1 });
  const before = await requests();
  await expect(client().api.v2010.accounts(account.sid).incomingPhoneNumbers.list({ limit: 1 })).rejects.toMatchObject({ status: expect.any(Number) });
  expect((await requests()) - before).toBe(4);
  await fx.control('DELETE', 'faults');
});

it('a write that fails with 5xx is sent once: only the activity, after reconciling, may repeat it', async () => {
  await fx.control('POST', 'faults', { errorRate5xx: 1 });
  const before = await requests();
  await expect(client().api.v2010.accounts(account.sid).incomingPhoneNumbers.create({ areaCode: '213' })).rejects.toMatchObject({ status: expect.any(Number) });
  expect((await requests()) - before).toBe(1);
  await fx.control('DELETE', 'faults');
});

it('under a 30 % 5xx rate the caller sees only the rare read that failed 4 times in a row', async () => {
  await fx.control('POST', 'stats/reset');
  await fx.control('POST', 'faults', { errorRate5xx: 0.3, seed: 5 });
  const sdk = client().api.v2010.accounts(account.sid);
  let seen = 0;
  for (let i = 0; i < 30; i++) await sdk.incomingPhoneNumbers.list({ limit: 1 + i }).catch(() => (seen += 1));
  const injected = (await fx.control('GET', 'stats')).body.accounts[account.sid].injected5xx as number;
  expect(injected).toBeGreaterThan(5);
  expect(seen).toBeLessThan(injected / 3);
  await fx.control('DELETE', 'faults');
});
