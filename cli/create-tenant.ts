import { parseArgs } from 'node:util';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { createTenant } from '../db/tenants';

/** `npm run tenant:create -- --name acme` → prints {"tenantId","name","apiKey"} as JSON. */
const { values } = parseArgs({ options: { name: { type: 'string' } } });
if (!values.name || !/^[A-Za-z0-9._-]{1,64}$/.test(values.name)) {
  console.error('usage: npm run tenant:create -- --name <1-64 letters, digits, . _ ->');
  process.exit(2);
}
if (!process.env.DATABASE_URL) {
  console.error('DATABASE_URL is required (the dev stack prints it on start)');
  process.exit(2);
}
const db = createPool(process.env.DATABASE_URL, 1);
try {
  await migrate(db);
  const { tenant, apiKey } = await createTenant(db, values.name);
  console.log(JSON.stringify({ tenantId: tenant.id, name: tenant.name, apiKey }));
} catch (err) {
  const msg = (err as { code?: string }).code === '23505' ? `tenant "${values.name}" already exists` : String(err);
  console.error(msg);
  process.exitCode = 1;
} finally {
  await db.end();
}
