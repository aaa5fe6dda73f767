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

export interface TwilioObjectRegistry {
  /**
   * Creates an object Twilio can only find again by paging through all of its kind, at most once and
   * without that paging in the usual case: the name is claimed in PostgreSQL (per tenant) before the
   * create and the SID kept as soon as Twilio answers. Only when an earlier attempt may have created it
   * without its SID being kept does `find` page through Twilio; what it finds must not be another tenant's.
   */
  createOnce(o: { tenantId: string; kind: string; name: string; find: () => Promise<string | undefined>; create: () => Promise<string> }): Promise<string>;
  /** Records an object found by name or listing as this tenant's; throws if another tenant already holds it. */
  adopt(o: { tenantId: string; kind: string; name: string; sid: string }): Promise<string>;
  /** Throws if any other tenant holds this SID. */
  assertNotForeign(tenantId: string, kind: string, sid: string): Promise<void>;
}

export function createTwilioObjectRegistry(db: Db): TwilioObjectRegistry {
  async function assertNotForeign(tenantId: string, kind: string, sid: string) {
    const { rows } = await db.query(
      `SELECT 1 FROM twilio_objects WHERE sid = $1 AND tenant_id <> $2
       UNION ALL SELECT 1 FROM a2p_profiles WHERE profile_sid = $1 AND tenant_id <> $2
       UNION ALL SELECT 1 FROM a2p_brands WHERE brand_sid = $1 AND tenant_id <> $2
       UNION ALL SELECT 1 FROM voice_trust_registrations WHERE (trust_product_sid = $1 OR end_user_sid = $1) AND tenant_id <> $2
       LIMIT 1`,
      [sid, tenantId],
    );
    if (rows.length) throw foreignObject(kind, sid);
  }

  async function keep(tenantId: string, kind: string, name: string, sid: string) {
    await db.query('UPDATE twilio_objects SET sid = $4, updated_at = now() WHERE tenant_id = $1 AND kind = $2 AND name = $3', [tenantId, kind, name, sid]);
  }

  return {
    assertNotForeign,

    async createOnce({ tenantId, kind, name, find, create }) {
      const { rows } = await db.query<{ sid: string | null; claims: number }>(
        `INSERT INTO twilio_objects (tenant_id, kind, name) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, kind, name) DO UPDATE SET claims = twilio_objects.claims + 1, updated_at = now()
         RETURNING sid, claims`,
        [tenantId, kind, name],
      );
      if (rows[0]!.sid) return rows[0]!.sid;
      const mayExist = rows[0]!.claims > 1 || activityAttempt() > 1;
      const found = mayExist ? await find() : undefined;
      if (found) await assertNotForeign(tenantId, kind, found);
      const sid = found ?? (await create());
      await keep(tenantId, kind, name, sid);
      return sid;
    },

    async adopt({ tenantId, kind, name, sid }) {
      await assertNotForeign(tenantId, kind, sid);
      await db.query(
        `INSERT INTO twilio_objects (tenant_id, kind, name, sid) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, kind, name) DO UPDATE SET sid = EXCLUDED.sid, updated_at = now()`,
        [tenantId, kind, name, sid],
      );
      return sid;
    },
  };
}
