import { Connection } from '@temporalio/client';
import { ConfigError, describeConfig, loadConfig } from '../config/env';
import { temporalConnectionOptions } from '../config/temporal-connection';
import { migrate } from '../db/kit/migrate';
import { createPool } from '../db/kit/pool';
import { buildApp, sweepRegistry } from './app';
import { createApiTemporalClient } from './kit/temporal-client';
import { ensureTenantSearchAttribute } from './kit/tenant-search-attribute';
import { startQueuedWorkSweep } from './kit/queued-work';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
const db = createPool(config.DATABASE_URL);
await migrate(db);
// Lazy: the API starts and serves reads from PostgreSQL even while Temporal is away (calls to it are bounded).
const connection = Connection.lazy(temporalConnectionOptions(config));
const temporal = createApiTemporalClient(config, connection);
const app = await buildApp({ config, db, temporal });
// In the background: the API serves reads while Temporal is away; a cluster that refuses is the operator's to set up.
ensureTenantSearchAttribute(connection, config.TEMPORAL_NAMESPACE).catch((err: Error) =>
  app.log.warn({ event: 'temporal.search_attribute_missing', err: err.message }, 'could not check or register the TenantId search attribute: register it with `temporal operator search-attribute create --name TenantId --type Keyword`'),
);
const stopSweep = startQueuedWorkSweep({ ...sweepRegistry, db, temporal, config, log: app.log });
const url = await app.listen({ host: config.API_HOST, port: config.API_PORT });
app.log.info({ event: 'api.listening', url, ...describeConfig(config) }, `API listening on ${url} (docs at ${url}/docs)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    stopSweep();
    await app.close();
    await connection.close();
    await db.end();
    process.exit(0);
  });
}
