/**
 * The dev supervisor (`npm start`): PostgreSQL → migrations → Temporal → Twilio sandbox → worker → API,
 * each defaulted unless configured (DATABASE_URL, TEMPORAL_ADDRESS, TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN).
 * Ctrl-C stops everything in reverse order.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { migrate } from '../db/kit/migrate';
import { createPool } from '../db/kit/pool';
import { addApiKey, createTenant, findTenantByName } from '../db/platform/tenants';
import { repoRoot, spawnEntrypoint, startPostgresProcess, stopChild, waitForLine } from './processes';
import { startTemporalDevServer, waitForTemporal } from './temporal';
import { temporalConnectionOptions, temporalSettingsFromEnv } from '../config/temporal-connection';
import { buildConsoleIfStale } from './console-build';

const dataDir = path.join(repoRoot, '.data');
const say = (msg: string) => process.stdout.write(`[dev]      ${msg}\n`);
const stops: { name: string; stop: () => Promise<void> }[] = [];

async function shutdown(code: number) {
  for (const { name, stop } of stops.reverse()) {
    say(`stopping ${name}`);
    await stop().catch((err) => say(`${name}: ${String(err)}`));
  }
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

function supervise(name: string, child: ChildProcess) {
  stops.push({ name, stop: () => stopChild(child) });
  child.once('exit', (code, signal) => {
    if (signal === 'SIGTERM' || code === 0) return;
    say(`${name} exited unexpectedly (code ${code}, signal ${signal}); stopping the stack`);
    void shutdown(1);
  });
}

/** Sandbox credentials are generated once and kept, so the worker and sandbox agree across restarts. */
async function sandboxCredentials() {
  const file = path.join(dataDir, 'sandbox-credentials.json');
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as { accountSid: string; authToken: string };
  const creds = { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex') };
  await writeFile(file, JSON.stringify(creds), { mode: 0o600 });
  return creds;
}

try {
  await mkdir(dataDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {};

  if (process.env.DATABASE_URL) {
    env.DATABASE_URL = process.env.DATABASE_URL;
    say('PostgreSQL: using DATABASE_URL');
  } else {
    const port = Number(process.env.PG_PORT ?? 5433);
    const pg = await startPostgresProcess({ dataDir: path.join(dataDir, 'postgres'), port, persistent: true, name: 'postgres' });
    stops.push({ name: 'postgres', stop: pg.stop });
    env.DATABASE_URL = pg.url;
    say(`PostgreSQL: embedded on 127.0.0.1:${port} (data in .data/postgres)`);
  }

  const db = createPool(env.DATABASE_URL, 2);
  const applied = await migrate(db);
  say(`migrations: ${applied.length ? applied.join(', ') : 'up to date'}`);
  const keyFile = path.join(dataDir, 'dev-api-key');
  if (!existsSync(keyFile)) {
    const existing = await findTenantByName(db, 'dev');
    const apiKey = existing ? await addApiKey(db, existing.id) : (await createTenant(db, 'dev')).apiKey;
    await writeFile(keyFile, apiKey + '\n', { mode: 0o600 });
    say('created tenant "dev"; its API key is in .data/dev-api-key');
  }
  await db.end();

  if (process.env.TEMPORAL_ADDRESS) {
    env.TEMPORAL_ADDRESS = process.env.TEMPORAL_ADDRESS;
    // With the TLS / API key settings the API and the worker will use (they inherit this environment).
    await waitForTemporal(temporalConnectionOptions(temporalSettingsFromEnv(process.env)));
    say(`Temporal: using ${env.TEMPORAL_ADDRESS}`);
  } else {
    const port = Number(process.env.TEMPORAL_PORT ?? 7233);
    const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
    const temporal = await startTemporalDevServer({
      port,
      uiPort,
      dbFile: path.join(dataDir, 'temporal.sqlite'),
      logPrefix: 'temporal',
    });
    stops.push({ name: 'temporal', stop: temporal.stop });
    env.TEMPORAL_ADDRESS = temporal.address;
    if (temporal.uiUrl) env.TEMPORAL_UI_URL = temporal.uiUrl;
    say(`Temporal: dev server on ${temporal.address}, UI ${temporal.uiUrl} (history in .data/temporal.sqlite)`);
  }

  if (process.env.TWILIO_ACCOUNT_SID && process.env.TWILIO_AUTH_TOKEN) {
    say('Twilio: real account from TWILIO_ACCOUNT_SID (no sandbox)');
  } else {
    const creds = await sandboxCredentials();
    const port = process.env.SANDBOX_PORT ?? '4010';
    const sandbox = spawnEntrypoint('sandbox/main.ts', {
      SANDBOX_PORT: port,
      SANDBOX_ACCOUNT_SID: creds.accountSid,
      SANDBOX_AUTH_TOKEN: creds.authToken,
    });
    const ready = waitForLine(sandbox, /sandbox\.listening/);
    (await import('./processes')).pipeLogs(sandbox, 'sandbox');
    await ready;
    supervise('sandbox', sandbox);
    Object.assign(env, {
      TWILIO_ACCOUNT_SID: creds.accountSid,
      TWILIO_AUTH_TOKEN: creds.authToken,
      TWILIO_BASE_URL: `http://127.0.0.1:${port}`,
    });
    say(`Twilio: sandbox on http://127.0.0.1:${port} (control API under /__sandbox)`);
  }

  // A developer's webhook receivers are on this machine: allowed unless the environment says otherwise.
  env.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = process.env.WEBHOOK_ALLOW_PRIVATE_ADDRESSES || 'true';
  env.WEBHOOK_ALLOWED_PORTS = process.env.WEBHOOK_ALLOWED_PORTS || '*';
  buildConsoleIfStale(say);
  const worker = spawnEntrypoint('worker/main.ts', env, 'worker');
  supervise('worker', worker);
  const api = spawnEntrypoint('api/main.ts', env, 'api');
  const listening = waitForLine(api, /api\.listening/);
  supervise('api', api);
  await listening;
  const port = process.env.API_PORT ?? '3000';
  say(`ready: console http://127.0.0.1:${port}/  API docs http://127.0.0.1:${port}/docs`);
  say(`try: curl -H "Authorization: Bearer $(cat .data/dev-api-key)" "http://127.0.0.1:${port}/v1/available-numbers?areaCode=415"`);
} catch (err) {
  say(`start-up failed: ${err instanceof Error ? err.message : String(err)}`);
  await shutdown(1);
}
