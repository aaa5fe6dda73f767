import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchedClaims, claimPurchase } from '../../db/numbers';
import { createPool, type Db } from '../../db/pool';
import { createTenant } from '../../db/tenants';
import { stack } from '../helpers/stack';

let db: Db;
beforeAll(() => {
  db = createPool(stack.databaseUrl, 20);
});
afterAll(async () => {
  await db.end();
});

const config = { voiceUrl: null, smsUrl: null } as never;
const numberOf = (prefix: string, i: number) => `+1${prefix}${String(i).padStart(7 - (prefix.length - 3), '0')}`;

describe('purchase intents claimed in batches', () => {
  it('commits the claims of one wave in one statement, each fresh, before any caller goes on', async () => {
    const { tenant } = await createTenant(db, `claims-${randomUUID()}`);
    const claim = batchedClaims(db);
    const wave = Array.from({ length: 60 }, (_, i) => numberOf('957', i));
    const claims = await Promise.all(
      wave.map((phoneNumber) => claim({ tenantId: tenant.id, purchaseKey: `wave:${phoneNumber}`, phoneNumber, jobId: null, config })),
    );
    expect(claims.every((c) => c.kind === 'fresh')).toBe(true);
    // Rows written by one statement share its transaction's timestamp.
    const { rows } = await db.query(
      `SELECT count(*)::int AS n, count(DISTINCT created_at)::int AS statements FROM phone_numbers WHERE purchase_key LIKE 'wave:%' AND tenant_id = $1`,
      [tenant.id],
    );
    expect(rows[0]).toEqual({ n: 60, statements: 1 });
  });

  it('tells a repeated purchase from a number another purchase holds, in a batch as one at a time', async () => {
    const { tenant } = await createTenant(db, `claims-${randomUUID()}`);
    const { tenant: other } = await createTenant(db, `claims-${randomUUID()}`);
    const claim = batchedClaims(db);
    const [a, b, c] = [numberOf('958', 1), numberOf('958', 2), numberOf('958', 3)];
    expect((await claimPurchase(db, { tenantId: tenant.id, purchaseKey: `k:${a}`, phoneNumber: a, jobId: null, config })).kind).toBe('fresh');
    expect((await claimPurchase(db, { tenantId: other.id, purchaseKey: `other:${b}`, phoneNumber: b, jobId: null, config })).kind).toBe('fresh');
    const results = await Promise.all([
      claim({ tenantId: tenant.id, purchaseKey: `k:${a}`, phoneNumber: a, jobId: null, config }), // an earlier attempt got this far
      claim({ tenantId: tenant.id, purchaseKey: `k:${b}`, phoneNumber: b, jobId: null, config }), // the other tenant holds it
      claim({ tenantId: tenant.id, purchaseKey: `k:${c}`, phoneNumber: c, jobId: null, config }),
      claim({ tenantId: tenant.id, purchaseKey: `k:${c}`, phoneNumber: c, jobId: null, config }), // the same purchase twice at once
    ]);
    expect(results.map((r) => r.kind)).toEqual(['existing', 'held_elsewhere', 'fresh', 'existing']);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM phone_numbers WHERE phone_number = ANY($1)`, [[a, b, c]]);
    expect(rows[0].n).toBe(3);
  });

  it('falls back to one claim at a time when PostgreSQL refuses the batch, so one bad row fails only its own claim', async () => {
    const { tenant } = await createTenant(db, `claims-${randomUUID()}`);
    const claim = batchedClaims(db);
    const good = numberOf('959', 1);
    const results = await Promise.allSettled([
      claim({ tenantId: tenant.id, purchaseKey: `k:${good}`, phoneNumber: good, jobId: null, config }),
      claim({ tenantId: tenant.id, purchaseKey: 'k:bad', phoneNumber: numberOf('959', 2), jobId: randomUUID(), config }), // no such job
    ]);
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { kind: 'fresh' } });
    expect(results[1]).toMatchObject({ status: 'rejected' });
  });
});
