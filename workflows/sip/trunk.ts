import { ActivityFailure, CancellationScope, patched, workflowInfo } from '@temporalio/workflow';
import { describeChange, describeUndo } from '../../schemas/sip/describe';
import type {
  NumberChange,
  NumberUndo,
  NumbersApplied,
  OperationOutcome,
  OperationProgress,
  Refusal,
  SipChange,
  SipOperationInput,
  SipUndo,
  TrunkSnapshot,
} from '../../schemas/sip/workflow';
import { sip, sipCompensation, sipNumbers } from './activities';
import { legacySipTrunkOperation } from './trunk-legacy';
import { refusalOf, refusedDetail } from './refusal';

/**
 * Progress written entry by entry by the activity that makes each step, and number changes applied many per
 * activity: what an activity is sent no longer grows with the operation (before, every sipApply carried the
 * whole step list: a 1 000-number attach grew history with the square of its steps).
 */
export const PROGRESS_PER_STEP = 'sip-progress-per-step';

/** Number changes per activity: a 1 000-number attach is 20 activities, not 1 000. */
export const NUMBERS_PER_ACTIVITY = 50;

/**
 * 0eeb842 changed the saga's commands without a patch marker, so runs without a marker are told apart by
 * when they started. Its saga was written on 109bf1b (committed at this instant): no run of it can have
 * started earlier, so a run that did executed the saga before it. (A run started later that still executed
 * the older saga hit non-determinism when 0eeb842 was deployed; docs/operations/upgrading-workflows.md says
 * how to reset it.)
 */
const SAGA_OF_0EEB842_NOT_BEFORE = Date.parse('2026-11-26T07:09:39Z');

/**
 * One change to a SIP trunk — create, update or delete — as a compensated saga. A plan lists the
 * changes that make Twilio match the desired state (only what differs); each is applied by a
 * reconciling activity that returns how to undo it. When a step fails for good, the changes made so
 * far are undone in reverse order; a compensation that still fails after its retries is reported by
 * name, never dropped. Deleting goes forward only: its steps are retried until done, or reported.
 */
export async function sipTrunkOperation(input: SipOperationInput): Promise<OperationOutcome> {
  if (patched(PROGRESS_PER_STEP)) return sagaWithProgressPerStep(input);
  const before0eeb842 = workflowInfo().startTime.getTime() < SAGA_OF_0EEB842_NOT_BEFORE;
  return legacySipTrunkOperation(input, before0eeb842 ? 'record-activities' : 'report-in-apply');
}

/** What every activity of one operation is told: which tenant, trunk and operation. */
interface Operation {
  tenantId: string;
  trunkId: string;
  operationId: string;
}

/** The step that a refusal stopped: its place in the step list, its name and why. */
interface RefusedStep {
  index: number;
  name: string;
  refusal: Refusal;
}

async function sagaWithProgressPerStep(input: SipOperationInput): Promise<OperationOutcome> {
  const op: Operation = { tenantId: input.tenantId, trunkId: input.trunkId, operationId: input.operationId };
  const undos: SipUndo[] = [];
  let outcome: OperationOutcome = 'succeeded';
  try {
    await sip.sipRecordProgress({ operationId: op.operationId, status: 'running', progress: { step: null, steps: [], error: null, rollback: [] } });
    const refused = await planAndApply(op, undos);
    if (refused) {
      // A delete goes forward only: it stays running until it is finished as failed.
      const status = input.kind === 'delete' ? 'running' : 'rolling_back';
      await recordRefusal(op, status, refused);
      if (input.kind === 'delete') outcome = 'failed';
      else outcome = (await rollBack(op, undos)) ? 'rolled_back' : 'failed';
    }
    // The stored view shows Twilio's state as it is now (after a rollback too); a deleted trunk has none.
    if (input.kind !== 'delete' && !(input.kind === 'create' && outcome !== 'succeeded')) {
      await sip.sipInspect({ tenantId: op.tenantId, trunkId: op.trunkId });
    }
  } finally {
    // Passwords are needed only while the operation runs; never kept afterwards.
    await CancellationScope.nonCancellable(async () => {
      if (input.secretRefs.length) await sip.sipWipeSecrets({ refs: input.secretRefs });
    });
  }
  await sip.sipFinishOperation({ operationId: op.operationId, outcome });
  return outcome;
}

