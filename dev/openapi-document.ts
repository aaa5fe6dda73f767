/**
 * The API's OpenAPI document, built from the routes themselves without a database or Temporal behind them
 * (buildApp only describes routes; nothing connects until a request comes). The typed client is generated
 * from this, and a test compares it with what the running API serves at /openapi.json.
 */
import { Client, Connection } from '@temporalio/client';
import { ConfigSchema } from '../config/env';
import { createPool } from '../db/kit/pool';
import { buildApp } from '../api/app';

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const config = ConfigSchema.parse({
    DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
    TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
    TWILIO_AUTH_TOKEN: 'document-only',
    LOG_LEVEL: 'silent',
  });
  const db = createPool(config.DATABASE_URL, 1);
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const app = await buildApp({ config, db, temporal: new Client({ connection }) }, { logger: false });
  await app.ready();
  const doc = app.swagger() as unknown as Record<string, unknown>;
  await app.close();
  await db.end();
  return doc;
}
