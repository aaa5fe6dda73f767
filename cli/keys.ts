import { parseArgs } from 'node:util';
import { findTenantByName, issueApiKey, listApiKeys, revokeApiKey } from '../db/platform/tenants';
import { CreateApiKeyBody } from '../schemas/platform/api-keys';
import { withCliDb } from './db';

/**
 * A tenant's API keys from the command line (the operator's side of `/v1/api-keys`), as JSON:
 *   npm run keys -- create --tenant acme [--name ci] [--scopes read,write] [--admin] [--expires 2027-01-01T00:00:00Z]
 *                                                                → the key, shown once; read only unless told
 *   npm run keys -- list   --tenant acme                         → prefixes, scopes, last use
 *   npm run keys -- revoke --tenant acme --id <key id>           → stops working at once
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    tenant: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'string' },
    admin: { type: 'boolean', default: false },
    expires: { type: 'string' },
    id: { type: 'string' },
  },
});
const command = positionals[0];
const usage =
  'usage: npm run keys -- create|list|revoke --tenant <name> [--name <label>] [--scopes read,write,spend,admin] [--admin] [--expires <ISO 8601>] [--id <key id>]';
if (!command || !['create', 'list', 'revoke'].includes(command) || !values.tenant || (command === 'revoke' && !values.id)) {
  console.error(usage);
  process.exit(2);
}
await withCliDb(async (db) => {
  try {
    const tenant = await findTenantByName(db, values.tenant!);
    if (!tenant) throw new Error(`no tenant named "${values.tenant}"`);
    if (command === 'create') {
      const { apiKey, view } = await issueApiKey(db, tenant.id, newKeyFromFlags());
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

/** The new key as the API would take it (the same checks): --scopes and --admin add up; neither is read only. */
function newKeyFromFlags() {
  const scopes = [...(values.scopes?.split(',').map((s) => s.trim()).filter(Boolean) ?? []), ...(values.admin ? ['admin'] : [])];
  const parsed = CreateApiKeyBody.safeParse({
    ...(values.name ? { name: values.name } : {}),
    ...(scopes.length ? { scopes: [...new Set(scopes)] } : {}),
    ...(values.expires ? { expiresAt: values.expires } : {}),
  });
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `--${flagOf(String(i.path[0]))}: ${i.message}`).join('; '));
  return { name: parsed.data.name ?? null, scopes: parsed.data.scopes, expiresAt: parsed.data.expiresAt ?? null };
}

function flagOf(field: string) {
  return field === 'expiresAt' ? 'expires' : field;
}
