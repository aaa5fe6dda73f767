import { ApplicationFailure } from '@temporalio/common';
import { wipeSecrets } from '../../db/platform/secrets';
import { finishOperation, operationInput, recordOperationProgress, recordProgressEntry, storeSnapshot, trunkNumbers } from '../../db/sip/trunks';
import { planSipChanges, twilioListName, type SipDesired, type SipPlanSnapshot } from '../../compliance/sip/plan';
import type { TwilioErrorInfo } from '../../schemas/kit/common';
import type { TrunkSpec } from '../../schemas/sip/trunks';
import type { AppliedChange, EntryRef, ListKind, NumberChange, NumberUndo, Refusal, SipActivities, SipChange, SipOperationInput, SipUndo, TrunkSnapshot } from '../../schemas/sip/workflow';
import { describeChange, describeUndo } from '../../schemas/sip/describe';
import { isAccountPaused, isTwilioNotFound as notFound } from '../kit/twilio-errors';
import { RowMissing } from '../kit/row-missing';
import { settingsOfTrunk, sipChangeContext, type SipActivityDeps, type SipChangeContext } from './changes/context';
import { applySipChange, undoSipChange } from './changes/registry';

export type { SipActivityDeps } from './changes/context';
export { twilioListName };

/** A step's definitive refusal as the saga reads it from a failed activity: a non-retryable failure, with Twilio's answer when it was one. */
function refusalIn(err: unknown): Refusal | null {
  if (!(err instanceof ApplicationFailure) || !err.nonRetryable) return null;
  const twilio = err.type === 'TwilioError' ? ((err.details?.[0] as TwilioErrorInfo | undefined) ?? null) : null;
  return { message: err.message, twilio };
}

/** Reads a trunk and everything on it; null when Twilio no longer has it. */
async function readTrunk({ trunking, account }: SipChangeContext, trunkSid: string): Promise<Omit<TrunkSnapshot, 'drift'> | null> {
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
async function listsOnlyThisTrunkUses({ db }: SipChangeContext, trunkId: string): Promise<SipPlanSnapshot['listsOnlyThisTrunkUses']> {
  const { rows } = await db.query<{ kind: ListKind; sid: string }>(
    `SELECT l.kind, l.list_sid AS sid FROM sip_auth_lists l
      WHERE l.created_for_trunk = $1 AND l.deleted_at IS NULL AND l.list_sid IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM sip_trunks t WHERE t.id <> $1 AND t.tenant_id = l.tenant_id AND t.status <> 'deleted'
                         AND (t.spec::text LIKE '%' || l.list_sid || '%' OR COALESCE(t.snapshot::text, '') LIKE '%' || l.list_sid || '%'))`,
    [trunkId],
  );
  return rows;
}

/** The SIDs of the lists the service created for this trunk that the desired state names. */
async function ownListSids({ db }: SipChangeContext, desired: SipDesired): Promise<Record<string, string>> {
  const { credentialLists, ipAccessControlLists } = desired.spec?.termination ?? { credentialLists: [], ipAccessControlLists: [] };
  const names = [...credentialLists, ...ipAccessControlLists].flatMap((l) => ('sid' in l ? [] : [twilioListName(desired.trunkId, l.friendlyName)]));
  if (!names.length) return {};
  const { rows } = await db.query<{ twilio_name: string; list_sid: string }>(
    'SELECT twilio_name, list_sid FROM sip_auth_lists WHERE twilio_name = ANY($1) AND deleted_at IS NULL AND list_sid IS NOT NULL',
    [names],
  );
  return Object.fromEntries(rows.map((r) => [r.twilio_name, r.list_sid]));
}

/** Everything the plan compares the desired state with: Twilio's trunk (when it has one) and the service's records. */
async function readPlanSnapshot(ctx: SipChangeContext, desired: SipDesired): Promise<SipPlanSnapshot> {
  const row = await ctx.trunkRow(desired.trunkId);
  const trunk = row.trunk_sid ? await readTrunk(ctx, row.trunk_sid) : null;
  const recordedNumbers = (await trunkNumbers(ctx.db, desired.trunkId)).map((n) => ({ phoneNumber: n.phone_number, twilioSid: n.twilio_sid }));
  return { trunk, recordedNumbers, ownListSids: await ownListSids(ctx, desired), listsOnlyThisTrunkUses: await listsOnlyThisTrunkUses(ctx, desired.trunkId) };
}

/** SIP trunk activities over the official SDK: the plan is compliance/sip/plan.ts, each change kind a module of ./changes. */
export function createSipActivities(deps: SipActivityDeps): SipActivities {
  const ctx = sipChangeContext(deps);
  const { db } = deps;

  const plan = async (input: SipOperationInput): Promise<SipChange[]> => planSipChanges(input, await readPlanSnapshot(ctx, input));
  const apply = (trunkId: string, change: SipChange) => applySipChange(ctx, trunkId, change);
  const undo = (u: SipUndo) => undoSipChange(ctx, u);

  async function inspect(trunkId: string): Promise<TrunkSnapshot | null> {
    const row = await ctx.trunkRow(trunkId);
    if (!row.trunk_sid) return null;
    const read = await readTrunk(ctx, row.trunk_sid);
    if (!read) {
      await storeSnapshot(db, trunkId, null);
      return null;
    }
    const ours = await trunkNumbers(db, trunkId);
    const onTrunk = new Set(read.phoneNumbers.map((n) => n.sid));
    const drift: TrunkSnapshot['drift'] = [];
    for (const n of ours) {
      if (onTrunk.has(n.twilio_sid)) continue;
      const at = await ctx.account().incomingPhoneNumbers(n.twilio_sid).fetch().catch((err) => (notFound(err) ? null : Promise.reject(err)));
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

  /**
   * Each undo in its place of the rollback list; one that fails is recorded failed there and named for the saga to retry.
   * A paused account fails none: the group's activity waits for the account (and is retried) instead.
   */
  async function undoNumbers(undos: NumberUndo[], first: EntryRef) {
    const failed: number[] = [];
    for (const [i, u] of undos.entries()) {
      const at = { operationId: first.operationId, index: first.index + i };
      try {
        await undoStep(u, at);
      } catch (err) {
        if (isAccountPaused(err)) throw err;
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
