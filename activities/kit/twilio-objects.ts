import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../../db/kit/pool';
import { activityAttempt } from './attempt';

/**
 * The Twilio object registry: how this service names what it creates at Twilio and finds it again,
 * for every tenant of one Twilio account.
 *
 * A name is a digest of the tenant and a server-side scope (the workflow id, which itself carries the
 * tenant, or a registration id): two tenants, or two requests of one tenant, can never share one, whatever
 * Idempotency-Keys they send. 22 base64url characters (132 bits) leave room inside Twilio's 64-character
 * friendly names for a readable prefix or suffix, and are never cut shorter.
 */
export function tenantScopedName(tenantId: string, scope: string): string {
  return `tp:${createHash('sha256').update(`${tenantId}\n${scope}`).digest('base64url').slice(0, 22)}`;
}

/** The tenant-scoped name; work started before tenant-scoped names carries no scope and keeps its earlier name. */
export const scopedNameOr = (tenantId: string, scope: string | undefined, earlierName: () => string): string =>
  scope ? tenantScopedName(tenantId, scope) : earlierName();

/** What a reconcile found at Twilio belongs to another tenant: stop, never adopt it. */
export const foreignObject = (kind: string, sid: string) =>
  ApplicationFailure.nonRetryable(`Twilio ${kind} ${sid} belongs to another tenant; refusing to use it`, 'TenantMismatch');

/** An activity's input names a tenant its row does not belong to: refuse (defence in depth). */
export const tenantMismatch = (what: string) =>
  ApplicationFailure.nonRetryable(`${what} does not belong to the tenant named in this workflow's input`, 'TenantMismatch');

/** Throws unless the row's tenant is the one the workflow input names. */
export function assertTenant(rowTenantId: string | null | undefined, inputTenantId: string | undefined, what: string): void {
  if (inputTenantId !== undefined && rowTenantId != null && rowTenantId !== inputTenantId) throw tenantMismatch(what);
}

/**
 * Where a product keeps the SIDs of Twilio objects its tenants hold in its own rows rather than in
 * twilio_objects: a table with a tenant_id column, and the columns that hold SIDs. Each product names its
 * own; the registry is built with every product's (activities/index.ts), so an object one product holds
 * for one tenant is never adopted for another, whichever product finds it.
 */
export interface SidSource {
  table: string;
  sidColumns: readonly string[];
}

/** Table and column names go into SQL as written: only plain lower-case identifiers are accepted. */
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function heldByAnotherTenant(source: SidSource): string {
  for (const name of [source.table, ...source.sidColumns]) {
    if (!IDENTIFIER.test(name)) throw new Error(`SID source ${source.table}: ${name} is not a plain SQL identifier`);
  }
  if (source.sidColumns.length === 0) throw new Error(`SID source ${source.table} names no SID column`);
  const held = source.sidColumns.map((c) => `${c} = $1`).join(' OR ');
  return `SELECT 1 FROM ${source.table} WHERE ${source.sidColumns.length > 1 ? `(${held})` : held} AND tenant_id <> $2`;
}

/** The SID of the object a listing names so (for Twilio lists that can't be filtered by friendly name). */
export async function sidByName(listing: Promise<{ sid: string; friendlyName?: string | null }[]>, name: string): Promise<string | undefined> {
  return (await listing).find((o) => o.friendlyName === name)?.sid;
}

/** A product's way of finding an object again and of making it. */
interface FindOrMake {
  tenantId: string;
  kind: string;
  find: () => Promise<string | undefined>;
  create: () => Promise<string>;
}

