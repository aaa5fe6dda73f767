import { describe, expect, it } from 'vitest';
import type { SipChangeContext } from '../../../activities/sip/changes/context';
import { applySipChange, SIP_CHANGES, SIP_REVERSALS, undoSipChange } from '../../../activities/sip/changes/registry';
import { planSipChanges, settingsOfSpec, twilioListName, type SipDesired, type SipPlanSnapshot } from '../../../compliance/sip/plan';
import { describeChange, describeUndo } from '../../../schemas/sip/describe';
import type { TrunkSpec } from '../../../schemas/sip/trunks';
import type { DesiredNumber, SipChange, SipUndo } from '../../../schemas/sip/workflow';

/** The SIP plan without Twilio: desired state and a snapshot in, ordered changes out. */

const TRUNK_ID = '6292ae37-680c-4ef0-ac1b-44c63b8bde23';
const TRUNK_SID = `TK${'a'.repeat(32)}`;
const AGENTS_CL = `CL${'1'.repeat(32)}`;
const OFFICE_AL = `AL${'2'.repeat(32)}`;
const SHARED_CL = `CL${'3'.repeat(32)}`;
const number = (i: number): DesiredNumber => ({ phoneNumber: `+1415555010${i}`, twilioSid: `PN${String(i).repeat(32)}` });

const spec = (over: Partial<TrunkSpec> = {}): TrunkSpec => ({
  friendlyName: 'Voice agents',
  domainName: 'voice-agents.pstn.twilio.com',
  secure: true,
  cnamLookupEnabled: false,
  transfer: { mode: 'disable-all', callerId: 'from-transferee' },
  recording: { mode: 'record-from-answer', trim: 'do-not-trim' },
  disasterRecovery: { url: 'https://example.com/voice/fallback', method: 'POST' },
  originationUris: [
    { sipUrl: 'sip:primary.example.com;transport=tls', priority: 10, weight: 10, enabled: true },
    { sipUrl: 'sip:backup.example.com;transport=tls', priority: 20, weight: 10, enabled: true },
  ],
  termination: {
    credentialLists: [{ friendlyName: 'agents', credentials: [{ username: 'livekit', passwordRef: 'ref-1' }] }, { sid: SHARED_CL }],
    ipAccessControlLists: [{ friendlyName: 'office', ipAddresses: [{ ip: '203.0.113.7', cidrPrefixLength: 32 }] }],
  },
  ...over,
});

const desired = (over: Partial<SipDesired> = {}): SipDesired => ({
  kind: 'update', trunkId: TRUNK_ID, spec: spec(), numbers: [number(1), number(2)], move: false, secretRefs: [], ...over,
});

const nothing: SipPlanSnapshot = { trunk: null, ownListSids: {}, listsOnlyThisTrunkUses: [], recordedNumbers: [] };

/** What Twilio and the service's records look like once `d` is fully in place. */
function everythingExists(d: SipDesired = desired()): SipPlanSnapshot {
  const s = d.spec!;
  return {
    trunk: {
      trunkSid: TRUNK_SID,
      settings: settingsOfSpec(s),
      authType: ['CREDENTIAL_LIST', 'IP_ACL'],
      recording: s.recording,
      originationUris: s.originationUris.map((u, i) => ({ ...u, sid: `OU${String(i).repeat(32)}`, friendlyName: u.sipUrl })),
      credentialLists: [
        { sid: AGENTS_CL, twilioName: twilioListName(TRUNK_ID, 'agents'), usernames: ['livekit'] },
        { sid: SHARED_CL, twilioName: 'shared', usernames: ['x'] },
      ],
      ipAccessControlLists: [{ sid: OFFICE_AL, twilioName: twilioListName(TRUNK_ID, 'office'), ipAddresses: [{ ip: '203.0.113.7', cidrPrefixLength: 32 }] }],
      phoneNumbers: d.numbers.map((n) => ({ sid: n.twilioSid, phoneNumber: n.phoneNumber })),
    },
    ownListSids: { [twilioListName(TRUNK_ID, 'agents')]: AGENTS_CL, [twilioListName(TRUNK_ID, 'office')]: OFFICE_AL },
    listsOnlyThisTrunkUses: [{ kind: 'credential_list', sid: AGENTS_CL }, { kind: 'ip_acl', sid: OFFICE_AL }],
    recordedNumbers: d.numbers,
  };
}

