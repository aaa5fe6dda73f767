import { afterAll, beforeAll, inject } from 'vitest';
import { Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { buildApp } from '../../api/app';
import { createApiTemporalClient } from '../../api/kit/temporal-client';
import { createTwilioClient } from '../../activities/kit/twilio-client';
import { loadConfig } from '../../config/env';
import { temporalConnectionOptions } from '../../config/temporal-connection';
import { createPool, type Db } from '../../db/kit/pool';
import { createTenant } from '../../db/platform/tenants';
import { stopChild } from '../../dev/processes';
import { startWorker } from '../../dev/local-stack';
import './stack-info';

/**
 * The shared stack, seen through this fork's slot: its sandbox account, auth token and task queue (whose
 * worker uses that account). VITEST_POOL_ID numbers the forks 1..maxWorkers, one file at a time each.
 */
export const slot = inject('slots')[Number(process.env.VITEST_POOL_ID ?? '1') - 1] ?? inject('slots')[0]!;
export const stack = { ...inject('stack'), ...slot };

export function testConfig(overrides: Record<string, string> = {}) {
  return loadConfig({
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    TWILIO_ACCOUNT_SID: stack.accountSid,
    TWILIO_AUTH_TOKEN: stack.authToken,
    TWILIO_BASE_URL: stack.sandboxUrl,
    // The stack's shared key ring, unless the test sets its own.
    ...(stack.secretsKeys && !overrides.SECRETS_KEY && !overrides.SECRETS_KEYS ? { SECRETS_KEYS: stack.secretsKeys } : {}),
    LOG_LEVEL: 'silent',
    BULK_MAX_QUANTITY: '1000',
    // Every test calls from 127.0.0.1; many check 401s. test/api/platform/auth-failures.test.ts sets its own limit.
    AUTH_FAILURES_BURST: '1000000',
    // Tests make many trunks and jobs for one tenant; test/api/platform/quotas.test.ts sets each tenant's own limits.
    TENANT_MAX_TRUNKS: '100',
    TENANT_MAX_ACTIVE_JOBS: '100',
    // Receivers are local (127.0.0.1, free ports): allowed here; webhook-ssrf.test.ts runs the API without it.
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
    WEBHOOK_ALLOWED_PORTS: '*',
    ...overrides,
  });
}

/** The real API (in-process, driven with app.inject) against the shared real stack. */
export async function createTestApi(overrides: Record<string, string> = {}) {
  const config = testConfig(overrides);
  const db = createPool(config.DATABASE_URL, 5);
  const connection = await Connection.connect(temporalConnectionOptions(config));
  // As api/main.ts: the stack's workers seal payloads with the same key ring (derived from the stack's auth token).
  const temporal = createApiTemporalClient(config, connection);
  const app = await buildApp({ config, db, temporal }, { logger: false });
  await app.ready();
  return {
    app,
    db,
    temporal,
    config,
    async close() {
      await app.close();
      await connection.close();
      await db.end();
    },
  };
}

export async function newTenant(db: Db, prefix = 'tenant') {
  const { tenant, apiKey } = await createTenant(db, `${prefix}-${randomUUID().slice(0, 8)}`);
  return { tenantId: tenant.id, apiKey, headers: { authorization: `Bearer ${apiKey}` } };
}

/** The official SDK pointed at the sandbox: how tests count what Twilio really holds. */
export const twilioSdk = () =>
  createTwilioClient({ accountSid: stack.accountSid, authToken: stack.authToken, baseUrl: stack.sandboxUrl, timeoutMs: 10_000 });

export async function ownedInSandbox(prefix: string): Promise<string[]> {
  const list = await twilioSdk().api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ phoneNumber: prefix, pageSize: 1000 });
  return list.map((n) => n.phoneNumber).filter((n) => n.startsWith(prefix));
}

/** The sandbox's control API (faults, inventory, stats, …) for this file's account only. */
export async function sandboxControl(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
  const res = await fetch(`${stack.sandboxUrl}/__sandbox/accounts/${stack.accountSid}/${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`sandbox control ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

/** A worker process from the production entrypoint, on its own task queue; `extra` adds or overrides its environment. */
export const startWorkerProcess = (taskQueue: string, extra: NodeJS.ProcessEnv = {}) => startWorker(stack, taskQueue, extra);

export { stopChild };

export { waitFor } from './wait-for';

/** Buys a number for a tenant through the API (search, then buy), as a user would. */
export async function buyThroughApi(app: { inject: (o: object) => Promise<{ statusCode: number; json: () => any; body: string }> }, headers: Record<string, string>, areaCode: string): Promise<string> {
  const search = await app.inject({ method: 'GET', url: `/v1/available-numbers?areaCode=${areaCode}&limit=1`, headers });
  const phoneNumber = search.json().data[0]?.phoneNumber as string | undefined;
  if (!phoneNumber) throw new Error(`no available number in ${areaCode}`);
  const bought = await app.inject({ method: 'POST', url: '/v1/numbers', headers, payload: { phoneNumber } });
  if (bought.statusCode !== 201) throw new Error(`buying ${phoneNumber}: ${bought.statusCode} ${bought.body}`);
  return phoneNumber;
}

/**
 * For tests that start (and kill) their own workers: the API on a task queue of its own, created before
 * the file's tests and closed after them (with the sandbox's faults cleared). Read it through the getter.
 */
export function apiOnOwnQueue(taskQueue: string, overrides: Record<string, string> = {}) {
  let api: Awaited<ReturnType<typeof createTestApi>> | undefined;
  beforeAll(async () => {
    api = await createTestApi({ TEMPORAL_TASK_QUEUE: taskQueue, ...overrides });
  });
  afterAll(async () => {
    await sandboxControl('DELETE', 'faults');
    await api?.close();
  });
  return () => api!;
}
