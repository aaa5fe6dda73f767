import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { executeChild, ParentClosePolicy, patched, workflowInfo } from '@temporalio/workflow';
import type { JobOutcome } from '../schemas/jobs';
import { replacementPurchaseKey, tenantPrefix } from '../schemas/workflow-ids';
import { db, rotation, twilio } from './activities';
import { forEachBounded } from './bounded';

/** Numbers rotated at once: each buys a number and moves memberships, all through the account's limiter. */
const ROTATIONS_IN_FLIGHT = 4;
/** Candidates asked for per search of the area code; a second search follows if all were taken meanwhile. */
const CANDIDATES_PER_SEARCH = 5;
const SEARCHES = 2;

export type RotationResult =
  | { status: 'rotated'; replacement: string; trunkSid: string | null; messagingServices: string[]; trustProducts?: string[] }
  | { status: 'skipped' | 'failed'; reason: string };

/**
 * One run of a tenant's rotation Schedule (weekly by default): each quarantined number gets a replacement in its
 * area code that takes over its service, when the policy rotates; those quarantined long enough are released.
 * The run is a job with an item per number.
 */
export async function rotationPass({ tenantId }: { tenantId: string }): Promise<JobOutcome> {
  const { jobId, plan, policy } = await db.startRotationPassJob({ tenantId, runId: workflowInfo().workflowId });
  const totals = { rotated: 0, released: 0, failed: 0 };
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
