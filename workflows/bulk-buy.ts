import { CancellationScope, continueAsNew, isCancellation, patched, setHandler, startChild, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { JobOutcome, JobStatus } from '../schemas/jobs';
import type { BulkBuyInput, BuyBatchInput, BuyBatchResult } from '../schemas/workflow-types';
import { db, groups, twilio } from './activities';
import { forEachBounded } from './bounded';
import { cancelJobSignal } from './definitions';

/** Numbers bought per child workflow when each purchase was its own activity: keeps each history to a few hundred events. */
export const BUY_BATCH_SIZE = 100;
/** With purchases grouped into activities a batch's history stays small, so batches are larger. */
export const GROUPED_BATCH_SIZE = 1000;
/** A streamed batch is one activity whatever its size: batches only bound how much one retry may redo. */
export const STREAMED_BATCH_SIZE = 5000;
/**
 * Version marker: purchases made by group activities (many numbers per activity, progress in heartbeats)
 * instead of one activity per number. Jobs started before it replay the old way.
 */
export const GROUPED_PURCHASES = 'grouped-purchases';
/**
 * Version marker: a batch is one activity that searches ahead while it buys (no idle Twilio slots between
 * rounds), counting the job's items against its target. Jobs started before it replay the grouped way.
 */
export const STREAMED_PURCHASES = 'streamed-purchases';
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
          want: Math.min(batchSize(), request.quantity - progress.bought),
          boughtBefore: progress.bought,
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

/** Numbers per child batch, by the version of the purchase logic this job runs. */
function batchSize(): number {
  if (patched(STREAMED_PURCHASES)) return STREAMED_BATCH_SIZE;
  return patched(GROUPED_PURCHASES) ? GROUPED_BATCH_SIZE : BUY_BATCH_SIZE;
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
 * One batch: search, then buy exactly the missing count with bounded concurrency. A candidate
 * someone else took (21422) is replaced in the next round; at most `want` purchases can succeed
 * because each round starts only as many purchases as are still missing.
 */
export async function buyNumbersBatch(input: BuyBatchInput): Promise<BuyBatchResult> {
  let cancelled = false;
  let group: CancellationScope | undefined;
  setHandler(cancelJobSignal, () => {
    cancelled = true;
    group?.cancel();
  });
  const attempted = new Set<string>();
  let bought = 0;
  let rejectedInARow = 0;
  let lastError: BuyBatchResult['lastError'];

  if (patched(STREAMED_PURCHASES)) {
    if (cancelled) return { bought, attempted: 0, stopReason: 'cancelled' };
    const boughtBefore = input.boughtBefore ?? 0;
    group = new CancellationScope();
    try {
      const result = await group.run(() =>
        groups.purchaseNumbersFromSearch({
          tenantId: input.tenantId, jobId: input.jobId, areaCode: input.areaCode, contains: input.contains, capabilities: input.capabilities,
          config: input.config, boughtBefore, want: input.want, concurrency: input.concurrency, maxRejectionsInARow: MAX_REJECTIONS_IN_A_ROW,
        }),
      );
      return { bought: result.purchased, attempted: result.attempted, stopReason: result.stopReason, lastError: result.lastError };
    } catch (err) {
      if (!isCancellation(err)) throw err;
      // The stream stopped starting purchases and finished those in flight: count what the job has.
      const counted = await db.countJobItems({ jobId: input.jobId });
      return { bought: counted.succeeded - boughtBefore, attempted: counted.attempted, stopReason: 'cancelled' };
    }
  }

  while (bought < input.want && !cancelled) {
    const need = input.want - bought;
    const found = await twilio.searchAvailableNumbers({
      type: 'local',
      areaCode: input.areaCode,
      contains: input.contains,
      voiceEnabled: input.capabilities?.voice,
      smsEnabled: input.capabilities?.sms,
      mmsEnabled: input.capabilities?.mms,
      limit: Math.min(1000, need * 2 + attempted.size),
    });
    const candidates = found.map((n) => n.phoneNumber).filter((n) => !attempted.has(n)).slice(0, need);
    if (candidates.length === 0) return { bought, attempted: attempted.size, stopReason: 'inventory_exhausted' };

    if (patched(GROUPED_PURCHASES)) {
      // One activity buys the round's candidates concurrently, at the account's concurrency.
      for (const n of candidates) attempted.add(n);
      group = new CancellationScope();
      try {
        const result = await group.run(() =>
          groups.purchaseNumbers({
            tenantId: input.tenantId, jobId: input.jobId, candidates, config: input.config, concurrency: input.concurrency,
            maxRejectionsInARow: MAX_REJECTIONS_IN_A_ROW,
          }),
        );
        bought += result.purchased;
        rejectedInARow = result.purchased > 0 ? result.rejectedInARow : rejectedInARow + result.rejectedInARow;
        lastError = result.lastError ?? lastError;
      } catch (err) {
        if (!isCancellation(err)) throw err;
        // The group stopped starting purchases and finished those in flight: count what it recorded.
        bought += (await db.countJobItems({ jobId: input.jobId, phoneNumbers: candidates })).succeeded;
      } finally {
        group = undefined;
      }
      if (rejectedInARow >= MAX_REJECTIONS_IN_A_ROW) return { bought, attempted: attempted.size, stopReason: 'rejected', lastError };
      continue;
    }

    await forEachBounded(candidates, input.concurrency ?? 20, async (phoneNumber) => {
      if (cancelled || rejectedInARow >= MAX_REJECTIONS_IN_A_ROW) return;
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
