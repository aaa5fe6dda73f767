import { parseArgs } from 'node:util';
import { findTenantByName, issueApiKey, listApiKeys, revokeApiKey } from '../db/tenants';
import { withCliDb } from './db';

/**
 * A tenant's API keys from the command line (the operator's side of `/v1/api-keys`), as JSON:
 *   npm run keys -- create --tenant acme [--name ci] [--admin]   → the key, shown once
 *   npm run keys -- list   --tenant acme                         → prefixes, scopes, last use
 *   npm run keys -- revoke --tenant acme --id <key id>           → stops working at once
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { tenant: { type: 'string' }, name: { type: 'string' }, admin: { type: 'boolean', default: false }, id: { type: 'string' } },
});
const command = positionals[0];
const usage = 'usage: npm run keys -- create|list|revoke --tenant <name> [--name <label>] [--admin] [--id <key id>]';
if (!command || !['create', 'list', 'revoke'].includes(command) || !values.tenant || (command === 'revoke' && !values.id)) {
  console.error(usage);
  process.exit(2);
}
await withCliDb(async (db) => {
  try {
    const tenant = await findTenantByName(db, values.tenant!);
    if (!tenant) throw new Error(`no tenant named "${values.tenant}"`);
    if (command === 'create') {
      const { apiKey, view } = await issueApiKey(db, tenant.id, { name: values.name ?? null, scopes: values.admin ? ['admin'] : [] });
      console.log(JSON.stringify({ ...view, key: apiKey }));
    } else if (command === 'list') {
      console.log(JSON.stringify(await listApiKeys(db, tenant.id)));
    } else {
      const revoked = await revokeApiKey(db, tenant.id, values.id!);
      if (!revoked) throw new Error(`tenant "${values.tenant}" has no key ${values.id}`);
      console.log(JSON.stringify(revoked));
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
});
