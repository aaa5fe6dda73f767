import { expect, it } from 'vitest';
import { runEntrypoint } from '../../helpers/entrypoint';
import { createTestApi, stack } from '../../helpers/stack';

const run = (script: string, args: string[], env: Record<string, string>) => runEntrypoint(script, env, args);

it('the tenant CLI prints a working API key as JSON', async () => {
  const name = `cli-${Date.now()}`;
  const out = await run('cli/create-tenant.ts', ['--name', name], { DATABASE_URL: stack.databaseUrl });
  expect(out.code).toBe(0);
  const created = JSON.parse(out.stdout.trim()) as { tenantId: string; name: string; apiKey: string };
  expect(created).toMatchObject({ name, tenantId: expect.any(String), apiKey: expect.stringMatching(/^tp_/) });

  const api = await createTestApi();
  try {
    const res = await api.app.inject({ method: 'GET', url: '/v1/numbers', headers: { authorization: `Bearer ${created.apiKey}` } });
    expect(res.statusCode).toBe(200);
    const stored = await api.db.query('SELECT key_hash FROM api_keys WHERE tenant_id = $1', [created.tenantId]);
    expect(stored.rows[0].key_hash).not.toContain(created.apiKey);
  } finally {
    await api.close();
  }
  const again = await run('cli/create-tenant.ts', ['--name', name], { DATABASE_URL: stack.databaseUrl });
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('already exists');
});

it('a worker with bad configuration exits with a message naming the variable', async () => {
  const out = await run('worker/main.ts', [], {
    DATABASE_URL: stack.databaseUrl,
    TWILIO_ACCOUNT_SID: 'not-a-sid',
    TWILIO_AUTH_TOKEN: stack.authToken,
    TWILIO_MAX_CONCURRENCY: '0',
  });
  expect(out.code).toBe(2);
  expect(out.stderr).toMatch(/TWILIO_ACCOUNT_SID: must be AC followed by 32 hex/);
  expect(out.stderr).toMatch(/TWILIO_MAX_CONCURRENCY/);
  expect(out.stderr + out.stdout).not.toContain(stack.authToken);
});
