import { createPool } from './pool';
import { migrate } from './migrate';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required');
  process.exit(2);
}
const db = createPool(url, 1);
const applied = await migrate(db);
console.log(JSON.stringify({ event: 'db.migrated', applied }));
await db.end();
