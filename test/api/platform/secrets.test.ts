import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../dev/processes';
import { rotateSecrets, secretsStatus } from '../../../db/platform/secret-rotation';
import { KeyRing } from '../../../config/key-ring';
import { readSecret, SecretBox, storeSecret, UnopenableSecretError } from '../../../db/platform/secrets';
import { bindAccount, boundAccountOf } from '../../../db/platform/twilio-bindings';
import { runEntrypoint } from '../../helpers/entrypoint';
import { waitForTrunk } from '../../helpers/sip';
import { createTestApi, newTenant, stack, startWorkerProcess, stopChild, waitFor } from '../../helpers/stack';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
// Key ids of this file only: the shared database holds other files' secrets, under the stack's own key.
const idA = `a${randomUUID().slice(0, 8)}`;
const idB = `b${randomUUID().slice(0, 8)}`;
const ringA = KeyRing.fromConfig({ SECRETS_KEYS: `${idA}:${keyA}` });
const ringBA = KeyRing.fromConfig({ SECRETS_KEYS: `${idB}:${keyB},${idA}:${keyA}` });
const ringB = KeyRing.fromConfig({ SECRETS_KEYS: `${idB}:${keyB}` });

/** The API sealing under key A; the shared worker has only the stack's own key (derived from the auth token). */
let api: Awaited<ReturnType<typeof createTestApi>>;
let receiver: Server;
let receiverUrl: string;
const received: string[] = [];

