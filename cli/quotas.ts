import { parseArgs } from 'node:util';
import { findTenantByName } from '../db/platform/tenants';
import { quotaCheck, setQuota, type Quota } from '../db/platform/quotas';
import { ConfigSchema } from '../config/env';
import { withCliDb } from './db';

/**
 * A tenant's own quotas (JSON out):
 *   npm run tenant:quota -- --tenant acme                         → each quota's limit and use
 *   npm run tenant:quota -- --tenant acme --trunks 20 --numbers 50000 --active-jobs 10
 *   npm run tenant:quota -- --tenant acme --trunks default         → back to TENANT_MAX_TRUNKS
 */
const { values } = parseArgs({ options: { tenant: { type: 'string' }, trunks: { type: 'string' }, numbers: { type: 'string' }, 'active-jobs': { type: 'string' } } });
const given: [Quota, string | undefined][] = [['trunks', values.trunks], ['numbers', values.numbers], ['active_jobs', values['active-jobs']]];
const bad = given.filter(([, v]) => v !== undefined && v !== 'default' && !/^\d{1,9}$/.test(v));
if (!values.tenant || bad.length) {
  console.error('usage: npm run tenant:quota -- --tenant <name> [--trunks N|default] [--numbers N|default] [--active-jobs N|default]');
  process.exit(2);
}
await withCliDb(async (db) => {
  const tenant = await findTenantByName(db, values.tenant!);
  if (!tenant) {
    console.error(`no tenant "${values.tenant}"`);
    process.exitCode = 1;
    return;
  }
  for (const [quota, v] of given) if (v !== undefined) await setQuota(db, tenant.id, quota, v === 'default' ? null : Number(v));
  // The defaults as the API sees them (its TENANT_MAX_* settings, when this shell has them).
  const setting = (name: 'TENANT_MAX_TRUNKS' | 'TENANT_MAX_ACTIVE_JOBS' | 'TENANT_MAX_NUMBERS') => ConfigSchema.shape[name].parse(process.env[name] || undefined);
  const defaults = { trunks: setting('TENANT_MAX_TRUNKS'), active_jobs: setting('TENANT_MAX_ACTIVE_JOBS'), numbers: setting('TENANT_MAX_NUMBERS') };
  const report: Record<string, { limit: number; used: number }> = {};
  for (const [quota] of given) {
    const { limit, used } = await quotaCheck(db, tenant.id, quota, 0, defaults);
    report[quota] = { limit, used };
  }
  console.log(JSON.stringify({ tenant: tenant.name, quotas: report }));
});
