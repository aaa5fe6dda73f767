import type { Db } from './pool';

/** The products that hold numbers. A new one (porting, regulatory bundles) is one more kind here and in the table's CHECK. */
export type MembershipKind = 'sip_trunk' | 'messaging_service' | 'trust_product';

/** A number Twilio can name: whose it is, its E.164 and its PN SID. */
export interface NumberRef {
  tenantId: string;
  phoneNumber: string;
  twilioSid: string;
}

/** One product holding one number, as recorded when the number joined it. */
export interface Membership extends NumberRef {
  kind: MembershipKind;
  /** The trunk (TK…), Messaging Service (MG…) or trust product (BU…). */
  containerSid: string;
  /** Twilio's SID of the membership itself, where it has one and we learnt it. */
  membershipSid: string | null;
}

/** At Twilio a number sits on one trunk and in one Messaging Service at most: joining another replaces the first. */
const ONE_PER_NUMBER: MembershipKind[] = ['sip_trunk', 'messaging_service'];

/**
 * Records that a live number joined a container (call it once Twilio has confirmed the join). The tenant and
 * E.164 come from the number's own row, so a product's activity needs only the SIDs Twilio gave it.
 * Idempotent: a retried join records nothing twice.
 */
export async function recordMembership(
  db: Db,
  m: { twilioSid: string; kind: MembershipKind; containerSid: string; membershipSid?: string | null },
): Promise<void> {
  await db.query(
    `WITH replaced AS (
       DELETE FROM number_memberships WHERE twilio_sid = $1 AND kind = $2 AND container_sid <> $3 AND $2 = ANY($5::text[])
     )
     INSERT INTO number_memberships (tenant_id, phone_number, twilio_sid, kind, container_sid, membership_sid)
     SELECT tenant_id, phone_number, twilio_sid, $2, $3, $4 FROM phone_numbers
      WHERE twilio_sid = $1 AND status IN ('active', 'releasing')
     ON CONFLICT (twilio_sid, kind, container_sid) DO UPDATE SET membership_sid = COALESCE(EXCLUDED.membership_sid, number_memberships.membership_sid)`,
    [m.twilioSid, m.kind, m.containerSid, m.membershipSid ?? null, ONE_PER_NUMBER],
  );
}

/** The number left the container (after Twilio confirmed it, or found it gone). */
export async function forgetMembership(db: Db, m: { twilioSid: string; kind: MembershipKind; containerSid: string }): Promise<void> {
  await db.query('DELETE FROM number_memberships WHERE twilio_sid = $1 AND kind = $2 AND container_sid = $3', [m.twilioSid, m.kind, m.containerSid]);
}

/** The container itself is gone (trunk deleted, Messaging Service deleted, trust product cleaned up): it holds nothing. */
export async function forgetContainer(db: Db, kind: MembershipKind, containerSid: string): Promise<void> {
  await db.query('DELETE FROM number_memberships WHERE kind = $1 AND container_sid = $2', [kind, containerSid]);
}

/** A released number belongs to nothing any more. */
export async function forgetNumber(db: Db, twilioSid: string): Promise<void> {
  await db.query('DELETE FROM number_memberships WHERE twilio_sid = $1', [twilioSid]);
}

/** The tenant's number's recorded memberships of one kind. */
export async function recordedMemberships(db: Db, n: NumberRef, kind: MembershipKind): Promise<Membership[]> {
  const { rows } = await db.query<{ container_sid: string; membership_sid: string | null }>(
    `SELECT container_sid, membership_sid FROM number_memberships
      WHERE tenant_id = $1 AND twilio_sid = $2 AND kind = $3 ORDER BY created_at, container_sid`,
    [n.tenantId, n.twilioSid, kind],
  );
  return rows.map((r) => ({ ...n, kind, containerSid: r.container_sid, membershipSid: r.membership_sid }));
}

/**
 * A voice trust registration's numbers now on its trust product. Recorded from voice_trust_numbers once the
 * assignment step has confirmed them all (Twilio's assignment SIDs are not kept: leaving looks them up by number).
 */
export async function recordTrustProductMemberships(db: Db, registrationId: string): Promise<void> {
  await db.query(
    `INSERT INTO number_memberships (tenant_id, phone_number, twilio_sid, kind, container_sid)
     SELECT v.tenant_id, v.phone_number, v.twilio_sid, 'trust_product', r.trust_product_sid
       FROM voice_trust_numbers v JOIN voice_trust_registrations r ON r.id = v.registration_id
      WHERE v.registration_id = $1 AND v.on_trust_product AND v.detached_at IS NULL AND r.trust_product_sid IS NOT NULL
     ON CONFLICT DO NOTHING`,
    [registrationId],
  );
}
