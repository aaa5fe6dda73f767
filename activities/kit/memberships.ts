import type { Membership, MembershipKind, NumberRef } from '../../db/kit/memberships';

export type { Membership, MembershipKind, NumberRef };

/** Why a number leaves a container: the products' timelines say so. */
export type LeaveCause = { kind: 'release' } | { kind: 'rotation'; replacement: string } | { kind: 'transfer'; transferId: string };

/**
 * A product that holds numbers (SIP trunks, Messaging Services, trust products; porting and bundles later).
 * Its own activities record each join in number_memberships when Twilio confirms it; release and rotation
 * reach the product only through these three calls, never by listing its containers at Twilio. Each product
 * has its provider in its own folder (activities/<product>/memberships.ts); activities/index.ts registers them.
 *
 * A provider reads the number's memberships from number_memberships (backfilled by migration 037). A worker
 * of the previous version, still running during a rolling deploy, records joins only the old way —
 * phone_numbers.sip_trunk_id, voice_trust_numbers, a registration's state and the audit trail — so each
 * provider also reads that, for this one number only.
 */
export interface MembershipProvider {
  kind: MembershipKind;
  /** The containers of this product holding the number: its recorded memberships (and, where a product has joins recorded only the old way, those it can still name). */
  membershipsOf(n: NumberRef): Promise<Membership[]>;
  /** Puts the number in the container (a rotation's replacement taking the old number's place); reads Twilio before it writes. */
  join(n: NumberRef, containerSid: string): Promise<Membership>;
  /** Takes the number out at Twilio (gone counts as done) and forgets the membership. */
  leave(m: Membership, cause: LeaveCause): Promise<void>;
}

export interface MembershipRegistry {
  providers: readonly MembershipProvider[];
  provider(kind: MembershipKind): MembershipProvider;
  /** Every membership of the number, product by product in registration order. */
  membershipsOf(n: NumberRef): Promise<Membership[]>;
  /**
   * The replacement joins each container the old number is in, then the old number leaves it: the service
   * never lacks a number. Returns what the replacement holds afterwards — on a retry after the old number
   * already left, that is still the whole move.
   */
  move(from: NumberRef, to: NumberRef): Promise<Membership[]>;
}

/** A product's rows (container SID, membership SID) as the number's memberships of its kind. */
export const asMemberships = (n: NumberRef, kind: MembershipKind, rows: { container_sid: string; membership_sid: string | null }[]): Membership[] =>
  rows.map((r) => ({ ...n, kind, containerSid: r.container_sid, membershipSid: r.membership_sid }));

/** The registry: one registration per product. */
export function createMembershipRegistry(providers: MembershipProvider[]): MembershipRegistry {
  const byKind = new Map(providers.map((p) => [p.kind, p]));
  const provider = (kind: MembershipKind) => {
    const p = byKind.get(kind);
    if (!p) throw new Error(`no membership provider registered for ${kind}`);
    return p;
  };
  const membershipsOf = async (n: NumberRef) => {
    const all: Membership[] = [];
    for (const p of providers) all.push(...(await p.membershipsOf(n)));
    return all;
  };
  return {
    providers,
    provider,
    membershipsOf,
    async move(from, to) {
      for (const m of await membershipsOf(from)) {
        await provider(m.kind).join(to, m.containerSid);
        await provider(m.kind).leave(m, { kind: 'rotation', replacement: to.phoneNumber });
      }
      return membershipsOf(to);
    },
  };
}
