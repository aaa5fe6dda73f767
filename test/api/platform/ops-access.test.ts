import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi } from '../../helpers/stack';

/** /metrics and /readyz show the deployment's shape and load: a token, or the host itself in production. */
describe('operator endpoints', () => {
  const token = randomBytes(24).toString('hex');
  let withToken: Awaited<ReturnType<typeof createTestApi>>;
  let production: Awaited<ReturnType<typeof createTestApi>>;
  beforeAll(async () => {
    withToken = await createTestApi({ OPS_TOKEN: token });
    production = await createTestApi({ NODE_ENV: 'production', SECRETS_KEY: randomBytes(32).toString('base64') });
  });
  afterAll(async () => {
    await withToken.close();
    await production.close();
  });

  it.each(['/metrics', '/readyz'])('%s needs OPS_TOKEN when one is set', async (url) => {
    expect((await withToken.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    expect((await withToken.app.inject({ method: 'GET', url, headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await withToken.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    expect((await withToken.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it.each(['/metrics', '/readyz'])('%s answers only the host itself in production without a token', async (url) => {
    const remote = await production.app.inject({ method: 'GET', url, remoteAddress: '10.1.2.3' });
    expect(remote.statusCode).toBe(403);
    expect(remote.json().error.message).toContain('OPS_TOKEN');
    expect((await production.app.inject({ method: 'GET', url, remoteAddress: '127.0.0.1' })).statusCode).toBe(200);
  });
});
