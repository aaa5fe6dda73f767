import { migrate } from '../db/kit/migrate';
import { createPool, type Db } from '../db/kit/pool';

/** The CLIs' database: DATABASE_URL (the dev stack prints it on start), migrated, closed when `fn` ends. */
export async function withCliDb(fn: (db: Db) => Promise<void>): Promise<void> {
  if (!process.env.DATABASE_URL) {
    console.error('DATABASE_URL is required (the dev stack prints it on start)');
    process.exit(2);
  }
  const db = createPool(process.env.DATABASE_URL, 1);
  try {
    await migrate(db);
    await fn(db);
  } finally {
    await db.end();
  }
}
