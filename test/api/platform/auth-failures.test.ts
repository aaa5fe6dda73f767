import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApi, newTenant } from '../../helpers/stack';

/** Failed authentication is rate-limited per client address (issue #20 §2); valid keys are never slowed. */
let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  api = await createTestApi({ AUTH_FAILURES_BURST: '3', AUTH_FAILURES_PER_MINUTE: '1' });
});
afterAll(async () => api.close());

it('an address past its failed authentications gets 429 with Retry-After; others and valid keys are unaffected', async () => {
  const guess = (remoteAddress: string, authorization?: string) =>
    api.app.inject({ method: 'GET', url: '/v1/numbers', remoteAddress, headers: authorization ? { authorization } : {} });
  const attacker = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await guess(attacker, `Bearer tp_guess_${i}`)).statusCode);
  expect(statuses).toEqual([401, 401, 401, 429, 429]);
  const limited = await guess(attacker);
  expect(limited.statusCode).toBe(429);
  expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  expect(limited.json().error.code).toBe('rate_limited');

  const tenant = await newTenant(api.db, 'auth-failures');
  expect((await guess(attacker, tenant.headers.authorization)).statusCode).toBe(200);
  expect((await guess('203.0.113.9', 'Bearer tp_wrong')).statusCode).toBe(401);
});