/** Plans, then applies the plan in order; the refusal that stopped it, if one did (`undos` gets what was done). */
async function planAndApply(op: Operation, undos: SipUndo[]): Promise<RefusedStep | null> {
  let plan: SipChange[];
  try {
    plan = await sip.sipPlanOperation(op);
  } catch (err) {
    const refusal = refusalOf(err);
    if (!refusal) throw err;
    return { index: -1, name: 'plan', refusal };
  }
  let index = 0;
  for (const group of stepGroups(plan)) {
    const { applied, refusal } = await applyGroup(op, group, index);
    for (const a of applied) if (a.undo) undos.push(a.undo);
    index += applied.length;
    if (refusal) return { index, name: describeChange(group[applied.length]!), refusal };
  }
  return null;
}

async function applyGroup(op: Operation, group: SipChange[], index: number): Promise<NumbersApplied> {
  try {
    if (isNumberChange(group[0]!)) return await sipNumbers.sipApplyNumbers({ ...op, changes: group as NumberChange[], first: { operationId: op.operationId, index } });
    const change = group[0]!;
    return { applied: [await sip.sipApplyStep({ ...op, change, step: { operationId: op.operationId, index, name: describeChange(change) } })], refusal: null };
  } catch (err) {
    const refusal = refusalOf(err);
    if (!refusal) throw err;
    return { applied: [], refusal };
  }
}

/** The error, and the refused step's entry (a refused plan has none); no step runs any more. */
async function recordRefusal(op: Operation, status: 'running' | 'rolling_back', refused: RefusedStep) {
  const error: OperationProgress['error'] = { step: refused.name, ...refused.refusal };
  const entry = refused.index < 0 ? undefined : { list: 'steps' as const, index: refused.index, value: { name: refused.name, status: 'failed' as const, detail: refusedDetail(refused.refusal) } };
  await sip.sipRecordEntry({ operationId: op.operationId, status, step: null, error, entry });
}

/** Undoes the applied changes newest first, numbers in groups; true when every compensation succeeded. */
async function rollBack(op: Operation, undos: SipUndo[]): Promise<boolean> {
  let clean = true;
  let index = 0;
  for (const group of runsOf([...undos].reverse(), isNumberUndo)) {
    // Alone: any compensation but a number's, and a number's whose undo failed in its group (bounded retries).
    const alone = isNumberUndo(group[0]!) ? await undoNumbers(op, group as NumberUndo[], index) : [0];
    for (const i of alone) clean = (await undoOne(op, group[i]!, index + i)) && clean;
    index += group.length;
  }
  return clean;
}

/** The positions of the group whose undo failed (all of them if the group's activity itself failed). */
async function undoNumbers(op: Operation, group: NumberUndo[], index: number): Promise<number[]> {
  try {
    return (await sipNumbers.sipUndoNumbers({ ...op, undos: group, first: { operationId: op.operationId, index } })).failed;
  } catch {
    return group.map((_, i) => i);
  }
}

/** One compensation, retried a bounded number of times, then reported by name in its place — never dropped. */
async function undoOne(op: Operation, undo: SipUndo, index: number): Promise<boolean> {
  try {
    await sipCompensation.sipUndoStep({ ...op, undo, entry: { operationId: op.operationId, index } });
    return true;
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const value = { action: describeUndo(undo), status: 'failed' as const, error: (cause as Error | undefined)?.message ?? String(err) };
    await sip.sipRecordEntry({ operationId: op.operationId, status: 'rolling_back', entry: { list: 'rollback', index, value } });
    return false;
  }
}

const isNumberChange = (c: SipChange): c is NumberChange => c.kind === 'attach_number' || c.kind === 'detach_number';
const isNumberUndo = (u: SipUndo): u is NumberUndo => u.kind === 'detach_number' || u.kind === 'reattach_number';

/** The plan in activity-sized groups: runs of number changes together, every other change on its own. */
export const stepGroups = (plan: SipChange[]) => runsOf(plan, isNumberChange);

/** Consecutive items that `groupable` accepts, NUMBERS_PER_ACTIVITY at most to a group; every other item alone. */
function runsOf<T>(items: T[], groupable: (t: T) => boolean): T[][] {
  const groups: T[][] = [];
  for (const item of items) {
    const last = groups.at(-1);
    if (last && groupable(item) && groupable(last[0]!) && last.length < NUMBERS_PER_ACTIVITY) last.push(item);
    else groups.push([item]);
  }
  return groups;
}

/** get_trunk_details' live read: Twilio's state now, with health findings computed from it. */
export async function sipInspectTrunk(input: { tenantId: string; trunkId: string }): Promise<TrunkSnapshot | null> {
  return sip.sipInspect(input);
}
