import { describe, expect, it } from 'vitest';
import { createMembershipRegistry, type Membership, type MembershipKind, type MembershipProvider, type NumberRef } from '../../../activities/kit/memberships';

/** A product holding numbers in memory, logging every join and leave in one shared log. */
function fakeProvider(kind: MembershipKind, held: Membership[], log: string[]): MembershipProvider {
  return {
    kind,
    async membershipsOf(n) {
      return held.filter((m) => m.kind === kind && m.twilioSid === n.twilioSid);
    },
    async join(n, containerSid) {
      log.push(`join ${n.phoneNumber} ${containerSid}`);
      const m = { ...n, kind, containerSid, membershipSid: null };
      held.push(m);
      return m;
    },
    async leave(m, cause) {
      log.push(`leave ${m.phoneNumber} ${m.containerSid} (${cause.kind})`);
      held.splice(held.indexOf(m), 1);
    },
  };
}

const oldNumber: NumberRef = { tenantId: 't', phoneNumber: '+15550000001', twilioSid: 'PN1' };
const replacement: NumberRef = { tenantId: 't', phoneNumber: '+15550000002', twilioSid: 'PN2' };

describe('the membership registry', () => {
  it('moves each membership by joining the replacement before the old number leaves, and reports what the replacement holds', async () => {
    const log: string[] = [];
    const held: Membership[] = [
      { ...oldNumber, kind: 'sip_trunk', containerSid: 'TK1', membershipSid: 'PN1' },
      { ...oldNumber, kind: 'messaging_service', containerSid: 'MG1', membershipSid: 'PN1' },
    ];
    const registry = createMembershipRegistry([fakeProvider('sip_trunk', held, log), fakeProvider('messaging_service', held, log)]);
    const moved = await registry.move(oldNumber, replacement);
    expect(log).toEqual([
      'join +15550000002 TK1', 'leave +15550000001 TK1 (rotation)',
      'join +15550000002 MG1', 'leave +15550000001 MG1 (rotation)',
    ]);
    expect(moved.map((m) => [m.phoneNumber, m.kind, m.containerSid])).toEqual([[replacement.phoneNumber, 'sip_trunk', 'TK1'], [replacement.phoneNumber, 'messaging_service', 'MG1']]);
    expect(await registry.membershipsOf(oldNumber)).toEqual([]);
  });

  it('a retried move after the old number left everything still reports the whole move, and changes nothing', async () => {
    const log: string[] = [];
    const held: Membership[] = [{ ...replacement, kind: 'trust_product', containerSid: 'BU1', membershipSid: null }];
    const registry = createMembershipRegistry([fakeProvider('trust_product', held, log)]);
    expect((await registry.move(oldNumber, replacement)).map((m) => m.containerSid)).toEqual(['BU1']);
    expect(log).toEqual([]);
  });

  it('refuses a kind no product registered', () => {
    expect(() => createMembershipRegistry([]).provider('sip_trunk')).toThrow(/no membership provider registered for sip_trunk/);
  });
});
