import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { CancellationScope, continueAsNew, executeChild, isCancellation, ParentClosePolicy, patched, workflowInfo } from '@temporalio/workflow';
import type { RotationPlanItem, RotationPolicy } from '../../activities/number-health/rotation';
import type { TwilioErrorInfo } from '../../schemas/kit/common';
import type { JobOutcome, JobStatus } from '../../schemas/kit/jobs';
import { replacementPurchaseKey, tenantPrefix } from '../../schemas/kit/workflow-ids';
import { db, twilio } from '../kit/activities';
import { rotation } from './activities';
import { forEachBounded } from '../kit/bounded';
import { failureReason, finishStoppedJob, twilioErrorIn } from '../kit/stopped-jobs';

/** Numbers rotated at once: each buys a number and moves memberships, all through the account's limiter. */
export const ROTATIONS_IN_FLIGHT = 4;
/** Candidates asked for per search of the area code; a second search follows if all were taken meanwhile. */
const CANDIDATES_PER_SEARCH = 5;
const SEARCHES = 2;

export type RotationResult =
  | { status: 'rotated'; replacement: string; trunkSid: string | null; messagingServices: string[]; trustProducts?: string[] }
  | { status: 'skipped' | 'failed'; reason: string };

/**
 * Version marker: the plan read from PostgreSQL a page at a time (a cursor in the input), one number's failure
 * kept on its item while the pass goes on, continue-as-new every few hundred rotations, and the job's row final
 * whatever stops the pass. Passes started before it run the whole plan at once, as they began.
 */
export const ROTATION_PASS_PAGED = 'rotation-pass-paged';
/** Plan entries per activity: what one page carries stays the same whatever the tenant's size. */
export const ROTATION_PLAN_PAGE = 50;
/**
 * Rotations per workflow run before it continues as new: each costs about eleven history events (its child's start
 * and end, its item's write, the workflow tasks between), so a run stays near 2 850 events and 420 KiB (measured in
 * test/workflows/number-health/hygiene.workflow.test.ts), far from Temporal's limits.
 */
export const ROTATIONS_PER_RUN = 250;

/** Where a pass stands; a continued run starts from it. */
export interface RotationPassCursor {
  jobId: string;
  /** Read once when the pass starts, so every page of one pass follows the same policy. */
  policy: RotationPolicy | null;
  /** Numbers due when the pass started (the job's `requested`). */
  due: number;
  /** The last number handled: the next page starts after it. */
  after: string;
  totals: { visited: number; rotated: number; released: number; failed: number };
}

export interface RotationPassInput {
  tenantId: string;
  /** Set only by continue-as-new: a Schedule starts a pass with the tenant alone. */
  resume?: RotationPassCursor;
}

/**
 * One run of a tenant's rotation Schedule (weekly by default): each quarantined number gets a replacement in its
 * area code that takes over its service, when the policy rotates; those quarantined long enough are released.
 * The run is a job with an item per number.
 */
export async function rotationPass(input: RotationPassInput): Promise<JobOutcome> {
  // A continued run only exists on the paged path, so it needs no marker of its own.
  if (input.resume || patched(ROTATION_PASS_PAGED)) return pagedRotationPass(input);
  return rotationPassWholePlan(input);
}

/**
 * The paged pass: a page of the plan at a time, each number's outcome (a failure too) on its item, continue-as-new
 * after ROTATIONS_PER_RUN or when Temporal suggests it. An activity that fails for good or a cancel through
 * Temporal ends the row `partial`/`failed`/`cancelled` with the reason.
 */
async function pagedRotationPass({ tenantId, resume }: RotationPassInput): Promise<JobOutcome> {
  const pass = resume ?? (await startPass(tenantId));
  let more: boolean;
  try {
    more = await rotatePages(tenantId, pass);
  } catch (err) {
    await finishStoppedJob(pass.jobId, err, { didSome: pass.totals.rotated + pass.totals.released > 0, summary: passSummary(pass) });
    throw err;
  }
  if (more) return continueAsNew<typeof rotationPass>({ tenantId, resume: pass });
  const { failed, visited } = pass.totals;
  const status: JobStatus = failed === 0 ? 'succeeded' : failed < visited ? 'partial' : 'failed';
  const outcome: JobOutcome = {
    stopReason: 'completed',
    message: pass.policy ? passSummary(pass) : 'no policy: nothing rotated or released',
    historyEvents: workflowInfo().historyLength,
  };
  await db.finishJob({ jobId: pass.jobId, status, outcome });
  return outcome;
}

async function startPass(tenantId: string): Promise<RotationPassCursor> {
  const { jobId, policy, due } = await db.startRotationPass({ tenantId, runId: workflowInfo().workflowId });
  return { jobId, policy, due, after: '', totals: { visited: 0, rotated: 0, released: 0, failed: 0 } };
}