const names = (plan: SipChange[]) => plan.map(describeChange);
const indexOf = (plan: SipChange[], name: string) => {
  const i = names(plan).indexOf(name);
  expect(i, `${name} is planned`).toBeGreaterThanOrEqual(0);
  return i;
};

describe('planning a SIP trunk change', () => {
  it('provisions a trunk from nothing: the trunk, then what goes on it, numbers last', () => {
    expect(names(planSipChanges(desired({ kind: 'create' }), nothing))).toEqual([
      'create trunk voice-agents.pstn.twilio.com',
      'set recording record-from-answer/do-not-trim',
      'add origination URI sip:primary.example.com;transport=tls',
      'add origination URI sip:backup.example.com;transport=tls',
      'create credential list agents',
      'set credentials of agents',
      'associate credential list agents',
      `associate credential list ${SHARED_CL}`,
      'create IP access control list office',
      'set IP addresses of office',
      'associate IP access control list office',
      'attach +14155550101',
      'attach +14155550102',
    ]);
  });

  it('plans nothing when everything already exists (a re-plan after a retry is idempotent)', () => {
    expect(planSipChanges(desired(), everythingExists())).toEqual([]);
  });

  it('sets a credential list again when the operation carries a fresh password (Twilio never returns one)', () => {
    expect(planSipChanges(desired({ secretRefs: ['ref-1'] }), everythingExists())).toEqual([{ kind: 'sync_credentials', list: spec().termination.credentialLists[0] }]);
  });

  it('plans only what a partial snapshot lacks', () => {
    const full = everythingExists();
    const trunk = full.trunk!;
    const partial: SipPlanSnapshot = {
      ...full,
      // The backup URI and the IP list's association are missing; the credential list exists but isn't associated.
      trunk: { ...trunk, originationUris: trunk.originationUris.slice(0, 1), credentialLists: trunk.credentialLists.slice(1), ipAccessControlLists: [] },
      // The IP list was never created.
      ownListSids: { [twilioListName(TRUNK_ID, 'agents')]: AGENTS_CL },
    };
    expect(planSipChanges(desired(), partial)).toEqual([
      { kind: 'add_origination_uri', uri: spec().originationUris[1] },
      // Its usernames are read from the association, which is missing: set again (idempotent).
      { kind: 'sync_credentials', list: spec().termination.credentialLists[0] },
      { kind: 'associate_list', listKind: 'credential_list', ref: { sid: AGENTS_CL } },
      { kind: 'create_list', listKind: 'ip_acl', friendlyName: 'office' },
      { kind: 'sync_ip_addresses', list: spec().termination.ipAccessControlLists[0] },
      { kind: 'associate_list', listKind: 'ip_acl', ref: { friendlyName: 'office' } },
    ]);
  });

  it('updates only the settings that differ, carrying what an undo restores (domain names compare case-insensitively)', () => {
    const full = everythingExists();
    const was = { ...full.trunk!.settings, domainName: 'VOICE-AGENTS.pstn.twilio.com', cnamLookupEnabled: true, disasterRecoveryUrl: 'https://old.example.com/dr', disasterRecoveryMethod: 'GET' };
    expect(planSipChanges(desired(), { ...full, trunk: { ...full.trunk!, settings: was, recording: { mode: 'do-not-record', trim: 'do-not-trim' } } })).toEqual([
      {
        kind: 'update_trunk',
        settings: { cnamLookupEnabled: false, disasterRecoveryUrl: 'https://example.com/voice/fallback', disasterRecoveryMethod: 'POST' },
        previous: { cnamLookupEnabled: true, disasterRecoveryUrl: 'https://old.example.com/dr', disasterRecoveryMethod: 'GET' },
      },
      { kind: 'set_recording', recording: spec().recording, previous: { mode: 'do-not-record', trim: 'do-not-trim' } },
    ]);
  });

  it('attaches the numbers missing at Twilio or in our records, detaches the unwanted ones (at Twilio or recorded), attaches first', () => {
    const full = everythingExists();
    const snapshot: SipPlanSnapshot = {
      ...full,
      // 2 is on the trunk and recorded; 3 is on the trunk only; 4 is recorded only; 5 is on the trunk, not recorded, and wanted.
      trunk: { ...full.trunk!, phoneNumbers: [2, 3, 5].map((i) => ({ sid: number(i).twilioSid, phoneNumber: number(i).phoneNumber })) },
      recordedNumbers: [number(2), number(4)],
    };
    const plan = planSipChanges(desired({ numbers: [number(1), number(2), number(5)], move: true }), snapshot);
    expect(plan).toEqual([
      { kind: 'attach_number', number: number(1), move: true },
      { kind: 'attach_number', number: number(5), move: true },
      { kind: 'detach_number', number: number(4) },
      { kind: 'detach_number', number: number(3) },
    ]);
  });

  it('keeps a route while replacing URIs, fills a list before associating it, and cleans up only after every reversible change', () => {
    const full = everythingExists();
    const d = desired({
      numbers: [number(1), number(6)],
      spec: spec({
        originationUris: [{ sipUrl: 'sip:edge.example.com;transport=tls', priority: 10, weight: 10, enabled: true }],
        termination: { credentialLists: [{ friendlyName: 'bots', credentials: [{ username: 'bot', passwordRef: 'ref-2' }] }], ipAccessControlLists: [] },
      }),
    });
    const plan = planSipChanges(d, full);
    expect(indexOf(plan, 'add origination URI sip:edge.example.com;transport=tls')).toBeLessThan(indexOf(plan, 'remove origination URI sip:primary.example.com;transport=tls'));
    expect(indexOf(plan, 'create credential list bots')).toBeLessThan(indexOf(plan, 'set credentials of bots'));
    expect(indexOf(plan, 'set credentials of bots')).toBeLessThan(indexOf(plan, 'associate credential list bots'));
    expect(indexOf(plan, 'associate credential list bots')).toBeLessThan(indexOf(plan, `disassociate credential list ${AGENTS_CL}`));
    expect(indexOf(plan, 'attach +14155550106')).toBeLessThan(indexOf(plan, 'detach +14155550102'));
    // Only lists this trunk alone used are deleted: the shared one is disassociated and kept.
    expect(plan.filter((c) => c.kind === 'delete_list')).toEqual([
      { kind: 'delete_list', listKind: 'credential_list', sid: AGENTS_CL },
      { kind: 'delete_list', listKind: 'ip_acl', sid: OFFICE_AL },
    ]);
    expect(names(plan)).toContain(`disassociate credential list ${SHARED_CL}`);
    expectIrreversibleLast(plan);
  });

  it('deletes forward only: numbers off, the trunk, then the lists only it used; a trunk Twilio no longer has only its lists', () => {
    const full = everythingExists();
    const snapshot = { ...full, recordedNumbers: [number(1), number(3)] };
    const plan = planSipChanges(desired({ kind: 'delete', spec: null, numbers: [] }), snapshot);
    expect(plan).toEqual([
      { kind: 'detach_number', number: number(1) },
      { kind: 'detach_number', number: number(3) },
      { kind: 'detach_number', number: number(2) },
      { kind: 'delete_trunk' },
      { kind: 'delete_list', listKind: 'credential_list', sid: AGENTS_CL },
      { kind: 'delete_list', listKind: 'ip_acl', sid: OFFICE_AL },
    ]);
    expectIrreversibleLast(plan);
    expect(planSipChanges(desired({ kind: 'delete', spec: null, numbers: [] }), { ...snapshot, trunk: null })).toEqual(plan.slice(-2));
  });
});

