import type { OriginationUri, StoredCredentialList, StoredIpAcl, TrunkSpec } from '../../schemas/sip/trunks';
import type { DesiredNumber, ListKind, SipChange, SipOperationInput, TrunkSettings, TrunkSnapshot } from '../../schemas/sip/workflow';

/**
 * The SIP saga's plan as a pure function: the changes that make Twilio match the desired state, only what
 * differs, in the order they are applied. The activities read the snapshot (Twilio and the service's own
 * records) and apply the plan through activities/sip/changes; nothing here does I/O.
 */

/** What an operation wants: its kind, the trunk's desired state and numbers, and the passwords it carries. */
export type SipDesired = Pick<SipOperationInput, 'kind' | 'trunkId' | 'spec' | 'numbers' | 'move' | 'secretRefs'>;

/** What the plan compares the desired state with, as read just before planning. */
export interface SipPlanSnapshot {
  /** Twilio's trunk and everything on it; null when it doesn't exist there (not created yet, or gone). */
  trunk: Omit<TrunkSnapshot, 'drift'> | null;
  /** SIDs of the lists the service created for this trunk, by their Twilio name (a list not created yet is absent). */
  ownListSids: Record<string, string>;
  /** Lists the service created for this trunk that no other live trunk of the tenant uses: deleted once unused. */
  listsOnlyThisTrunkUses: { kind: ListKind; sid: string }[];
  /** Numbers the service records on this trunk. */
  recordedNumbers: DesiredNumber[];
}

/** Trunking lists have no filters and no tags: what the service creates carries its trunk in the name. */
export const twilioListName = (trunkId: string, friendlyName: string) => `tp-${trunkId.replaceAll('-', '').slice(0, 12)}-${friendlyName}`;

export const settingsOfSpec = (s: TrunkSpec): TrunkSettings => ({
  friendlyName: s.friendlyName,
  domainName: s.domainName,
  secure: s.secure,
  cnamLookupEnabled: s.cnamLookupEnabled,
  transferMode: s.transfer.mode,
  transferCallerId: s.transfer.callerId,
  disasterRecoveryUrl: s.disasterRecovery?.url ?? null,
  disasterRecoveryMethod: s.disasterRecovery ? s.disasterRecovery.method : null,
});

/** Twilio has no key for origination URIs: the SIP URL is the identity (case-insensitively). */
const sameSipUrl = (a: { sipUrl: string }, b: { sipUrl: string }) => a.sipUrl.toLowerCase() === b.sipUrl.toLowerCase();
const sameUri = (a: OriginationUri, b: OriginationUri) =>
  a.priority === b.priority && a.weight === b.weight && a.enabled === b.enabled && (b.friendlyName === undefined || a.friendlyName === b.friendlyName);

/**
 * The ordered changes. Ordering constraints (the saga applies them in this order, and undoes them in reverse):
 * the trunk exists before anything is put on it; URIs are added before others are removed (the trunk keeps a
 * route); a list is created and filled before it is associated; numbers are attached before others are
 * detached; irreversible clean-up (deleting lists, deleting the trunk) comes after every reversible change.
 */
export function planSipChanges(desired: SipDesired, snapshot: SipPlanSnapshot): SipChange[] {
  if (desired.kind === 'delete') return planDelete(snapshot);
  const spec = desired.spec!;
  const current = snapshot.trunk;
  const credential = planLists(desired, snapshot, 'credential_list');
  const ip = planLists(desired, snapshot, 'ip_acl');
  const numbers = planNumbers(desired, snapshot);
  return [
    ...planTrunk(spec, current),
    ...planUris(spec, current),
    ...credential.changes,
    ...ip.changes,
    ...numbers.attach,
    ...numbers.detach,
    ...credential.cleanup,
    ...ip.cleanup,
  ];
}

