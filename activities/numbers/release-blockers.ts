import type { MembershipRegistry } from '../kit/memberships';
import type { ReleaseBlocker } from './numbers';

/**
 * What must be undone before Twilio releases a number: each product holding it (its trunk, its Messaging
 * Service, its voice trust products) takes it out, product by product, and its timeline says so. Each asks
 * only about the number's own memberships, so a release costs the same however many trunks, services and
 * trust products the tenant has.
 */
export function membershipReleaseBlockers(memberships: MembershipRegistry): ReleaseBlocker[] {
  return memberships.providers.map((provider) => ({
    name: provider.kind,
    async detach({ tenantId, phoneNumber, twilioSid }) {
      for (const m of await provider.membershipsOf({ tenantId, phoneNumber, twilioSid })) await provider.leave(m, { kind: 'release' });
    },
  }));
}
