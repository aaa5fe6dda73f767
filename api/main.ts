import { Client, Connection } from '@temporalio/client';
import { ConfigError, describeConfig, loadConfig } from '../config/env';
import { temporalConnectionOptions } from '../config/temporal-connection';
import { temporalDataConverter } from '../config/temporal-payload-codec';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { buildApp } from './app';
import { requestIdClientInterceptor } from './request-context';
import { startQueuedWorkSweep } from './queued-work';

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
const temporal = new Client({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  dataConverter: temporalDataConverter(config),
  interceptors: { workflow: [requestIdClientInterceptor()] },
});
const app = await buildApp({ config, db, temporal });
const stopSweep = startQueuedWorkSweep({ db, temporal, config, log: app.log });
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