export interface TwilioObjectRegistry {
  /**
   * Creates an object Twilio can only find again by paging through all of its kind, at most once and
   * without that paging in the usual case: the name is claimed in PostgreSQL (per tenant) before the
   * create and the SID kept as soon as Twilio answers. Only when an earlier attempt may have created it
   * without its SID being kept does `find` page through Twilio; what it finds must not be another tenant's.
   */
  createOnce(o: FindOrMake & { name: string }): Promise<string>;
  /**
   * For objects Twilio filters by name cheaply: what the name finds is used only when no other tenant
   * holds it, else the object is created; either way it is recorded as this tenant's.
   */
  findOrCreate(o: FindOrMake & { name: string }): Promise<string>;
  /**
   * For an object whose SID the product keeps in its own row (a registered SID source) and has not kept
   * yet: looks for it when an earlier attempt may have made it (`mayExist`), refuses another tenant's,
   * creates it otherwise. The caller keeps the SID.
   */
  reconcile(o: FindOrMake & { mayExist: boolean }): Promise<string>;
  /** Records an object found by name or listing as this tenant's; throws if another tenant already holds it. */
  adopt(o: { tenantId: string; kind: string; name: string; sid: string }): Promise<string>;
  /** Throws if any other tenant holds this SID (in twilio_objects or any registered SID source). */
  assertNotForeign(tenantId: string, kind: string, sid: string): Promise<void>;
}

/** The registry over twilio_objects and the SID sources the products registered. */
export function createTwilioObjectRegistry(db: Db, sources: readonly SidSource[] = []): TwilioObjectRegistry {
  const foreignSql = [`SELECT 1 FROM twilio_objects WHERE sid = $1 AND tenant_id <> $2`, ...sources.map(heldByAnotherTenant)].join('\n       UNION ALL ') + '\n       LIMIT 1';

  async function assertNotForeign(tenantId: string, kind: string, sid: string) {
    const { rows } = await db.query(foreignSql, [sid, tenantId]);
    if (rows.length) throw foreignObject(kind, sid);
  }

  async function reconcile({ tenantId, kind, find, create, mayExist }: FindOrMake & { mayExist: boolean }) {
    const found = mayExist ? await find() : undefined;
    if (found) await assertNotForeign(tenantId, kind, found);
    return found ?? (await create());
  }

  async function adopt({ tenantId, kind, name, sid }: { tenantId: string; kind: string; name: string; sid: string }) {
    await assertNotForeign(tenantId, kind, sid);
    await db.query(
      `INSERT INTO twilio_objects (tenant_id, kind, name, sid) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, kind, name) DO UPDATE SET sid = EXCLUDED.sid, updated_at = now()`,
      [tenantId, kind, name, sid],
    );
    return sid;
  }

  return {
    assertNotForeign,
    reconcile,
    adopt,

    async createOnce({ tenantId, kind, name, find, create }) {
      const { rows } = await db.query<{ sid: string | null; claims: number }>(
        `INSERT INTO twilio_objects (tenant_id, kind, name) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, kind, name) DO UPDATE SET claims = twilio_objects.claims + 1, updated_at = now()
         RETURNING sid, claims`,
        [tenantId, kind, name],
      );
      if (rows[0]!.sid) return rows[0]!.sid;
      const sid = await reconcile({ tenantId, kind, find, create, mayExist: rows[0]!.claims > 1 || activityAttempt() > 1 });
      await db.query('UPDATE twilio_objects SET sid = $4, updated_at = now() WHERE tenant_id = $1 AND kind = $2 AND name = $3', [tenantId, kind, name, sid]);
      return sid;
    },

    async findOrCreate({ tenantId, kind, name, find, create }) {
      return adopt({ tenantId, kind, name, sid: (await find()) ?? (await create()) });
    },
  };
}

/**
 * Benchmarks only (bench:a2p, A2P_RECONCILE_BY_LISTING): the way before claims, kept to measure against —
 * every create first pages through Twilio's listing; nothing is recorded and nothing checked.
 */
export function reconcilingByListing(): TwilioObjectRegistry {
  const findThenCreate = async ({ find, create }: FindOrMake) => (await find()) ?? (await create());
  return {
    createOnce: findThenCreate,
    findOrCreate: findThenCreate,
    reconcile: findThenCreate,
    adopt: async ({ sid }) => sid,
    assertNotForeign: async () => undefined,
  };
}
