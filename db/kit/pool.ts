import pg from 'pg';

export type Db = pg.Pool;

export function createPool(connectionString: string, max = 10, opts: { idleTimeoutMillis?: number } = {}): Db {
  // With PostgreSQL away, a request must fail (503) rather than wait forever for a connection.
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5_000, ...opts });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs fn in one transaction on one client. */
export async function inTransaction<T>(db: Db, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Opens the pool's connections up front. A bulk job's first wave is hundreds of purchases recorded at once:
 * opening a PostgreSQL connection (a backend process each) for every one of them then would stall that wave.
 */
export async function warmPool(db: Db, connections: number): Promise<void> {
  // Best effort: a server short of connections slots is the pool's concern later, not a reason not to start.
  const clients = await Promise.allSettled(Array.from({ length: connections }, () => db.connect()));
  for (const c of clients) if (c.status === 'fulfilled') c.value.release();
}
