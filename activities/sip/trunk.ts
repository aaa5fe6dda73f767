import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../../db/kit/pool';
import { readSecret, UnopenableSecretError, wipeSecrets, type SecretBox } from '../../db/platform/secrets';
import { forgetContainer, forgetMembership, recordMembership } from '../../db/kit/memberships';
import { finishOperation, operationInput, recordOperationProgress, recordProgressEntry, storeSnapshot, trunkNumbers } from '../../db/sip/trunks';
import type { TwilioErrorInfo } from '../../schemas/kit/common';
import type { OriginationUri, TrunkSpec } from '../../schemas/sip/trunks';
import type {
  AppliedChange,
  DesiredNumber,
  EntryRef,
  ListKind,
  NumberChange,
  NumberUndo,
  Refusal,
  SipActivities,
  SipChange,
  SipOperationInput,
  SipUndo,
  TrunkSettings,
  TrunkSnapshot,
} from '../../schemas/sip/workflow';
import { describeChange, describeUndo } from '../../schemas/sip/describe';
import { activityAttempt } from '../kit/attempt';
import { foreignObject } from '../kit/twilio-objects';
import type { TrunkInstance } from 'twilio/lib/rest/trunking/v1/trunk';
import type { TwilioClient } from '../kit/twilio-client';
import { failOnDefinitive, goneIsDone, isTwilioNotFound as notFound, twilioErrorOf } from '../kit/twilio-errors';
import { RowMissing } from '../kit/row-missing';

export interface SipActivityDeps {
  db: Db;
  twilio: TwilioClient;
  secrets: SecretBox;
}

/** Twilio's codes the saga reconciles on instead of failing. */
const DOMAIN_TAKEN = 21248;
const ALREADY_ASSOCIATED = 21245;
const CREDENTIAL_LIST_EXISTS = 21240;
const IP_ACL_EXISTS = 21235;
const LIST_IN_USE = new Set([21241, 21236]);

/**
 * A password no key of this worker's ring opens stays unopenable however often it is retried: the step
 * fails for good (the saga rolls back, the operation ends with the reason) instead of retrying forever.
 */
function unopenableIsRefusal(err: unknown, username: string): never {
  if (!(err instanceof UnopenableSecretError)) throw err;
  throw ApplicationFailure.nonRetryable(`the password for ${username} can't be opened: ${err.message}`, 'SecretUnopenable');
}

/** A step's definitive refusal as the saga reads it from a failed activity: a non-retryable failure, with Twilio's answer when it was one. */
function refusalIn(err: unknown): Refusal | null {
  if (!(err instanceof ApplicationFailure) || !err.nonRetryable) return null;
  const twilio = err.type === 'TwilioError' ? ((err.details?.[0] as TwilioErrorInfo | undefined) ?? null) : null;
  return { message: err.message, twilio };
}

/** Trunking lists have no filters and no tags: what the service creates carries its trunk in the name. */
export const twilioListName = (trunkId: string, friendlyName: string) => `tp-${trunkId.replaceAll('-', '').slice(0, 12)}-${friendlyName}`;


const settingsOfSpec = (s: TrunkSpec): TrunkSettings => ({
  friendlyName: s.friendlyName,
  domainName: s.domainName,
  secure: s.secure,
  cnamLookupEnabled: s.cnamLookupEnabled,
  transferMode: s.transfer.mode,
  transferCallerId: s.transfer.callerId,
  disasterRecoveryUrl: s.disasterRecovery?.url ?? null,
  disasterRecoveryMethod: s.disasterRecovery ? s.disasterRecovery.method : null,
});

const settingsOfTrunk = (t: TrunkInstance): TrunkSettings => ({
  friendlyName: t.friendlyName,
  domainName: t.domainName,
  secure: t.secure,
  cnamLookupEnabled: t.cnamLookupEnabled,
  transferMode: t.transferMode,
  transferCallerId: t.transferCallerId,
  disasterRecoveryUrl: t.disasterRecoveryUrl || null,
  // A method without a URL means nothing; compare URLs only.
  disasterRecoveryMethod: t.disasterRecoveryUrl ? (t.disasterRecoveryMethod ?? 'POST').toUpperCase() : null,
});

/** The SDK's parameters for trunk settings; an empty string clears the disaster-recovery URL. */
function trunkParams(s: Partial<TrunkSettings>) {
  const p: Record<string, unknown> = {
    friendlyName: s.friendlyName,
    domainName: s.domainName,
    secure: s.secure,
    cnamLookupEnabled: s.cnamLookupEnabled,
    transferMode: s.transferMode,
    transferCallerId: s.transferCallerId,
  };
  if ('disasterRecoveryUrl' in s) p.disasterRecoveryUrl = s.disasterRecoveryUrl ?? '';
  if (s.disasterRecoveryMethod) p.disasterRecoveryMethod = s.disasterRecoveryMethod;
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
}

const uriFriendlyName = (u: OriginationUri) => u.friendlyName ?? u.sipUrl.replace(/^sip:/i, '').slice(0, 64);
const sameUri = (a: OriginationUri, b: OriginationUri) =>
  a.priority === b.priority && a.weight === b.weight && a.enabled === b.enabled && (b.friendlyName === undefined || a.friendlyName === b.friendlyName);