beforeAll(async () => {
  api = await createTestApi({ SECRETS_KEYS: `${idA}:${keyA}` });
  const port = await freePort();
  receiver = createServer((req, res) => {
    received.push(String(req.headers['webhook-id']));
    res.writeHead(200).end();
  });
  await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${port}/hooks`;
});
afterAll(async () => {
  receiver?.close();
  await api?.close();
});

async function newEndpoint(headers: Record<string, string>) {
  const res = await api.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers, payload: { url: receiverUrl, eventTypes: ['job.finished'] } });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string; secret: string };
}

const sealedWebhookSecret = async (endpointId: string) =>
  (await api.db.query<{ secret_box: string }>('SELECT secret_box FROM webhook_endpoints WHERE id = $1', [endpointId])).rows[0]!.secret_box;
const sealedCredential = async (tenantId: string) =>
  (await api.db.query<{ credentials_box: string }>('SELECT credentials_box FROM tenant_twilio_bindings WHERE tenant_id = $1', [tenantId])).rows[0]!.credentials_box;
const sealedPassword = async (ref: string) => (await api.db.query<{ ciphertext: string }>('SELECT ciphertext FROM sip_secrets WHERE id = $1', [ref])).rows[0]!.ciphertext;

describe('rotating the key ring', () => {
  it('re-seals stored webhook secrets and SIP passwords from key A to key B, idempotently; then ring [B] alone opens them', async () => {
    const tenant = await newTenant(api.db, 'rotate');
    const endpoint = await newEndpoint(tenant.headers);
    const passwordRef = await storeSecret(api.db, SecretBox.of(ringA, 'sip-password'), tenant.tenantId, 'Sup3rSecretPass');
    // A tenant's own Twilio credentials (issue #24) are a third store, keyed by the tenant.
    const bound = await newTenant(api.db, 'rotate-bound');
    const token = randomBytes(16).toString('hex');
    await bindAccount(api.db, SecretBox.of(ringA, 'twilio-credential'), bound.tenantId, { kind: 'byo', accountSid: `AC${randomBytes(16).toString('hex')}`, credential: { kind: 'auth_token', authToken: token } });
    expect(await sealedCredential(bound.tenantId)).toMatch(new RegExp(`^v2\\.${idA}\\.`));
    expect(await sealedWebhookSecret(endpoint.id)).toMatch(new RegExp(`^v2\\.${idA}\\.`));
    expect(await sealedPassword(passwordRef)).toMatch(new RegExp(`^v2\\.${idA}\\.`));

    // Batches of one row: every value is its own batch, and rows this ring can't open (other files') are passed.
    const first = await rotateSecrets(api.db, ringBA, { batchSize: 1 });
    expect(first.currentKeyId).toBe(idB);
    expect(first.webhookSecrets.resealed).toBeGreaterThanOrEqual(1);
    expect(first.sipPasswords.resealed).toBeGreaterThanOrEqual(1);
    const unopenableIds = [...first.webhookSecrets.unopenable, ...first.sipPasswords.unopenable].map((u) => u.id);
    expect(unopenableIds).not.toContain(endpoint.id);
    expect(unopenableIds).not.toContain(passwordRef);
    const webhookSealed = await sealedWebhookSecret(endpoint.id);
    const passwordSealed = await sealedPassword(passwordRef);
    expect(webhookSealed).toMatch(new RegExp(`^v2\\.${idB}\\.`));
    expect(passwordSealed).toMatch(new RegExp(`^v2\\.${idB}\\.`));
    expect(first.twilioCredentials.unopenable.map((u) => u.id)).not.toContain(bound.tenantId);
    expect(await sealedCredential(bound.tenantId)).toMatch(new RegExp(`^v2\\.${idB}\\.`));
    expect((await boundAccountOf(api.db, SecretBox.of(ringB, 'twilio-credential'), bound.tenantId))?.password).toBe(token);

    // Again, through the CLI itself: nothing left to do, nothing rewritten.
    const env = { DATABASE_URL: stack.databaseUrl, SECRETS_KEYS: `${idB}:${keyB},${idA}:${keyA}` };
    const again = await runEntrypoint('cli/secrets.ts', env, ['rotate', '--batch-size', '2']);
    const second = JSON.parse(again.stdout.trim());
    expect(second).toMatchObject({ currentKeyId: idB, webhookSecrets: { resealed: 0 }, sipPasswords: { resealed: 0 } });
    expect(await sealedWebhookSecret(endpoint.id)).toBe(webhookSealed);
    expect(await sealedPassword(passwordRef)).toBe(passwordSealed);
    const status = await runEntrypoint('cli/secrets.ts', env, ['status']);
    expect(status.code).toBe(0);
    const counts = JSON.parse(status.stdout.trim());
    expect(counts).toMatchObject({ currentKeyId: idB, ring: [idB, idA] });
    expect(counts.webhookSecrets[idB]).toBeGreaterThanOrEqual(1);
    expect(counts.sipPasswords[idB]).toBeGreaterThanOrEqual(1);
    expect(counts.webhookSecrets[idA]).toBeUndefined();
    expect(counts.sipPasswords[idA]).toBeUndefined();

    // Key A can go: ring [B] alone opens both; ring [A] alone no longer does.
    expect(SecretBox.of(ringB, 'webhook-secret').open(webhookSealed)).toBe(endpoint.secret);
    expect(await readSecret(api.db, SecretBox.of(ringB, 'sip-password'), passwordRef)).toBe('Sup3rSecretPass');
    await expect(readSecret(api.db, SecretBox.of(ringA, 'sip-password'), passwordRef)).rejects.toThrow(UnopenableSecretError);
    expect((await secretsStatus(api.db, ringB)).missingKeyIds).not.toContain(idA);
  });
});

describe('a secret no key of the ring opens fails visibly', () => {
  it('a webhook delivery whose signing secret cannot be opened is failed at once, with the reason, and never sent', async () => {
    const tenant = await newTenant(api.db, 'unopenable-hook');
    const endpoint = await newEndpoint(tenant.headers);
    await api.db.query(`SELECT enqueue_tenant_event($1, 'job.finished', '{"jobId":"none"}'::jsonb)`, [tenant.tenantId]);
    // The shared worker's dispatcher takes it: its ring has the stack's key only, not this API's key A.
    const delivery = await waitFor(async () => {
      const page = (await api.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${endpoint.id}/deliveries`, headers: tenant.headers })).json();
      return page.data[0]?.status === 'failed' ? page.data[0] : null;
    }, 'the delivery to fail', 30_000);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, lastStatus: null, nextAttemptAt: null });
    expect(delivery.lastError).toMatch(new RegExp(`signing secret can't be opened: sealed under key "${idA}", which is not in this process's key ring`));
    expect(received).not.toContain(delivery.id);
  });

  it('a SIP operation whose password cannot be opened fails for good: rolled back, with the reason, passwords wiped', async () => {
    // The API and the worker share the stack's own key (workflow payloads are sealed with it too); only the
    // stored password is sealed under key A, which the worker's ring lacks. No worker polls this queue until
    // the password is swapped, so the swap certainly comes first.
    const queue = `unopenable-sip-${randomUUID()}`;
    const plain = await createTestApi({ TEMPORAL_TASK_QUEUE: queue });
    let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
    try {
      const tenant = await newTenant(plain.db, 'unopenable-sip');
      const created = await plain.app.inject({
        method: 'POST', url: '/v1/sip/trunks', headers: tenant.headers,
        payload: { friendlyName: `unopenable-${Date.now()}`, termination: { credentialLists: [{ friendlyName: 'agents', credentials: [{ username: 'agent1', password: 'Sup3rSecretPass' }] }] } },
      });
      expect(created.statusCode).toBe(202);
      const sealedUnderA = SecretBox.of(ringA, 'sip-password').seal('Sup3rSecretPass');
      const swapped = await plain.db.query('UPDATE sip_secrets SET ciphertext = $2 WHERE tenant_id = $1 AND ciphertext IS NOT NULL', [tenant.tenantId, sealedUnderA]);
      expect(swapped.rowCount).toBe(1);
      worker = await startWorkerProcess(queue);
      const trunk = await waitForTrunk(plain.app, tenant.headers, created.json().id);
      expect(trunk.status).toBe('failed');
      expect(trunk.operation).toMatchObject({ kind: 'create', status: 'rolled_back', error: { step: 'set credentials of agents' } });
      expect(trunk.operation!.error!.message).toMatch(new RegExp(`the password for agent1 can't be opened: sealed under key "${idA}", which is not in this process's key ring`));
      expect(trunk.operation!.rollback.every((r) => r.status === 'done')).toBe(true);
      const { rows } = await plain.db.query('SELECT count(*)::int AS n FROM sip_secrets WHERE tenant_id = $1 AND ciphertext IS NOT NULL', [tenant.tenantId]);
      expect(rows[0].n).toBe(0);
    } finally {
      if (worker) await stopChild(worker);
      await plain.close();
    }
  });
});

describe('SECRETS_KEY in production', () => {
  it.each(['api/main.ts', 'worker/main.ts'])('%s refuses to start without it, saying so', async (script) => {
    const out = await runEntrypoint(script, { NODE_ENV: 'production', DATABASE_URL: stack.databaseUrl, TWILIO_ACCOUNT_SID: stack.accountSid, TWILIO_AUTH_TOKEN: stack.authToken });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/SECRETS_KEY: required when NODE_ENV=production/);
    expect(out.stderr + out.stdout).not.toContain(stack.authToken);
  });
});
