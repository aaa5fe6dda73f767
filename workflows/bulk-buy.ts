import { CancellationScope, continueAsNew, isCancellation, patched, setHandler, startChild, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { JobOutcome, JobStatus } from '../schemas/jobs';
import type { BulkBuyInput, BuyBatchInput, BuyBatchResult } from '../schemas/workflow-types';
import { db, groups, twilio } from './activities';
import { forEachBounded } from './bounded';
import { cancelJobSignal } from './definitions';

/** Numbers bought per child workflow when each purchase was its own activity: keeps each history to a few hundred events. */
export const BUY_BATCH_SIZE = 100;
/** With purchases grouped into activities a batch's history stays small, so batches are larger. */
export const GROUPED_BATCH_SIZE = 5000;
/**
 * Version marker: purchases made by group activities (many numbers per activity, progress in heartbeats)
 * instead of one activity per number. Jobs started before it replay the old way.
 */
export const GROUPED_PURCHASES = 'grouped-purchases';
/** Definitive rejections in a row (auth, account limits, ...) that stop a batch instead of trying every candidate. */
const MAX_REJECTIONS_IN_A_ROW = 5;

/**
 * Seed action bulk_buy: buy exactly `quantity` numbers in an area code (then its fallbacks),
 * in child-workflow batches, continuing as new when the history grows.
 */
export async function bulkBuyNumbers(input: BulkBuyInput): Promise<JobOutcome> {
  const { request, jobId, tenantId } = input;
  const areaCodes = [request.areaCode, ...request.fallbackAreaCodes];
  const progress = input.progress ?? { bought: 0, batchNo: 0, areaIndex: 0, exhausted: [] };
  let cancelRequested = false;
  let batch: ChildWorkflowHandle<typeof buyNumbersBatch> | undefined;
  let rejection: BuyBatchResult | undefined;

  setHandler(cancelJobSignal, () => {
    cancelRequested = true;
    batch?.signal(cancelJobSignal).catch(() => undefined); // the batch may already have finished
  });

  if (!input.progress) await db.markJobRunning(jobId);

  while (progress.bought < request.quantity && progress.areaIndex < areaCodes.length && !cancelRequested) {
    const areaCode = areaCodes[progress.areaIndex]!;
    batch = await startChild(buyNumbersBatch, {
      workflowId: `${workflowInfo().workflowId}/batch-${progress.batchNo}`,
      args: [
        {
          tenantId,
          jobId,
          areaCode,
          want: Math.min(patched(GROUPED_PURCHASES) ? GROUPED_BATCH_SIZE : BUY_BATCH_SIZE, request.quantity - progress.bought),
          contains: request.contains,
          capabilities: request.capabilities,
          config: request.config,
          concurrency: request.concurrency,
        },
      ],
    });
    if (cancelRequested) await batch.signal(cancelJobSignal);
    const result = await batch.result();
    batch = undefined;
    progress.bought += result.bought;
    progress.batchNo += 1;
    if (result.stopReason === 'inventory_exhausted') {
      progress.exhausted.push(areaCode);
      progress.areaIndex += 1;
    }
    if (result.stopReason === 'rejected') {
      rejection = result;
      break;
    }
    if (!cancelRequested && progress.bought < request.quantity && workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof bulkBuyNumbers>({ ...input, progress });
    }
  }

  const outcome = describeOutcome(input, progress, cancelRequested, rejection);
  await db.finishJob({ jobId, status: outcome.status, outcome: outcome.outcome });
  return outcome.outcome;
}

function describeOutcome(
  { request }: BulkBuyInput,
  p: NonNullable<BulkBuyInput['progress']>,
  cancelled: boolean,
  rejection: BuyBatchResult | undefined,
): { status: JobStatus; outcome: JobOutcome } {
  const tried = [request.areaCode, ...request.fallbackAreaCodes].slice(0, p.areaIndex + 1);
  const base = {
    areaCodesTried: tried,
    exhaustedAreaCodes: p.exhausted,
    historyEvents: workflowInfo().historyLength,
  };
  const counted = `bought ${p.bought} of ${request.quantity} numbers`;
  if (p.bought === request.quantity) {
    return { status: 'succeeded', outcome: { ...base, stopReason: 'completed', message: `${counted}` } };
  }
  if (rejection) {
    return {
      status: p.bought === 0 ? 'failed' : 'partial',
      outcome: {
        ...base,
        stopReason: 'rejected',
        message: `Twilio rejected purchases: ${rejection.lastError?.message ?? 'unknown error'}; ${counted}`,
        lastError: rejection.lastError,
      },
    };
  }
  if (cancelled) return { status: 'cancelled', outcome: { ...base, stopReason: 'cancelled', message: `cancelled; ${counted}` } };
  return {
    status: p.bought === 0 ? 'failed' : 'partial',
    outcome: {
      ...base,
      stopReason: 'inventory_exhausted',
      message: `no more numbers available in area code${p.exhausted.length > 1 ? 's' : ''} ${p.exhausted.join(', ')}; ${counted}`,
    },
  };
}

/**
 * One batch: buy exactly `want` numbers. Candidates someone else took (21422) are replaced by later
 * searches; at most `want` purchases can succeed because a purchase is only ever started for a number
 * still missing, counting those in flight as if they will succeed.
 */
export async function buyNumbersBatch(input: BuyBatchInput): Promise<BuyBatchResult> {
  const control = { cancelled: false, scope: new CancellationScope() };
  setHandler(cancelJobSignal, () => {
    control.cancelled = true;
    control.scope.cancel();
  });
  if (patched(GROUPED_PURCHASES)) return buyInOverlappingGroups(input, control);
  return buyOneByOne(input, control);
}

const searchFor = (input: BuyBatchInput, limit: number) =>
  twilio.searchAvailableNumbers({
    type: 'local',
    areaCode: input.areaCode,
    contains: input.contains,
    voiceEnabled: input.capabilities?.voice,
    smsEnabled: input.capabilities?.sms,
    mmsEnabled: input.capabilities?.mms,
    limit,
  });

/** Numbers handed to one group activity, and how many groups run at once. */
export const GROUP_SIZE = 400;
const GROUPS_AT_ONCE = 3;

/**
 * The batch's purchases in group activities (many numbers each, at the account's concurrency), two at a
 * time: while one group drains its last purchases, the next search runs and the next group starts, so
 * the account's Twilio slots don't wait for a search or a tail.
 */
async function buyInOverlappingGroups(input: BuyBatchInput, control: { cancelled: boolean; scope: CancellationScope }): Promise<BuyBatchResult> {
  const attempted = new Set<string>();
  const running = new Map<number, Promise<void>>();
  let groupNo = 0;
  let bought = 0;
  let inFlight = 0;
  let rejectedInARow = 0;
  let lastError: BuyBatchResult['lastError'];
  const stopped = () => control.cancelled || rejectedInARow >= MAX_REJECTIONS_IN_A_ROW;

  const launch = (candidates: string[]) => {
    const no = groupNo++;
    inFlight += candidates.length;
    const done = control.scope
      .run(() =>
        groups.purchaseNumbers({
          tenantId: input.tenantId, jobId: input.jobId, candidates, config: input.config, concurrency: input.concurrency,
          maxRejectionsInARow: MAX_REJECTIONS_IN_A_ROW,
        }),
      )
      .then((result) => {
        bought += result.purchased;
        rejectedInARow = result.purchased > 0 ? result.rejectedInARow : rejectedInARow + result.rejectedInARow;
        lastError = result.lastError ?? lastError;
      })
      .catch(async (err) => {
        if (!isCancellation(err)) throw err;
        // The group stopped starting purchases and finished those in flight: count what it recorded.
        bought += (await CancellationScope.nonCancellable(() => db.countJobItems({ jobId: input.jobId, phoneNumbers: candidates }))).succeeded;
      })
      .finally(() => {
        inFlight -= candidates.length;
        running.delete(no);
      });
    running.set(no, done);
  };

  for (;;) {
    const need = input.want - bought - inFlight;
    if (!stopped() && need > 0 && running.size < GROUPS_AT_ONCE) {
      const found = await searchFor(input, Math.min(1000, need * 2 + attempted.size));
      const candidates = found.map((n) => n.phoneNumber).filter((n) => !attempted.has(n)).slice(0, Math.min(need, GROUP_SIZE));
      if (candidates.length) {
        for (const n of candidates) attempted.add(n);
        launch(candidates);
        continue;
      }
    }
    if (running.size === 0) break; // nothing in flight and nothing (more) to start
    await Promise.race(running.values());
  }
  const stopReason: BuyBatchResult['stopReason'] =
    bought === input.want ? 'completed' : rejectedInARow >= MAX_REJECTIONS_IN_A_ROW ? 'rejected' : control.cancelled ? 'cancelled' : 'inventory_exhausted';
  return { bought, attempted: attempted.size, stopReason, ...(stopReason === 'rejected' ? { lastError } : {}) };
}

/** Jobs started before group activities: one activity per purchase, bounded in the workflow. */
async function buyOneByOne(input: BuyBatchInput, control: { cancelled: boolean }): Promise<BuyBatchResult> {
  const attempted = new Set<string>();
  let bought = 0;
  let rejectedInARow = 0;
  let lastError: BuyBatchResult['lastError'];

  while (bought < input.want && !control.cancelled) {
    const need = input.want - bought;
    const found = await searchFor(input, Math.min(1000, need * 2 + attempted.size));
    const candidates = found.map((n) => n.phoneNumber).filter((n) => !attempted.has(n)).slice(0, need);
    if (candidates.length === 0) return { bought, attempted: attempted.size, stopReason: 'inventory_exhausted' };

    await forEachBounded(candidates, input.concurrency ?? 20, async (phoneNumber) => {
      if (control.cancelled || rejectedInARow >= MAX_REJECTIONS_IN_A_ROW) return;
      attempted.add(phoneNumber);
      const outcome = await twilio.purchaseNumber({
        tenantId: input.tenantId,
        jobId: input.jobId,
        purchaseKey: `job-${input.jobId}:${phoneNumber}`,
        phoneNumber,
        config: input.config,
      });
      if (outcome.status === 'purchased') {
        bought += 1;
        rejectedInARow = 0;
      } else if (outcome.status === 'rejected') {
        rejectedInARow += 1;
        lastError = outcome.error;
      }
    });
    if (rejectedInARow >= MAX_REJECTIONS_IN_A_ROW) {
      return { bought, attempted: attempted.size, stopReason: 'rejected', lastError };
    }
  }
  return { bought, attempted: attempted.size, stopReason: bought === input.want ? 'completed' : 'cancelled' };
}