/** SIP trunk activities over the official SDK: each create first looks for what an earlier attempt made. */
export function createSipActivities({ db, twilio, secrets }: SipActivityDeps): SipActivities {
  const trunking = twilio.trunking.v1;
  const account = () => twilio.api.v2010.accounts(twilio.accountSid);

  async function trunkRow(trunkId: string) {
    const { rows } = await db.query<{ id: string; tenant_id: string; trunk_sid: string | null; domain_name: string }>(
      'SELECT id, tenant_id, trunk_sid, domain_name FROM sip_trunks WHERE id = $1',
      [trunkId],
    );
    if (!rows[0]) throw new RowMissing(`trunk ${trunkId} is not recorded`);
    return rows[0];
  }

  async function trunkSidOf(trunkId: string): Promise<string> {
    const row = await trunkRow(trunkId);
    if (!row.trunk_sid) throw ApplicationFailure.nonRetryable('the trunk does not exist at Twilio yet', 'TrunkMissing');
    return row.trunk_sid;
  }

  /** The SID of a list the service created for this trunk, by the name the spec gave it. */
  async function ownListSid(trunkId: string, kind: ListKind, friendlyName: string): Promise<string> {
    const { rows } = await db.query<{ list_sid: string | null }>(
      'SELECT list_sid FROM sip_auth_lists WHERE twilio_name = $1 AND kind = $2 AND deleted_at IS NULL',
      [twilioListName(trunkId, friendlyName), kind],
    );
    if (!rows[0]?.list_sid) throw ApplicationFailure.nonRetryable(`the ${kind.replace('_', ' ')} ${friendlyName} was not created`, 'ListMissing');
    return rows[0].list_sid;
  }

  const sipLists = (kind: ListKind) => (kind === 'credential_list' ? account().sip.credentialLists : account().sip.ipAccessControlLists);
  const associations = (trunkSid: string, kind: ListKind) =>
    kind === 'credential_list' ? trunking.trunks(trunkSid).credentialsLists : trunking.trunks(trunkSid).ipAccessControlLists;

  async function findTrunkByDomain(domainName: string) {
    const all = await trunking.trunks.list({ pageSize: 100 });
    return all.find((t) => t.domainName?.toLowerCase() === domainName.toLowerCase()) ?? null;
  }

  /** A list found at Twilio is used only if no other tenant's row holds it. */
  async function assertListNotForeign(tenantId: string, kind: ListKind, sid: string) {
    const { rowCount } = await db.query('SELECT 1 FROM sip_auth_lists WHERE list_sid = $1 AND tenant_id <> $2', [sid, tenantId]);
    if (rowCount) throw foreignObject(kind.replace('_', ' '), sid);
  }

  async function findListByName(kind: ListKind, twilioName: string): Promise<string | null> {
    const all: { sid: string; friendlyName: string }[] =
      kind === 'credential_list' ? await account().sip.credentialLists.list({ pageSize: 1000 }) : await account().sip.ipAccessControlLists.list({ pageSize: 1000 });
    return all.find((l) => l.friendlyName === twilioName)?.sid ?? null;
  }

  async function associatedSids(trunkSid: string, kind: ListKind): Promise<Set<string>> {
    const t = trunking.trunks(trunkSid);
    const all: { sid: string }[] = kind === 'credential_list' ? await t.credentialsLists.list({ pageSize: 1000 }) : await t.ipAccessControlLists.list({ pageSize: 1000 });
    return new Set(all.map((a) => a.sid));
  }

  async function associate(trunkSid: string, kind: ListKind, sid: string): Promise<'associated' | 'already'> {
    try {
      if (kind === 'credential_list') await trunking.trunks(trunkSid).credentialsLists.create({ credentialListSid: sid });
      else await trunking.trunks(trunkSid).ipAccessControlLists.create({ ipAccessControlListSid: sid });
      return 'associated';
    } catch (err) {
      // 21245 is also Twilio's code for other domain-rule violations: believe "already associated" only when it is.
      if (twilioErrorOf(err)?.code === ALREADY_ASSOCIATED && (await associatedSids(trunkSid, kind)).has(sid)) return 'already';
      return failOnDefinitive(err);
    }
  }

  async function disassociate(trunkSid: string, kind: ListKind, sid: string) {
    await associations(trunkSid, kind)(sid).remove().catch(goneIsDone);
  }

  /** Takes a number off a trunk and gives back the voice routing it had before it was attached. */
  async function detachNumber(trunkSid: string, n: DesiredNumber, restore: { priorTrunkSid: string | null; priorVoiceApplicationSid: string | null } | null) {
    await trunking.trunks(trunkSid).phoneNumbers(n.twilioSid).remove().catch(goneIsDone);
    const prior = restore ?? (await priorVoiceOf(n.twilioSid));
    let backOn: string | null = null;
    if (prior?.priorTrunkSid && prior.priorTrunkSid !== trunkSid) {
      await trunking.trunks(prior.priorTrunkSid).phoneNumbers.create({ phoneNumberSid: n.twilioSid }).catch(goneIsDone);
      backOn = prior.priorTrunkSid;
    } else if (prior?.priorVoiceApplicationSid) {
      await account().incomingPhoneNumbers(n.twilioSid).update({ voiceApplicationSid: prior.priorVoiceApplicationSid }).catch(goneIsDone);
    }
    await db.query(
      `UPDATE phone_numbers SET sip_trunk_id = (SELECT id FROM sip_trunks WHERE trunk_sid = $2), sip_prior_voice = NULL, updated_at = now()
        WHERE twilio_sid = $1 AND status IN ('active','releasing')`,
      [n.twilioSid, backOn],
    );
    await forgetMembership(db, { twilioSid: n.twilioSid, kind: 'sip_trunk', containerSid: trunkSid });
    if (backOn) await recordMembership(db, { twilioSid: n.twilioSid, kind: 'sip_trunk', containerSid: backOn, membershipSid: n.twilioSid });
  }

  async function priorVoiceOf(twilioSid: string) {
    const { rows } = await db.query<{ sip_prior_voice: { priorTrunkSid: string | null; priorVoiceApplicationSid: string | null } | null }>(
      `SELECT sip_prior_voice FROM phone_numbers WHERE twilio_sid = $1 AND status IN ('active','releasing')`,
      [twilioSid],
    );
    return rows[0]?.sip_prior_voice ?? null;
  }

  /** Reads a trunk and everything on it; null when Twilio no longer has it. */
  async function readTrunk(trunkSid: string): Promise<Omit<TrunkSnapshot, 'drift'> | null> {
    const trunk = await trunking.trunks(trunkSid).fetch().catch((err) => (notFound(err) ? null : Promise.reject(err)));
    if (!trunk) return null;
    const t = trunking.trunks(trunkSid);
    // One after another: a worker's activity slots are sized to Twilio's per-account concurrency.
    const recording = await t.recordings().fetch();
    const uris = await t.originationUrls.list({ pageSize: 1000 });
    const cls = await t.credentialsLists.list({ pageSize: 1000 });
    const acls = await t.ipAccessControlLists.list({ pageSize: 1000 });
    const numbers = await t.phoneNumbers.list({ pageSize: 1000 });
    const credentialLists = [];
    // A list whose contents can't be read fails the read (retried), never reads as empty: an empty list
    // would show as a trunk no one can authenticate to.
    for (const cl of cls) {
      const creds = await account().sip.credentialLists(cl.sid).credentials.list({ pageSize: 1000 });
      credentialLists.push({ sid: cl.sid, twilioName: cl.friendlyName, usernames: creds.map((c) => c.username).sort() });
    }
    const ipAccessControlLists = [];
    for (const acl of acls) {
      const ips = await account().sip.ipAccessControlLists(acl.sid).ipAddresses.list({ pageSize: 1000 });
      ipAccessControlLists.push({ sid: acl.sid, twilioName: acl.friendlyName, ipAddresses: ips.map((i) => ({ ip: i.ipAddress, cidrPrefixLength: i.cidrPrefixLength ?? 32 })) });
    }
    return {
      trunkSid,
      settings: settingsOfTrunk(trunk),
      authType: (trunk.authTypeSet ?? []).filter(Boolean),
      recording: { mode: (recording.mode ?? 'do-not-record') as TrunkSpec['recording']['mode'], trim: (recording.trim ?? 'do-not-trim') as TrunkSpec['recording']['trim'] },
      originationUris: uris
        .map((u) => ({ sid: u.sid, sipUrl: u.sipUrl, priority: u.priority, weight: u.weight, enabled: u.enabled, friendlyName: u.friendlyName }))
        .sort((a, b) => a.priority - b.priority || a.sipUrl.localeCompare(b.sipUrl)),
      credentialLists,
      ipAccessControlLists,
      phoneNumbers: numbers.map((n) => ({ sid: n.sid, phoneNumber: n.phoneNumber })),
    };
  }

  /** Lists the service created for a trunk that no other live trunk of the tenant uses. */
  async function listsOnlyThisTrunkUses(trunkId: string) {
    const { rows } = await db.query<{ kind: ListKind; list_sid: string }>(
      `SELECT l.kind, l.list_sid FROM sip_auth_lists l
        WHERE l.created_for_trunk = $1 AND l.deleted_at IS NULL AND l.list_sid IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM sip_trunks t WHERE t.id <> $1 AND t.tenant_id = l.tenant_id AND t.status <> 'deleted'
                           AND (t.spec::text LIKE '%' || l.list_sid || '%' OR COALESCE(t.snapshot::text, '') LIKE '%' || l.list_sid || '%'))`,
      [trunkId],
    );
    return rows;
  }

  // ---- planning ----

  async function planDelete(trunkId: string, trunkSid: string | null): Promise<SipChange[]> {
    const changes: SipChange[] = [];
    const current = trunkSid ? await readTrunk(trunkSid) : null;
    const numbers = new Map<string, DesiredNumber>();
    for (const n of await trunkNumbers(db, trunkId)) numbers.set(n.twilio_sid, { phoneNumber: n.phone_number, twilioSid: n.twilio_sid });
    for (const n of current?.phoneNumbers ?? []) numbers.set(n.sid, { phoneNumber: n.phoneNumber, twilioSid: n.sid });
    if (current) for (const n of numbers.values()) changes.push({ kind: 'detach_number', number: n });
    if (current) changes.push({ kind: 'delete_trunk' });
    for (const l of await listsOnlyThisTrunkUses(trunkId)) changes.push({ kind: 'delete_list', listKind: l.kind, sid: l.list_sid });
    return changes;
  }

  async function planListChanges(input: SipOperationInput, current: Omit<TrunkSnapshot, 'drift'> | null, kind: ListKind): Promise<{ changes: SipChange[]; cleanup: SipChange[] }> {
    const spec = input.spec!;
    const desired = kind === 'credential_list' ? spec.termination.credentialLists : spec.termination.ipAccessControlLists;
    const associated = new Set((kind === 'credential_list' ? current?.credentialLists : current?.ipAccessControlLists)?.map((l) => l.sid) ?? []);
    const changes: SipChange[] = [];
    const keep = new Set<string>();
    const fresh = new Set(input.secretRefs);
    for (const list of desired) {
      if ('sid' in list) {
        keep.add(list.sid);
        if (!associated.has(list.sid)) changes.push({ kind: 'associate_list', listKind: kind, ref: { sid: list.sid } });
        continue;
      }
      const { rows } = await db.query<{ list_sid: string | null }>(
        'SELECT list_sid FROM sip_auth_lists WHERE twilio_name = $1 AND deleted_at IS NULL',
        [twilioListName(input.trunkId, list.friendlyName)],
      );
      const sid = rows[0]?.list_sid ?? null;
      if (!sid) changes.push({ kind: 'create_list', listKind: kind, friendlyName: list.friendlyName });
      else keep.add(sid);
      if ('credentials' in list) {
        const have = current?.credentialLists.find((l) => l.sid === sid)?.usernames ?? [];
        const want = list.credentials.map((c) => c.username).sort();
        if (!sid || want.join() !== have.join() || list.credentials.some((c) => fresh.has(c.passwordRef))) changes.push({ kind: 'sync_credentials', list });
      } else {
        const have = current?.ipAccessControlLists.find((l) => l.sid === sid)?.ipAddresses ?? [];
        const key = (a: { ip: string; cidrPrefixLength: number }) => `${a.ip}/${a.cidrPrefixLength}`;
        if (!sid || have.map(key).sort().join() !== list.ipAddresses.map(key).sort().join()) changes.push({ kind: 'sync_ip_addresses', list });
      }
      if (!sid || !associated.has(sid)) changes.push({ kind: 'associate_list', listKind: kind, ref: sid ? { sid } : { friendlyName: list.friendlyName } });
    }
    const cleanup: SipChange[] = [];
    const ownedHere = new Set((await listsOnlyThisTrunkUses(input.trunkId)).map((l) => l.list_sid));
    for (const sid of associated) {
      if (keep.has(sid)) continue;
      changes.push({ kind: 'disassociate_list', listKind: kind, sid });
      if (ownedHere.has(sid)) cleanup.push({ kind: 'delete_list', listKind: kind, sid });
    }
    return { changes, cleanup };
  }

  async function plan(input: SipOperationInput): Promise<SipChange[]> {
    const row = await trunkRow(input.trunkId);
    if (input.kind === 'delete') return planDelete(input.trunkId, row.trunk_sid);
    const spec = input.spec!;
    const current = row.trunk_sid ? await readTrunk(row.trunk_sid) : null;
    const changes: SipChange[] = [];
    const desired = settingsOfSpec(spec);
    if (!current) {
      changes.push({ kind: 'create_trunk', settings: desired });
    } else {
      const diff = Object.fromEntries(
        (Object.keys(desired) as (keyof TrunkSettings)[])
          .filter((k) => (k === 'domainName' ? desired[k].toLowerCase() !== current.settings[k].toLowerCase() : desired[k] !== current.settings[k]))
          .map((k) => [k, desired[k]]),
      ) as Partial<TrunkSettings>;
      const previous = Object.fromEntries(Object.keys(diff).map((k) => [k, current.settings[k as keyof TrunkSettings]])) as Partial<TrunkSettings>;
      if ('disasterRecoveryUrl' in diff && current.settings.disasterRecoveryUrl) previous.disasterRecoveryMethod = current.settings.disasterRecoveryMethod;
      if (Object.keys(diff).length) changes.push({ kind: 'update_trunk', settings: diff, previous });
    }
    // The plan read Twilio's values, and this operation is the trunk's only writer: they are what an undo restores.
    const recording: TrunkSpec['recording'] = current?.recording ?? { mode: 'do-not-record', trim: 'do-not-trim' };
    if (recording.mode !== spec.recording.mode || recording.trim !== spec.recording.trim) changes.push({ kind: 'set_recording', recording: spec.recording, previous: recording });

    const uris = current?.originationUris ?? [];
    for (const u of spec.originationUris) {
      const match = uris.find((c) => c.sipUrl.toLowerCase() === u.sipUrl.toLowerCase());
      if (!match) changes.push({ kind: 'add_origination_uri', uri: u });
      else if (!sameUri(match, u)) changes.push({ kind: 'update_origination_uri', sid: match.sid, uri: u });
    }
    // Removed last, so the trunk is never left without the URIs it is keeping.
    const removals: SipChange[] = uris
      .filter((c) => !spec.originationUris.some((u) => u.sipUrl.toLowerCase() === c.sipUrl.toLowerCase()))
      .map((c) => ({ kind: 'remove_origination_uri', sid: c.sid, sipUrl: c.sipUrl }));

    const credential = await planListChanges(input, current, 'credential_list');
    const ip = await planListChanges(input, current, 'ip_acl');

    const onTrunk = new Set(current?.phoneNumbers.map((n) => n.sid) ?? []);
    const recorded = await trunkNumbers(db, input.trunkId);
    const wanted = new Set(input.numbers.map((n) => n.twilioSid));
    const attach: SipChange[] = input.numbers
      .filter((n) => !onTrunk.has(n.twilioSid) || !recorded.some((r) => r.twilio_sid === n.twilioSid))
      .map((n) => ({ kind: 'attach_number', number: n, move: input.move }));
    const detach = new Map<string, DesiredNumber>();
    for (const r of recorded) if (!wanted.has(r.twilio_sid)) detach.set(r.twilio_sid, { phoneNumber: r.phone_number, twilioSid: r.twilio_sid });
    for (const n of current?.phoneNumbers ?? []) if (!wanted.has(n.sid)) detach.set(n.sid, { phoneNumber: n.phoneNumber, twilioSid: n.sid });

    return [
      ...changes,
      ...removals,
      ...credential.changes,
      ...ip.changes,
      ...attach,
      ...[...detach.values()].map((n): SipChange => ({ kind: 'detach_number', number: n })),
      ...credential.cleanup,
      ...ip.cleanup,
    ];
  }

  // ---- applying ----

  async function createTrunk(trunkId: string, settings: TrunkSettings): Promise<AppliedChange> {
    const row = await trunkRow(trunkId);
    if (row.trunk_sid) {
      const existing = await trunking.trunks(row.trunk_sid).fetch().catch((err) => (notFound(err) ? null : Promise.reject(err)));
      if (existing) return { detail: `trunk ${existing.sid} exists`, undo: { kind: 'delete_trunk', trunkSid: existing.sid, domainName: existing.domainName } };
    }
    // A retry (lost response, killed worker) first looks for the trunk an earlier attempt created.
    let trunk = activityAttempt() > 1 ? await findTrunkByDomain(settings.domainName) : null;
    if (!trunk) {
      try {
        trunk = await trunking.trunks.create(trunkParams(settings));
      } catch (err) {
        if (twilioErrorOf(err)?.code !== DOMAIN_TAKEN || activityAttempt() === 1) return failOnDefinitive(err);
        trunk = await findTrunkByDomain(settings.domainName);
        if (!trunk) return failOnDefinitive(err);
      }
    }
    try {
      await db.query('UPDATE sip_trunks SET trunk_sid = $2, updated_at = now() WHERE id = $1', [trunkId, trunk.sid]);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw ApplicationFailure.nonRetryable(`trunk ${trunk.sid} (${settings.domainName}) belongs to another trunk of this service`, 'DomainInUse');
      throw err;
    }
    return { detail: `trunk ${trunk.sid}`, undo: { kind: 'delete_trunk', trunkSid: trunk.sid, domainName: settings.domainName } };
  }

  async function updateTrunk(trunkId: string, settings: Partial<TrunkSettings>, planned: Partial<TrunkSettings> | undefined): Promise<AppliedChange> {
    const trunkSid = await trunkSidOf(trunkId);
    const previous = planned ?? (await settingsBefore(trunkSid, settings));
    await trunking.trunks(trunkSid).update(trunkParams(settings)).catch(failOnDefinitive);
    return { detail: `updated ${Object.keys(settings).join(', ')}`, undo: { kind: 'restore_trunk', trunkSid, settings: previous } };
  }

  /** What an undo restores when the plan didn't carry it (plans made before 0eeb842): Twilio's values now. */
  async function settingsBefore(trunkSid: string, settings: Partial<TrunkSettings>): Promise<Partial<TrunkSettings>> {
    const before = settingsOfTrunk((await trunking.trunks(trunkSid).fetch().catch(failOnDefinitive)) as TrunkInstance);
    const previous = Object.fromEntries(Object.keys(settings).map((k) => [k, before[k as keyof TrunkSettings]])) as Partial<TrunkSettings>;
    if ('disasterRecoveryUrl' in settings && previous.disasterRecoveryUrl) previous.disasterRecoveryMethod = before.disasterRecoveryMethod;
    return previous;
  }

  async function setRecording(trunkId: string, recording: TrunkSpec['recording'], planned: TrunkSpec['recording'] | undefined): Promise<AppliedChange> {
    const trunkSid = await trunkSidOf(trunkId);
    const previous = planned ?? (await recordingBefore(trunkSid));
    await trunking.trunks(trunkSid).recordings().update(recording).catch(failOnDefinitive);
    return { detail: `recording ${recording.mode}, ${recording.trim}`, undo: { kind: 'restore_recording', trunkSid, recording: previous } };
  }

  async function recordingBefore(trunkSid: string): Promise<TrunkSpec['recording']> {
    const before = await trunking.trunks(trunkSid).recordings().fetch().catch(failOnDefinitive);
    return { mode: before.mode ?? 'do-not-record', trim: before.trim ?? 'do-not-trim' } as TrunkSpec['recording'];
  }

  async function findUri(trunkSid: string, sipUrl: string) {
    return (await trunking.trunks(trunkSid).originationUrls.list({ pageSize: 1000 })).find((u) => u.sipUrl.toLowerCase() === sipUrl.toLowerCase()) ?? null;
  }

  const uriParams = (u: OriginationUri) => ({ sipUrl: u.sipUrl, priority: u.priority, weight: u.weight, enabled: u.enabled, friendlyName: uriFriendlyName(u) });

  async function addUri(trunkId: string, uri: OriginationUri): Promise<AppliedChange> {
    const trunkSid = await trunkSidOf(trunkId);
    // Twilio has no key for URIs: the SIP URL is the identity, so a retried add finds the first one.
    // (The plan saw no such URI, and this operation is the trunk's only writer: a first attempt need not look.)
    const existing = activityAttempt() > 1 ? await findUri(trunkSid, uri.sipUrl) : null;
    const made = existing
      ? await trunking.trunks(trunkSid).originationUrls(existing.sid).update(uriParams(uri)).catch(failOnDefinitive)
      : await trunking.trunks(trunkSid).originationUrls.create(uriParams(uri)).catch(failOnDefinitive);
    return { detail: `origination URI ${made.sid}`, undo: { kind: 'remove_origination_uri', trunkSid, sid: made.sid, sipUrl: uri.sipUrl } };
  }

  async function updateUri(trunkId: string, sid: string, uri: OriginationUri): Promise<AppliedChange> {
    const trunkSid = await trunkSidOf(trunkId);
    const before = await trunking.trunks(trunkSid).originationUrls(sid).fetch().catch(failOnDefinitive);
    await trunking.trunks(trunkSid).originationUrls(sid).update(uriParams(uri)).catch(failOnDefinitive);
    const previous = { sipUrl: before.sipUrl, priority: before.priority, weight: before.weight, enabled: before.enabled, friendlyName: before.friendlyName };
    return { detail: `origination URI ${sid} updated`, undo: { kind: 'restore_origination_uri', trunkSid, sid, uri: previous } };
  }

  async function removeUri(trunkId: string, sid: string): Promise<AppliedChange> {
    const trunkSid = await trunkSidOf(trunkId);
    const before = await trunking.trunks(trunkSid).originationUrls(sid).fetch().catch((err) => (notFound(err) ? null : failOnDefinitive(err)));
    if (!before) return { detail: `origination URI ${sid} was already gone`, undo: null };
    await trunking.trunks(trunkSid).originationUrls(sid).remove().catch(goneIsDone);
    const previous = { sipUrl: before.sipUrl, priority: before.priority, weight: before.weight, enabled: before.enabled, friendlyName: before.friendlyName };
    return { detail: `origination URI ${sid} removed`, undo: { kind: 'restore_origination_uri', trunkSid, sid: null, uri: previous } };
  }

  async function createList(trunkId: string, kind: ListKind, friendlyName: string): Promise<AppliedChange> {
    const row = await trunkRow(trunkId);
    const twilioName = twilioListName(trunkId, friendlyName);
    const { rows } = await db.query<{ id: string; list_sid: string | null; fresh: boolean }>(
      `INSERT INTO sip_auth_lists (tenant_id, kind, friendly_name, twilio_name, created_for_trunk) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (twilio_name) DO UPDATE SET list_sid = CASE WHEN sip_auth_lists.deleted_at IS NULL THEN sip_auth_lists.list_sid END, deleted_at = NULL
        WHERE sip_auth_lists.tenant_id = EXCLUDED.tenant_id
       RETURNING id, list_sid, (xmax = 0) AS fresh`,
      [row.tenant_id, kind, friendlyName, twilioName, trunkId],
    );
    // A name another tenant's list already has is never taken over (fail closed).
    if (!rows[0]) throw foreignObject(kind.replace('_', ' '), twilioName);
    let sid = rows[0]!.list_sid;
    if (sid && !(await sipLists(kind)(sid).fetch().then(() => true, (err) => (notFound(err) ? false : Promise.reject(err))))) sid = null;
    // The name carries the trunk, so a list with it can only be one an earlier attempt made: looked for
    // on a retry, or when an earlier operation recorded the list (its compensation may have failed).
    if (!sid && (!rows[0]!.fresh || activityAttempt() > 1)) sid = await findListByName(kind, twilioName);
    if (sid) await assertListNotForeign(row.tenant_id, kind, sid);
    if (!sid) {
      try {
        sid = (await sipLists(kind).create({ friendlyName: twilioName })).sid;
      } catch (err) {
        const code = twilioErrorOf(err)?.code;
        if (code !== CREDENTIAL_LIST_EXISTS && code !== IP_ACL_EXISTS) return failOnDefinitive(err);
        sid = await findListByName(kind, twilioName);
        if (!sid) return failOnDefinitive(err);
      }
    }
    await db.query('UPDATE sip_auth_lists SET list_sid = $2 WHERE id = $1', [rows[0]!.id, sid]);
    return { detail: `${kind.replace('_', ' ')} ${sid}`, undo: { kind: 'delete_list', listKind: kind, sid, friendlyName } };
  }

  async function syncCredentials(trunkId: string, list: Extract<SipChange, { kind: 'sync_credentials' }>['list']): Promise<AppliedChange> {
    const listSid = await ownListSid(trunkId, 'credential_list', list.friendlyName);
    const creds = account().sip.credentialLists(listSid).credentials;
    const existing = await creds.list({ pageSize: 1000 });
    const created: { sid: string; username: string }[] = [];
    let updated = 0;
    for (const c of list.credentials) {
      const password = await readSecret(db, secrets, c.passwordRef).catch((err) => unopenableIsRefusal(err, c.username));
      const found = existing.find((e) => e.username === c.username);
      if (found) {
        // A password can't be read back; a fresh one is always set (idempotent), a wiped one left as it is.
        if (password) {
          await creds(found.sid).update({ password }).catch(failOnDefinitive);
          updated += 1;
        }
        continue;
      }
      if (!password) throw ApplicationFailure.nonRetryable(`the password for ${c.username} is no longer held; send the credential list again`, 'SecretGone');
      const made = await creds.create({ username: c.username, password }).catch(failOnDefinitive);
      created.push({ sid: made.sid, username: c.username });
    }
    const removed = existing.filter((e) => !list.credentials.some((c) => c.username === e.username));
    for (const e of removed) await creds(e.sid).remove().catch(goneIsDone);
    return {
      detail: `${created.length} added, ${updated} password${updated === 1 ? '' : 's'} set, ${removed.length} removed`,
      undo: created.length ? { kind: 'delete_credentials', listSid, credentialSids: created.map((c) => c.sid), usernames: created.map((c) => c.username) } : null,
    };
  }

  async function syncIpAddresses(trunkId: string, list: Extract<SipChange, { kind: 'sync_ip_addresses' }>['list']): Promise<AppliedChange> {
    const listSid = await ownListSid(trunkId, 'ip_acl', list.friendlyName);
    const ips = account().sip.ipAccessControlLists(listSid).ipAddresses;
    const existing = await ips.list({ pageSize: 1000 });
    const key = (ip: string, cidr: number) => `${ip}/${cidr}`;
    const have = new Map(existing.map((e) => [key(e.ipAddress, e.cidrPrefixLength ?? 32), e]));
    const added: string[] = [];
    for (const a of list.ipAddresses) {
      if (have.has(key(a.ip, a.cidrPrefixLength))) continue;
      added.push((await ips.create({ friendlyName: key(a.ip, a.cidrPrefixLength).replace('/', '-'), ipAddress: a.ip, cidrPrefixLength: a.cidrPrefixLength }).catch(failOnDefinitive)).sid);
    }
    const removed = existing.filter((e) => !list.ipAddresses.some((a) => key(a.ip, a.cidrPrefixLength) === key(e.ipAddress, e.cidrPrefixLength ?? 32)));
    for (const e of removed) await ips(e.sid).remove().catch(goneIsDone);
    return {
      detail: `${added.length} added, ${removed.length} removed`,
      undo: added.length || removed.length ? { kind: 'restore_ip_addresses', listSid, remove: added, add: removed.map((e) => ({ ip: e.ipAddress, cidrPrefixLength: e.cidrPrefixLength ?? 32 })) } : null,
    };
  }

  async function attachNumber(trunkId: string, n: DesiredNumber, move: boolean): Promise<AppliedChange> {
    const trunkSid = await trunkSidOf(trunkId);
    const number = await account().incomingPhoneNumbers(n.twilioSid).fetch().catch(failOnDefinitive);
    let prior = await priorVoiceOf(n.twilioSid);
    if (number.trunkSid !== trunkSid) {
      if (number.trunkSid && !move) {
        throw ApplicationFailure.nonRetryable(`${n.phoneNumber} is on trunk ${number.trunkSid}; set move: true to take it`, 'NumberOnAnotherTrunk');
      }
      // What the number routed to before: restored when it is detached or the saga rolls back.
      prior = { priorTrunkSid: number.trunkSid ?? null, priorVoiceApplicationSid: number.voiceApplicationSid || null };
      await db.query(`UPDATE phone_numbers SET sip_prior_voice = $2 WHERE twilio_sid = $1 AND status IN ('active','releasing')`, [n.twilioSid, JSON.stringify(prior)]);
      await trunking.trunks(trunkSid).phoneNumbers.create({ phoneNumberSid: n.twilioSid }).catch(failOnDefinitive);
    }
    await db.query(`UPDATE phone_numbers SET sip_trunk_id = $2, updated_at = now() WHERE twilio_sid = $1 AND status IN ('active','releasing')`, [n.twilioSid, trunkId]);
    await recordMembership(db, { twilioSid: n.twilioSid, kind: 'sip_trunk', containerSid: trunkSid, membershipSid: n.twilioSid });
    return {
      detail: prior?.priorTrunkSid ? `moved from trunk ${prior.priorTrunkSid}` : 'attached',
      undo: { kind: 'detach_number', trunkSid, number: n, priorTrunkSid: prior?.priorTrunkSid ?? null, priorVoiceApplicationSid: prior?.priorVoiceApplicationSid ?? null },
    };
  }

  async function deleteList(kind: ListKind, sid: string): Promise<string> {
    try {
      await sipLists(kind)(sid).remove();
    } catch (err) {
      const info = twilioErrorOf(err);
      if (info?.code && LIST_IN_USE.has(info.code)) return `kept ${sid}: Twilio says it is still in use (${info.code})`;
      if (!notFound(err)) return failOnDefinitive(err);
    }
    await db.query('UPDATE sip_auth_lists SET deleted_at = COALESCE(deleted_at, now()) WHERE list_sid = $1', [sid]);
    return `deleted ${sid}`;
  }

  async function apply(trunkId: string, change: SipChange): Promise<AppliedChange> {
    switch (change.kind) {
      case 'create_trunk': return createTrunk(trunkId, change.settings);
      case 'update_trunk': return updateTrunk(trunkId, change.settings, change.previous);
      case 'set_recording': return setRecording(trunkId, change.recording, change.previous);
      case 'add_origination_uri': return addUri(trunkId, change.uri);
      case 'update_origination_uri': return updateUri(trunkId, change.sid, change.uri);
      case 'remove_origination_uri': return removeUri(trunkId, change.sid);
      case 'create_list': return createList(trunkId, change.listKind, change.friendlyName);
      case 'sync_credentials': return syncCredentials(trunkId, change.list);
      case 'sync_ip_addresses': return syncIpAddresses(trunkId, change.list);
      case 'associate_list': {
        const trunkSid = await trunkSidOf(trunkId);
        const sid = 'sid' in change.ref ? change.ref.sid : await ownListSid(trunkId, change.listKind, change.ref.friendlyName);
        const result = await associate(trunkSid, change.listKind, sid);
        return { detail: result === 'already' ? `${sid} associated` : `associated ${sid}`, undo: { kind: 'disassociate_list', listKind: change.listKind, trunkSid, sid } };
      }
      case 'disassociate_list': {
        const trunkSid = await trunkSidOf(trunkId);
        await disassociate(trunkSid, change.listKind, change.sid);
        return { detail: `disassociated ${change.sid}`, undo: { kind: 'associate_list', listKind: change.listKind, trunkSid, sid: change.sid } };
      }
      case 'attach_number': return attachNumber(trunkId, change.number, change.move);
      case 'detach_number': {
        const trunkSid = await trunkSidOf(trunkId);
        await detachNumber(trunkSid, change.number, null);
        return { detail: 'detached', undo: { kind: 'reattach_number', trunkSid, number: change.number } };
      }
      case 'delete_list': return { detail: await deleteList(change.listKind, change.sid), undo: null };
      case 'delete_trunk': {
        const trunkSid = await trunkSidOf(trunkId);
        await trunking.trunks(trunkSid).remove().catch(goneIsDone);
        await forgetContainer(db, 'sip_trunk', trunkSid);
        return { detail: `deleted ${trunkSid}`, undo: null };
      }
    }
  }

  async function undo(u: SipUndo): Promise<string> {
    switch (u.kind) {
      case 'delete_trunk':
        await trunking.trunks(u.trunkSid).remove().catch(goneIsDone);
        // The row no longer names a trunk Twilio has: a later change creates one afresh.
        await db.query('UPDATE phone_numbers SET sip_trunk_id = NULL WHERE sip_trunk_id = (SELECT id FROM sip_trunks WHERE trunk_sid = $1)', [u.trunkSid]);
        await forgetContainer(db, 'sip_trunk', u.trunkSid);
        await db.query('UPDATE sip_trunks SET trunk_sid = NULL, snapshot = NULL, updated_at = now() WHERE trunk_sid = $1', [u.trunkSid]);
        break;
      case 'restore_trunk':
        await trunking.trunks(u.trunkSid).update(trunkParams(u.settings)).catch(failOnDefinitive);
        break;
      case 'restore_recording':
        await trunking.trunks(u.trunkSid).recordings().update(u.recording).catch(failOnDefinitive);
        break;
      case 'remove_origination_uri': {
        // By URL as well as SID: a lost create response may have left one we never learnt the SID of.
        await trunking.trunks(u.trunkSid).originationUrls(u.sid).remove().catch(goneIsDone);
        const stray = await findUri(u.trunkSid, u.sipUrl).catch((err) => (notFound(err) ? null : Promise.reject(err)));
        if (stray) await trunking.trunks(u.trunkSid).originationUrls(stray.sid).remove().catch(goneIsDone);
        break;
      }
      case 'restore_origination_uri': {
        const existing = u.sid ? u.sid : (await findUri(u.trunkSid, u.uri.sipUrl))?.sid;
        if (existing) await trunking.trunks(u.trunkSid).originationUrls(existing).update(uriParams(u.uri)).catch(failOnDefinitive);
        else await trunking.trunks(u.trunkSid).originationUrls.create(uriParams(u.uri)).catch(failOnDefinitive);
        break;
      }
      case 'delete_list': {
        const result = await deleteList(u.listKind, u.sid);
        if (result.startsWith('kept')) throw new Error(result); // still associated somewhere: retried, then reported
        break;
      }
      case 'delete_credentials':
        for (const sid of u.credentialSids) await account().sip.credentialLists(u.listSid).credentials(sid).remove().catch(goneIsDone);
        break;
      case 'restore_ip_addresses': {
        const ips = account().sip.ipAccessControlLists(u.listSid).ipAddresses;
        for (const sid of u.remove) await ips(sid).remove().catch(goneIsDone);
        const have = await ips.list({ pageSize: 1000 });
        for (const a of u.add) {
          if (have.some((h) => h.ipAddress === a.ip && (h.cidrPrefixLength ?? 32) === a.cidrPrefixLength)) continue;
          await ips.create({ friendlyName: `${a.ip}-${a.cidrPrefixLength}`, ipAddress: a.ip, cidrPrefixLength: a.cidrPrefixLength }).catch(failOnDefinitive);
        }
        break;
      }
      case 'disassociate_list':
        await disassociate(u.trunkSid, u.listKind, u.sid);
        break;
      case 'associate_list':
        await associate(u.trunkSid, u.listKind, u.sid);
        break;
      case 'detach_number':
        await detachNumber(u.trunkSid, u.number, { priorTrunkSid: u.priorTrunkSid, priorVoiceApplicationSid: u.priorVoiceApplicationSid });
        break;
      case 'reattach_number':
        await trunking.trunks(u.trunkSid).phoneNumbers.create({ phoneNumberSid: u.number.twilioSid }).catch(failOnDefinitive);
        await db.query(`UPDATE phone_numbers SET sip_trunk_id = (SELECT id FROM sip_trunks WHERE trunk_sid = $2) WHERE twilio_sid = $1`, [u.number.twilioSid, u.trunkSid]);
        await recordMembership(db, { twilioSid: u.number.twilioSid, kind: 'sip_trunk', containerSid: u.trunkSid, membershipSid: u.number.twilioSid });
        break;
    }
    return describeUndo(u);
  }

  async function inspect(trunkId: string): Promise<TrunkSnapshot | null> {
    const row = await trunkRow(trunkId);
    if (!row.trunk_sid) return null;
    const read = await readTrunk(row.trunk_sid);
    if (!read) {
      await storeSnapshot(db, trunkId, null);
      return null;
    }
    const ours = await trunkNumbers(db, trunkId);
    const onTrunk = new Set(read.phoneNumbers.map((n) => n.sid));
    const drift: TrunkSnapshot['drift'] = [];
    for (const n of ours) {
      if (onTrunk.has(n.twilio_sid)) continue;
      const at = await account().incomingPhoneNumbers(n.twilio_sid).fetch().catch((err) => (notFound(err) ? null : Promise.reject(err)));
      drift.push({ phoneNumber: n.phone_number, twilioSid: n.twilio_sid, trunkSidAtTwilio: at?.trunkSid ?? null });
    }
    for (const n of read.phoneNumbers) {
      if (!ours.some((o) => o.twilio_sid === n.sid)) drift.push({ phoneNumber: n.phoneNumber, twilioSid: n.sid, trunkSidAtTwilio: row.trunk_sid });
    }
    const snapshot = { ...read, drift };
    await storeSnapshot(db, trunkId, snapshot);
    return snapshot;
  }

  // ---- progress written step by step: what an activity is sent doesn't grow with the operation ----

  /** Applies one change as step `step.index`: recorded running, then done with what was done. */
  async function applyStep(trunkId: string, change: SipChange, step: EntryRef & { name: string }): Promise<AppliedChange> {
    const entry = (status: 'running' | 'done', detail: string | null) =>
      recordProgressEntry(db, { operationId: step.operationId, status: 'running', step: step.name, entry: { list: 'steps', index: step.index, value: { name: step.name, status, detail } } });
    await entry('running', null);
    const applied = await apply(trunkId, change);
    await entry('done', applied.detail);
    return applied;
  }

  /**
   * Number changes in order, each its own step. A refusal ends the group and is returned with the changes
   * made before it (so the saga can undo them); anything else fails the activity, whose retry reconciles.
   */
  async function applyNumbers(trunkId: string, changes: NumberChange[], first: EntryRef) {
    const applied: AppliedChange[] = [];
    for (const [i, change] of changes.entries()) {
      try {
        applied.push(await applyStep(trunkId, change, { operationId: first.operationId, index: first.index + i, name: describeChange(change) }));
      } catch (err) {
        const refusal = refusalIn(err);
        if (!refusal) throw err;
        return { applied, refusal };
      }
    }
    return { applied, refusal: null };
  }

  async function undoStep(u: SipUndo, at: EntryRef): Promise<string> {
    const action = await undo(u);
    await recordProgressEntry(db, { operationId: at.operationId, status: 'rolling_back', entry: { list: 'rollback', index: at.index, value: { action, status: 'done', error: null } } });
    return action;
  }

  /** Each undo in its place of the rollback list; one that fails is recorded failed there and named for the saga to retry. */
  async function undoNumbers(undos: NumberUndo[], first: EntryRef) {
    const failed: number[] = [];
    for (const [i, u] of undos.entries()) {
      const at = { operationId: first.operationId, index: first.index + i };
      try {
        await undoStep(u, at);
      } catch (err) {
        failed.push(i);
        const value = { action: describeUndo(u), status: 'failed' as const, error: err instanceof Error ? err.message : String(err) };
        await recordProgressEntry(db, { operationId: at.operationId, status: 'rolling_back', entry: { list: 'rollback', index: at.index, value } });
      }
    }
    return { failed };
  }

  return {
    sipPlan: plan,
    sipApply: async ({ trunkId, change, report }) => {
      // Workflows started before 0eeb842 record progress with sipRecordProgress and send no report.
      if (report) await recordOperationProgress(db, report.operationId, report.status, report.progress);
      return apply(trunkId, change);
    },
    sipPlanOperation: async (ref) => {
      const input = await operationInput(db, ref);
      if (!input) throw new RowMissing(`operation ${ref.operationId} of trunk ${ref.trunkId} is not recorded`);
      return plan(input);
    },
    sipApplyStep: ({ trunkId, change, step }) => applyStep(trunkId, change, step),
    sipApplyNumbers: ({ trunkId, changes, first }) => applyNumbers(trunkId, changes, first),
    sipUndoStep: ({ undo: u, entry }) => undoStep(u, entry),
    sipUndoNumbers: ({ undos, first }) => undoNumbers(undos, first),
    sipRecordEntry: (e) => recordProgressEntry(db, e),
    sipUndo: async ({ undo: u, report }) => {
      if (report) await recordOperationProgress(db, report.operationId, report.status, report.progress);
      return undo(u);
    },
    sipInspect: ({ trunkId }) => inspect(trunkId),
    sipRecordProgress: ({ operationId, status, progress }) => recordOperationProgress(db, operationId, status, progress),
    sipFinishOperation: ({ operationId, outcome, progress }) => finishOperation(db, operationId, outcome, progress),
    sipWipeSecrets: ({ refs }) => wipeSecrets(db, refs),
  };
}