/** Works through pages of the plan; true when this run has done its share and more may follow (continue as new). */
async function rotatePages(tenantId: string, pass: RotationPassCursor): Promise<boolean> {
  if (!pass.policy) return false;
  for (let thisRun = 0; ; ) {
    const page = await db.rotationPlanPage({ tenantId, jobId: pass.jobId, policy: pass.policy, after: pass.after, limit: ROTATION_PLAN_PAGE });
    await forEachBounded(page, ROTATIONS_IN_FLIGHT, (item) => passOneNumber(tenantId, pass, item));
    if (page.length < ROTATION_PLAN_PAGE) return false;
    pass.after = page[page.length - 1]!.phoneNumber;
    thisRun += page.length;
    if (thisRun >= ROTATIONS_PER_RUN || workflowInfo().continueAsNewSuggested) return true;
  }
}

const passSummary = ({ due, totals }: RotationPassCursor) =>
  `${due} quarantined numbers due: ${totals.rotated} rotated, ${totals.released} released, ${totals.failed} failed`;

/** One number's pass, recorded on its item; counted only once recorded, so a failed write is never counted twice. */
async function passOneNumber(tenantId: string, pass: RotationPassCursor, item: RotationPlanItem): Promise<void> {
  const r = await moveOrRelease(tenantId, item);
  await db.recordRotationItem({ jobId: pass.jobId, phoneNumber: item.phoneNumber, ok: r.ok, detail: r.detail, error: r.error });
  pass.totals.visited += 1;
  if (r.rotated) pass.totals.rotated += 1;
  if (r.released) pass.totals.released += 1;
  if (!r.ok) pass.totals.failed += 1;
}

interface NumberResult {
  ok: boolean;
  detail: Record<string, unknown>;
  error: TwilioErrorInfo | null;
  rotated: boolean;
  released: boolean;
}

/**
 * Rotates and/or releases one number. Anything that fails for this number alone (a Twilio refusal while its
 * service moves, a rotation child that failed or was cancelled) is its result, with Twilio's code when there is
 * one; only the pass's own cancel goes up, to stop the pass.
 */
async function moveOrRelease(tenantId: string, { phoneNumber, rotate, release }: RotationPlanItem): Promise<NumberResult> {
  const detail: Record<string, unknown> = {};
  let rotated = false;
  try {
    if (rotate) {
      const r = await rotateOnce(tenantId, phoneNumber);
      // A number whose service could not move keeps it: it is not released either.
      if (r.status !== 'rotated') return { ok: r.status !== 'failed', detail: { action: r.status, reason: r.reason }, error: null, rotated, released: false };
      Object.assign(detail, { replacement: r.replacement, trunkSid: r.trunkSid, messagingServices: r.messagingServices, trustProducts: r.trustProducts ?? [] });
      rotated = true;
    }
    if (release) {
      const r = await twilio.releaseNumber({ tenantId, phoneNumber, jobId: null });
      if (r.status === 'rejected') {
        const reason = `release refused by Twilio: ${r.error.code} ${r.error.message}`;
        return { ok: false, detail: { action: rotated ? 'rotated' : 'failed', ...detail, reason }, error: r.error, rotated, released: false };
      }
    }
    return { ok: true, detail: { action: rotated && release ? 'rotated_and_released' : rotated ? 'rotated' : 'released', ...detail }, error: null, rotated, released: release };
  } catch (err) {
    // The pass being cancelled stops it; one number's rotation cancelled on its own is that number's failure.
    if (isCancellation(err) && CancellationScope.current().consideredCancelled) throw err;
    const reason = `${rotated ? 'release' : 'rotation'} failed: ${failureReason(err)}`;
    return { ok: false, detail: { action: rotated ? 'rotated' : 'failed', ...detail, reason }, error: twilioErrorIn(err), rotated, released: false };
  }
}

/**
 * Version marker: a pass still on the whole-plan path (started before ROTATION_PASS_PAGED) that a failure or a
 * cancel through Temporal stops ends its row with the reason. Asked for only then, so its history replays.
 */
export const ROTATION_PASS_FINAL_ON_STOP = 'rotation-pass-final-on-stop';

/** Passes started before ROTATION_PASS_PAGED: the whole plan in one activity result, one run. Kept as it ran. */
async function rotationPassWholePlan({ tenantId }: { tenantId: string }): Promise<JobOutcome> {
  const { jobId, plan, policy } = await db.startRotationPassJob({ tenantId, runId: workflowInfo().workflowId });
  const totals = { rotated: 0, released: 0, failed: 0 };
  try {
    await rotateWholePlan(tenantId, jobId, plan, totals);
  } catch (err) {
    const summary = `${plan.length} quarantined numbers due: ${totals.rotated} rotated, ${totals.released} released, ${totals.failed} failed`;
    if (patched(ROTATION_PASS_FINAL_ON_STOP)) await finishStoppedJob(jobId, err, { didSome: totals.rotated + totals.released > 0, summary });
    throw err;
  }
  const outcome: JobOutcome = {
    stopReason: 'completed',
    message: policy
      ? `${plan.length} quarantined numbers due: ${totals.rotated} rotated, ${totals.released} released, ${totals.failed} failed`
      : 'no policy: nothing rotated or released',
    historyEvents: workflowInfo().historyLength,
  };
  await db.finishJob({ jobId, status: totals.failed === 0 ? 'succeeded' : totals.failed < plan.length ? 'partial' : 'failed', outcome });
  return outcome;
}