/** A delete goes forward only: numbers off, the trunk, then the lists no other trunk uses. */
function planDelete(snapshot: SipPlanSnapshot): SipChange[] {
  const changes: SipChange[] = [];
  const numbers = new Map<string, DesiredNumber>();
  for (const n of snapshot.recordedNumbers) numbers.set(n.twilioSid, n);
  for (const n of snapshot.trunk?.phoneNumbers ?? []) numbers.set(n.sid, { phoneNumber: n.phoneNumber, twilioSid: n.sid });
  if (snapshot.trunk) {
    for (const n of numbers.values()) changes.push({ kind: 'detach_number', number: n });
    changes.push({ kind: 'delete_trunk' });
  }
  for (const l of snapshot.listsOnlyThisTrunkUses) changes.push({ kind: 'delete_list', listKind: l.kind, sid: l.sid });
  return changes;
}

/** Creates the trunk, or updates the settings that differ; then the recording. */
function planTrunk(spec: TrunkSpec, current: SipPlanSnapshot['trunk']): SipChange[] {
  const changes: SipChange[] = [];
  const desired = settingsOfSpec(spec);
  if (!current) {
    changes.push({ kind: 'create_trunk', settings: desired });
  } else {
    const differs = (k: keyof TrunkSettings) =>
      k === 'domainName' ? desired[k].toLowerCase() !== current.settings[k].toLowerCase() : desired[k] !== current.settings[k];
    const keys = (Object.keys(desired) as (keyof TrunkSettings)[]).filter(differs);
    const settings = Object.fromEntries(keys.map((k) => [k, desired[k]])) as Partial<TrunkSettings>;
    const previous = Object.fromEntries(keys.map((k) => [k, current.settings[k]])) as Partial<TrunkSettings>;
    // A method without a URL means nothing: an undo that restores a URL restores its method too.
    if ('disasterRecoveryUrl' in settings && current.settings.disasterRecoveryUrl) previous.disasterRecoveryMethod = current.settings.disasterRecoveryMethod;
    if (keys.length) changes.push({ kind: 'update_trunk', settings, previous });
  }
  // The plan read Twilio's values, and this operation is the trunk's only writer: they are what an undo restores.
  const recording: TrunkSpec['recording'] = current?.recording ?? { mode: 'do-not-record', trim: 'do-not-trim' };
  if (recording.mode !== spec.recording.mode || recording.trim !== spec.recording.trim) changes.push({ kind: 'set_recording', recording: spec.recording, previous: recording });
  return changes;
}

/** URIs added or updated first, removed last, so the trunk is never left without the URIs it is keeping. */
function planUris(spec: TrunkSpec, current: SipPlanSnapshot['trunk']): SipChange[] {
  const uris = current?.originationUris ?? [];
  const changes: SipChange[] = [];
  for (const u of spec.originationUris) {
    const match = uris.find((c) => sameSipUrl(c, u));
    if (!match) changes.push({ kind: 'add_origination_uri', uri: u });
    else if (!sameUri(match, u)) changes.push({ kind: 'update_origination_uri', sid: match.sid, uri: u });
  }
  for (const c of uris) {
    if (!spec.originationUris.some((u) => sameSipUrl(c, u))) changes.push({ kind: 'remove_origination_uri', sid: c.sid, sipUrl: c.sipUrl });
  }
  return changes;
}

/**
 * One kind of list: each desired list created (if the service hasn't yet), filled, then associated; lists
 * associated but no longer wanted disassociated, and deleted at the very end when only this trunk used them.
 */
