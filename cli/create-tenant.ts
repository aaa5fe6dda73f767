import { parseArgs } from 'node:util';
import { createTenant } from '../db/platform/tenants';
import { withCliDb } from './db';

/** `npm run tenant:create -- --name acme` → prints {"tenantId","name","apiKey"} as JSON. */
const { values } = parseArgs({ options: { name: { type: 'string' } } });
if (!values.name || !/^[A-Za-z0-9._-]{1,64}$/.test(values.name)) {
  console.error('usage: npm run tenant:create -- --name <1-64 letters, digits, . _ ->');
  process.exit(2);
}
await withCliDb(async (db) => {
  try {
    const { tenant, apiKey } = await createTenant(db, values.name!);
    console.log(JSON.stringify({ tenantId: tenant.id, name: tenant.name, apiKey }));
  } catch (err) {
    const msg = (err as { code?: string }).code === '23505' ? `tenant "${values.name}" already exists` : String(err);
    console.error(msg);
    process.exitCode = 1;
  }
});
