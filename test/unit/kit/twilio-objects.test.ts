import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { a2pSidSources } from '../../../activities/a2p/registration';
import { createTwilioObjectRegistry, sidByName } from '../../../activities/kit/twilio-objects';
import { voiceTrustSidSources } from '../../../activities/voice-trust/registration';
import { createPool, type Db } from '../../../db/kit/pool';
import { newTenant, stack } from '../../helpers/stack';

/** The Twilio object registry with the SID sources products register (issue #21 §1), against the stack's PostgreSQL. */
let db: Db;
let alice: string;
let bob: string;
beforeAll(async () => {
  db = createPool(stack.databaseUrl, 2);
  alice = (await newTenant(db, 'objects-alice')).tenantId;
  bob = (await newTenant(db, 'objects-bob')).tenantId;
});
afterAll(async () => {
  await db.end();
});

/** A brand Alice's A2P registration holds: only in a2p_brands, never in twilio_objects. */
async function alicesBrand(): Promise<string> {
  const sid = `BN${randomUUID().replaceAll('-', '')}`;
  await db.query('INSERT INTO a2p_brands (tenant_id, brand_sid) VALUES ($1, $2)', [alice, sid]);
  return sid;
}

const never = () => Promise.reject(new Error('must not create'));

describe('SID sources registered by products', () => {
  it("refuses, for another tenant, a SID a registered product source holds, and lets its own tenant use it", async () => {
    const registry = createTwilioObjectRegistry(db, [...a2pSidSources, ...voiceTrustSidSources]);
    const brand = await alicesBrand();
    await expect(registry.assertNotForeign(bob, 'brand', brand)).rejects.toMatchObject({ type: 'TenantMismatch' });
    await expect(registry.adopt({ tenantId: bob, kind: 'brand', name: `bob-${brand}`, sid: brand })).rejects.toMatchObject({ type: 'TenantMismatch' });
    // A reconcile that finds it for Bob stops there: nothing is created, nothing recorded.
    await expect(registry.reconcile({ tenantId: bob, kind: 'brand', mayExist: true, find: async () => brand, create: never })).rejects.toMatchObject({ type: 'TenantMismatch' });
    expect((await db.query('SELECT 1 FROM twilio_objects WHERE sid = $1', [brand])).rowCount).toBe(0);
    await expect(registry.assertNotForeign(alice, 'brand', brand)).resolves.toBeUndefined();
    expect(await registry.reconcile({ tenantId: alice, kind: 'brand', mayExist: true, find: async () => brand, create: never })).toBe(brand);
  });

  it('a registry whose products register no sources checks twilio_objects only', async () => {
    const registry = createTwilioObjectRegistry(db);
    const brand = await alicesBrand();
    await expect(registry.assertNotForeign(bob, 'brand', brand)).resolves.toBeUndefined();
    // twilio_objects still counts: what Alice adopted there is refused to Bob.
    const adopted = `IT${randomUUID().replaceAll('-', '')}`;
    await registry.adopt({ tenantId: alice, kind: 'probe', name: adopted, sid: adopted });
    await expect(registry.assertNotForeign(bob, 'probe', adopted)).rejects.toMatchObject({ type: 'TenantMismatch' });
  });

  it('refuses, when registered, a source whose table or column is not a plain identifier (they are written into SQL)', () => {
    expect(() => createTwilioObjectRegistry(db, [{ table: 'a2p_brands; DROP TABLE tenants', sidColumns: ['brand_sid'] }])).toThrow(/plain SQL identifier/);
    expect(() => createTwilioObjectRegistry(db, [{ table: 'a2p_brands', sidColumns: ['brand_sid = brand_sid OR true --'] }])).toThrow(/plain SQL identifier/);
    expect(() => createTwilioObjectRegistry(db, [{ table: 'a2p_brands', sidColumns: [] }])).toThrow(/no SID column/);
  });
});

describe('reconcile', () => {
  it('looks only when an earlier attempt may have made the object, and creates when nothing is found', async () => {
    const registry = createTwilioObjectRegistry(db, a2pSidSources);
    let looked = 0;
    const find = async () => {
      looked += 1;
      return undefined;
    };
    expect(await registry.reconcile({ tenantId: bob, kind: 'probe', mayExist: false, find, create: async () => 'ITfirst' })).toBe('ITfirst');
    expect(looked).toBe(0);
    expect(await registry.reconcile({ tenantId: bob, kind: 'probe', mayExist: true, find, create: async () => 'ITretry' })).toBe('ITretry');
    expect(looked).toBe(1);
  });
});

describe('sidByName', () => {
  it('finds the object whose friendly name is exactly the name, not one that merely starts with it', async () => {
    const listing = Promise.resolve([{ sid: 'IT1', friendlyName: 'tp:abc:x' }, { sid: 'IT2', friendlyName: 'tp:abc' }, { sid: 'IT3', friendlyName: null }]);
    expect(await sidByName(listing, 'tp:abc')).toBe('IT2');
    expect(await sidByName(Promise.resolve([]), 'tp:abc')).toBeUndefined();
  });
});
