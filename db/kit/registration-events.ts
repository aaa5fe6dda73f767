import type pg from 'pg';
import type { Db } from './pool';

/**
 * The timelines of reviewed registrations, one table for every product (issue #21 §1). A new product (porting,
 * regulatory bundles) is one more line here: its name and the table of its registrations, where an event
 * finds its tenant.
 */
const registrationsTables = {
  a2p: 'a2p_registrations',
  voice_trust: 'voice_trust_registrations',
  tollfree: 'tollfree_verifications',
} as const;
export type RegistrationProduct = keyof typeof registrationsTables;

type Queryable = Db | pg.PoolClient;

export interface RegistrationEvent {
  product: RegistrationProduct;
  registrationId: string;
  type: string;
  message: string;
  /** What a later reader may match on (the message is for people); toll-free events carry none. */
  data?: object;
}

/** As a timeline shows an event (the API's field names are the readers' own). */
export interface TimelineEvent {
  at: Date;
  type: string;
  message: string;
}

/** Only a known product's name is ever written into SQL text. */
function productLiteral(product: RegistrationProduct): string {
  if (!Object.hasOwn(registrationsTables, product)) throw new Error(`unknown registration product ${String(product)}`);
  return `'${product}'`;
}

/**
 * The events statement for a writer whose own statement makes the events (a CTE that marks a number detached, a
 * note for every registration sending from a Messaging Service). `select` yields, in this order, each event's
 * tenant_id, registration_id, type, message and data (a jsonb, or its JSON text); it may use the writer's CTEs
 * and parameters.
 */
export function insertRegistrationEvents(product: RegistrationProduct, select: string): string {
  return `INSERT INTO registration_events (product, tenant_id, registration_id, type, message, data)
    SELECT ${productLiteral(product)}, event.tenant_id::uuid, event.registration_id::uuid, event.type::text, event.message::text, event.data::jsonb
      FROM (${select}) AS event (tenant_id, registration_id, type, message, data)`;
}

/**
 * Appends to a registration's timeline. The tenant is the registration's own (read from its row), so a writer
 * needs only the id; an id that names no registration of the product records nothing (false).
 */
export async function recordRegistrationEvent(db: Queryable, e: RegistrationEvent): Promise<boolean> {
  const { rowCount } = await db.query(
    insertRegistrationEvents(e.product, `SELECT tenant_id, id, $2, $3, $4 FROM ${registrationsTables[e.product]} WHERE id = $1`),
    [e.registrationId, e.type, e.message, JSON.stringify(e.data ?? {})],
  );
  return rowCount === 1;
}

/**
 * A registration's timeline, oldest first: with a limit, its newest `limit` events (A2P shows 200); with null,
 * all of them (voice trust and toll-free show every event). Only the tenant's own events of that product.
 */
export async function registrationTimeline(
  db: Queryable,
  product: RegistrationProduct,
  registration: { tenantId: string; registrationId: string },
  limit: number | null,
): Promise<TimelineEvent[]> {
  const { rows } = await db.query<TimelineEvent & { id: string }>(
    `SELECT * FROM (
       SELECT id, at, type, message FROM registration_events
        WHERE product = $1 AND tenant_id = $2 AND registration_id = $3 ORDER BY id DESC LIMIT $4
     ) newest ORDER BY id`,
    [product, registration.tenantId, registration.registrationId, limit],
  );
  return rows.map(({ at, type, message }) => ({ at, type, message }));
}
