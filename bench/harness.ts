import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../api/app';
import { loadConfig } from '../config/env';
import { temporalConnectionOptions } from '../config/temporal-connection';
import { temporalDataConverter } from '../config/temporal-payload-codec';
import { createPool } from '../db/kit/pool';
import { createTenant } from '../db/platform/tenants';
import { startLocalStack, startWorker } from '../dev/local-stack';
import { stopChild } from '../dev/processes';

export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/**
 * A private stack for one benchmark: PostgreSQL, Temporal, the sandbox, a worker process with C Twilio
 * slots on its own queue, and the API in-process with a fresh tenant. `run` always tears it all down.
 */
export async function withBenchStack(
  name: string,
  opts: { cap: number; env?: Record<string, string>; workers?: number },
  run: (b: {
    stack: Awaited<ReturnType<typeof startLocalStack>>['stack'];
    app: Awaited<ReturnType<typeof buildApp>>;
    db: ReturnType<typeof createPool>;
    temporal: Client;
    headers: Record<string, string>;
    control: (path: string, body?: unknown) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  }) => Promise<void>,
) {
  const { stack, stop } = await startLocalStack(name);
  const starts = await Promise.allSettled(
    Array.from({ length: opts.workers ?? 1 }, () => startWorker(stack, name, { TWILIO_MAX_CONCURRENCY: String(opts.cap), ...opts.env })),
  );
  const workers = starts.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    for (const w of workers) await stopChild(w); // leave nothing running
    await stop();
    throw failed.reason;
  }
  try {
    const config = loadConfig({
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: name,
      TWILIO_ACCOUNT_SID: stack.accountSid,
      TWILIO_AUTH_TOKEN: stack.authToken,
      TWILIO_BASE_URL: stack.sandboxUrl,
      LOG_LEVEL: 'silent',
      // A bench's one tenant makes as many trunks and jobs as the run needs (the account's 100 trunks at most).
      TENANT_MAX_TRUNKS: '100',
      TENANT_MAX_ACTIVE_JOBS: '100',
      ...opts.env,
    });
    const db = createPool(config.DATABASE_URL, 5);
    const connection = await Connection.connect(temporalConnectionOptions(config));
    // The bench's workers seal payloads: its client must open them (results, queries, histories' sizes).
    const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: temporalDataConverter(config) });
    const app = await buildApp({ config, db, temporal }, { logger: false });
    const { apiKey } = await createTenant(db, name);
    const control = (path: string, body?: unknown) =>
      fetch(`${stack.sandboxUrl}/__sandbox/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then((r) => r.json());
    try {
      await run({ stack, app, db, temporal, headers: { authorization: `Bearer ${apiKey}` }, control });
    } finally {
      await app.close();
      await connection.close();
      await db.end();
    }
  } finally {
    for (const w of workers) await stopChild(w);
    await stop();
  }
}