async function rotateWholePlan(tenantId: string, jobId: string, plan: RotationPlanItem[], totals: { rotated: number; released: number; failed: number }): Promise<void> {
  await forEachBounded(plan, ROTATIONS_IN_FLIGHT, async ({ phoneNumber, rotate, release }) => {
    const detail: Record<string, unknown> = {};
    if (rotate) {
      const r = await rotateOnce(tenantId, phoneNumber);
      Object.assign(detail, r.status === 'rotated' ? { replacement: r.replacement, trunkSid: r.trunkSid, messagingServices: r.messagingServices, trustProducts: r.trustProducts ?? [] } : { reason: r.reason });
      if (r.status !== 'rotated') {
        // A number whose service could not move keeps it: it is not released either.
        if (r.status === 'failed') totals.failed += 1;
        await db.recordRotationItem({ jobId, phoneNumber, ok: r.status !== 'failed', detail: { action: r.status, ...detail } });
        return;
      }
      totals.rotated += 1;
    }
    if (release) {
      const r = await twilio.releaseNumber({ tenantId, phoneNumber, jobId: null });
      if (r.status === 'rejected') {
        totals.failed += 1;
        await db.recordRotationItem({ jobId, phoneNumber, ok: false, detail: { action: rotate ? 'rotated' : 'failed', ...detail, reason: `release refused by Twilio: ${r.error.code} ${r.error.message}` } });
        return;
      }
      totals.released += 1;
    }
    await db.recordRotationItem({ jobId, phoneNumber, ok: true, detail: { action: rotate && release ? 'rotated_and_released' : rotate ? 'rotated' : 'released', ...detail } });
  });
}

/**
 * A number's rotation runs as a child whose id names the number: two runs overlapping (the Schedule and a run
 * on demand) cannot rotate the same number twice; the second finds the first still at it and skips.
 */
async function rotateOnce(tenantId: string, phoneNumber: string): Promise<RotationResult> {
  try {
    return await executeChild(rotateNumber, {
      workflowId: `${tenantPrefix(tenantId)}/rotate-${phoneNumber}`,
      args: [{ tenantId, phoneNumber }],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { status: 'skipped', reason: 'another run is rotating it' };
    throw err;
  }
}

/**
 * Rotates one quarantined number: buy a replacement in its area code with its voice/SMS configuration (a
 * purchase already begun for it is resumed, never a second bought), then move its trunk and Messaging Services.
 */
export async function rotateNumber({ tenantId, phoneNumber }: { tenantId: string; phoneNumber: string }): Promise<RotationResult> {
  const state = await db.rotationStateOf({ tenantId, phoneNumber });
  if (!state.quarantined) return { status: 'skipped', reason: 'no longer a quarantined number' };
  let replacement = state.replacedBy;
  if (!replacement && state.pendingPurchase) {
    const resumed = await twilio.purchaseNumber({ tenantId, jobId: null, config: state.config, ...state.pendingPurchase });
    if (resumed.status === 'purchased') replacement = resumed.number.phoneNumber;
  }
  if (!replacement) {
    const numberId = await db.numberIdOf({ tenantId, phoneNumber });
    if (!numberId) return { status: 'skipped', reason: 'no longer a live number' };
    // A replacement counts against the tenant's monthly budget like any purchase (patched: runs before it didn't ask).
    if (patched('rotation-within-budget') && !(await db.replacementFitsBudget({ tenantId }))) {
      return { status: 'skipped', reason: 'the replacement would take the tenant over its monthly budget' };
    }
    for (let search = 0; search < SEARCHES && !replacement; search++) {
      const candidates = await twilio.searchAvailableNumbers({ type: state.tollFree ? 'toll-free' : 'local', areaCode: state.areaCode, limit: CANDIDATES_PER_SEARCH });
      if (candidates.length === 0) break;
      for (const c of candidates) {
        const bought = await twilio.purchaseNumber({ tenantId, jobId: null, config: state.config, phoneNumber: c.phoneNumber, purchaseKey: replacementPurchaseKey(numberId, c.phoneNumber) });
        if (bought.status === 'purchased') {
          replacement = bought.number.phoneNumber;
          break;
        }
        if (bought.status === 'rejected') return { status: 'failed', reason: `Twilio refused the purchase: ${bought.error.code} ${bought.error.message}` };
      }
    }
  }
  if (!replacement) return { status: 'failed', reason: `no number available in area code ${state.areaCode}` };
  const moved = await rotation.moveServiceTo({ tenantId, from: phoneNumber, to: replacement });
  return { status: 'rotated', replacement, ...moved };
}
