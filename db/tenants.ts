import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './pool';

export interface Tenant {
  id: string;
  name: string;
}

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** Creates a tenant with a fresh API key; the key is returned once and only its hash is kept. */
export async function createTenant(db: Db, name: string): Promise<{ tenant: Tenant; apiKey: string }> {
  const apiKey = `tp_${randomBytes(24).toString('base64url')}`;
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<Tenant>(
      'INSERT INTO tenants (name) VALUES ($1) RETURNING id, name',
      [name],
    );
    const tenant = rows[0]!;
    await client.query('INSERT INTO api_keys (tenant_id, key_hash, key_prefix) VALUES ($1, $2, $3)', [
      tenant.id,
      hashApiKey(apiKey),
      apiKey.slice(0, 7),
    ]);
    await client.query('COMMIT');
    return { tenant, apiKey };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export async function findTenantByApiKey(db: Db, apiKey: string): Promise<Tenant | null> {
  const { rows } = await db.query<Tenant>(
    `SELECT t.id, t.name FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
      WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
    [hashApiKey(apiKey)],
  );
  return rows[0] ?? null;
}

export async function findTenantByName(db: Db, name: string): Promise<Tenant | null> {
  const { rows } = await db.query<Tenant>('SELECT id, name FROM tenants WHERE name = $1', [name]);
  return rows[0] ?? null;
}

/** Issues another API key for an existing tenant. */
export async function addApiKey(db: Db, tenantId: string): Promise<string> {
  const apiKey = `tp_${randomBytes(24).toString('base64url')}`;
  await db.query('INSERT INTO api_keys (tenant_id, key_hash, key_prefix) VALUES ($1, $2, $3)', [
    tenantId,
    hashApiKey(apiKey),
    apiKey.slice(0, 7),
  ]);
  return apiKey;
}