function planLists(desired: SipDesired, snapshot: SipPlanSnapshot, kind: ListKind): { changes: SipChange[]; cleanup: SipChange[] } {
  const spec = desired.spec!;
  const lists = kind === 'credential_list' ? spec.termination.credentialLists : spec.termination.ipAccessControlLists;
  const associated = new Set(associatedLists(snapshot.trunk, kind).map((l) => l.sid));
  const changes: SipChange[] = [];
  const keep = new Set<string>();
  for (const list of lists) {
    if ('sid' in list) {
      keep.add(list.sid);
      if (!associated.has(list.sid)) changes.push({ kind: 'associate_list', listKind: kind, ref: { sid: list.sid } });
      continue;
    }
    const sid = snapshot.ownListSids[twilioListName(desired.trunkId, list.friendlyName)] ?? null;
    if (!sid) changes.push({ kind: 'create_list', listKind: kind, friendlyName: list.friendlyName });
    else keep.add(sid);
    if (!sid || contentsDiffer(list, sid, snapshot.trunk, new Set(desired.secretRefs))) {
      changes.push('credentials' in list ? { kind: 'sync_credentials', list } : { kind: 'sync_ip_addresses', list });
    }
    if (!sid || !associated.has(sid)) changes.push({ kind: 'associate_list', listKind: kind, ref: sid ? { sid } : { friendlyName: list.friendlyName } });
  }
  const ownedHere = new Set(snapshot.listsOnlyThisTrunkUses.map((l) => l.sid));
  const cleanup: SipChange[] = [];
  for (const sid of associated) {
    if (keep.has(sid)) continue;
    changes.push({ kind: 'disassociate_list', listKind: kind, sid });
    if (ownedHere.has(sid)) cleanup.push({ kind: 'delete_list', listKind: kind, sid });
  }
  return { changes, cleanup };
}

const associatedLists = (trunk: SipPlanSnapshot['trunk'], kind: ListKind): { sid: string }[] =>
  (kind === 'credential_list' ? trunk?.credentialLists : trunk?.ipAccessControlLists) ?? [];

/** A password can't be read back: a list carrying a fresh one (sent with this operation) is always set again. */
function contentsDiffer(list: StoredCredentialList | StoredIpAcl, sid: string, trunk: SipPlanSnapshot['trunk'], fresh: Set<string>): boolean {
  if ('credentials' in list) {
    const have = trunk?.credentialLists.find((l) => l.sid === sid)?.usernames ?? [];
    const want = list.credentials.map((c) => c.username).sort();
    return want.join() !== have.join() || list.credentials.some((c) => fresh.has(c.passwordRef));
  }
  const key = (a: { ip: string; cidrPrefixLength: number }) => `${a.ip}/${a.cidrPrefixLength}`;
  const have = trunk?.ipAccessControlLists.find((l) => l.sid === sid)?.ipAddresses ?? [];
  return have.map(key).sort().join() !== list.ipAddresses.map(key).sort().join();
}

/**
 * Numbers wanted but not on the trunk (at Twilio, or in our records) are attached; numbers on it (either way)
 * but not wanted are detached, after the attaches.
 */
function planNumbers(desired: SipDesired, snapshot: SipPlanSnapshot): { attach: SipChange[]; detach: SipChange[] } {
  const onTrunk = new Set(snapshot.trunk?.phoneNumbers.map((n) => n.sid) ?? []);
  const recorded = new Set(snapshot.recordedNumbers.map((n) => n.twilioSid));
  const wanted = new Set(desired.numbers.map((n) => n.twilioSid));
  const attach = desired.numbers
    .filter((n) => !onTrunk.has(n.twilioSid) || !recorded.has(n.twilioSid))
    .map((n): SipChange => ({ kind: 'attach_number', number: n, move: desired.move }));
  const detach = new Map<string, DesiredNumber>();
  for (const n of snapshot.recordedNumbers) if (!wanted.has(n.twilioSid)) detach.set(n.twilioSid, n);
  for (const n of snapshot.trunk?.phoneNumbers ?? []) if (!wanted.has(n.sid)) detach.set(n.sid, { phoneNumber: n.phoneNumber, twilioSid: n.sid });
  return { attach, detach: [...detach.values()].map((n): SipChange => ({ kind: 'detach_number', number: n })) };
}
