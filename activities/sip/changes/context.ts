import { ApplicationFailure } from '@temporalio/common';
import type { TrunkInstance } from 'twilio/lib/rest/trunking/v1/trunk';
import type { Db } from '../../../db/kit/pool';
import { forgetMembership, recordMembership } from '../../../db/kit/memberships';
import type { SecretBox } from '../../../db/platform/secrets';
import { twilioListName } from '../../../compliance/sip/plan';
import type { OriginationUri } from '../../../schemas/sip/trunks';
import type { DesiredNumber, ListKind, TrunkSettings } from '../../../schemas/sip/workflow';
import type { TwilioClient } from '../../kit/twilio-client';
import { failOnDefinitive, goneIsDone, isTwilioNotFound as notFound, twilioErrorOf } from '../../kit/twilio-errors';
import { RowMissing } from '../../kit/row-missing';

/** What SIP change modules are built on: the worker's PostgreSQL, Twilio client and secret box. */
export interface SipActivityDeps {
  db: Db;
  twilio: TwilioClient;
  secrets: SecretBox;
}

const ALREADY_ASSOCIATED = 21245;
const LIST_IN_USE = new Set([21241, 21236]);

/** What a number routed to before it was put on a trunk: restored when it is taken off. */
export interface PriorVoice {
  priorTrunkSid: string | null;
  priorVoiceApplicationSid: string | null;
}

export const settingsOfTrunk = (t: TrunkInstance): TrunkSettings => ({
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
export function trunkParams(s: Partial<TrunkSettings>) {
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
export const uriParams = (u: OriginationUri) => ({ sipUrl: u.sipUrl, priority: u.priority, weight: u.weight, enabled: u.enabled, friendlyName: uriFriendlyName(u) });

/**
 * The helpers more than one change kind uses (a change and the undo of another often make the same
 * Twilio calls: associate and re-associate, detach and the undo of an attach). Every create reconciles
 * first: it looks for what an earlier attempt made before it repeats a side effect.
 */
export function sipChangeContext({ db, twilio, secrets }: SipActivityDeps) {
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

  /** Deletes a list unless Twilio says it is still in use; what was done, in words. */
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

  async function findUri(trunkSid: string, sipUrl: string) {
    return (await trunking.trunks(trunkSid).originationUrls.list({ pageSize: 1000 })).find((u) => u.sipUrl.toLowerCase() === sipUrl.toLowerCase()) ?? null;
  }

  async function priorVoiceOf(twilioSid: string): Promise<PriorVoice | null> {
    const { rows } = await db.query<{ sip_prior_voice: PriorVoice | null }>(
      `SELECT sip_prior_voice FROM phone_numbers WHERE twilio_sid = $1 AND status IN ('active','releasing')`,
      [twilioSid],
    );
    return rows[0]?.sip_prior_voice ?? null;
  }

  /** Takes a number off a trunk and gives back the voice routing it had before it was attached. */
  async function detachNumber(trunkSid: string, n: DesiredNumber, restore: PriorVoice | null) {
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

  return { db, secrets, trunking, account, trunkRow, trunkSidOf, ownListSid, sipLists, associate, disassociate, deleteList, findUri, priorVoiceOf, detachNumber };
}

export type SipChangeContext = ReturnType<typeof sipChangeContext>;