/** An irreversible change (no undo) is never followed by a reversible one: a rollback could not take it back. */
function expectIrreversibleLast(plan: SipChange[]) {
  const reversible = plan.map((c) => SIP_CHANGES[c.kind].undo !== null);
  const firstIrreversible = reversible.indexOf(false);
  expect(firstIrreversible).toBeGreaterThanOrEqual(0);
  expect(reversible.slice(firstIrreversible)).not.toContain(true);
}

describe('the SIP change registry', () => {
  /** Every kind any of the plans above produces. */
  const planned = [
    ...planSipChanges(desired({ kind: 'create' }), nothing),
    ...planSipChanges(desired({ secretRefs: ['ref-1'] }), { ...everythingExists(), trunk: { ...everythingExists().trunk!, settings: { ...everythingExists().trunk!.settings, secure: false } } }),
    ...planSipChanges(desired({ spec: spec({ originationUris: [{ ...spec().originationUris[0]!, weight: 5 }], termination: { credentialLists: [], ipAccessControlLists: [] } }), numbers: [] }), everythingExists()),
    ...planSipChanges(desired({ kind: 'delete', spec: null, numbers: [] }), everythingExists()),
  ];

  it('has a module for every kind the plan produces, naming each step as the workflow does', () => {
    const kinds = new Set(planned.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(Object.keys(SIP_CHANGES).sort());
    for (const change of planned) {
      const module = SIP_CHANGES[change.kind];
      expect(module.kind).toBe(change.kind);
      expect((module.describe as (c: SipChange) => string)(change)).toBe(describeChange(change));
    }
  });

  it('gives every reversible kind an undo that is registered under its own kind and named as the rollback list shows it', () => {
    const irreversible = Object.values(SIP_CHANGES).filter((m) => m.undo === null).map((m) => m.kind);
    expect(irreversible.sort()).toEqual(['delete_list', 'delete_trunk']);
    for (const module of Object.values(SIP_CHANGES)) {
      if (module.undo) expect(SIP_REVERSALS[module.undo.kind]).toBe(module.undo);
    }
    for (const [kind, reversal] of Object.entries(SIP_REVERSALS)) expect(reversal.kind).toBe(kind);
    const undo: SipUndo = { kind: 'restore_recording', trunkSid: TRUNK_SID, recording: { mode: 'do-not-record', trim: 'do-not-trim' } };
    expect(SIP_REVERSALS.restore_recording.describe(undo)).toBe(describeUndo(undo));
  });
});

describe('applying and undoing through the registry', () => {
  /** A context whose list deletion answers as Twilio would for a list still associated with another trunk. */
  const listStillInUse = { deleteList: async (_kind: string, sid: string) => `kept ${sid}: Twilio says it is still in use (21241)` } as unknown as SipChangeContext;

  it('applies a change through the module of its kind', async () => {
    const applied = await applySipChange(listStillInUse, TRUNK_ID, { kind: 'delete_list', listKind: 'credential_list', sid: AGENTS_CL });
    expect(applied).toEqual({ detail: `kept ${AGENTS_CL}: Twilio says it is still in use (21241)`, undo: null });
  });

  it("undoes by the undo's own kind: a list the saga created but Twilio keeps fails the compensation (retried, then reported)", async () => {
    const undo: SipUndo = { kind: 'delete_list', listKind: 'credential_list', sid: AGENTS_CL, friendlyName: 'agents' };
    await expect(undoSipChange(listStillInUse, undo)).rejects.toThrow(`kept ${AGENTS_CL}`);
    const deleted = { deleteList: async (_kind: string, sid: string) => `deleted ${sid}` } as unknown as SipChangeContext;
    await expect(undoSipChange(deleted, undo)).resolves.toBe(describeUndo(undo));
  });
});
