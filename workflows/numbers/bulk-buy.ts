import { CancellationScope, continueAsNew, deprecatePatch, isCancellation, setHandler, startChild, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { JobOutcome, JobStatus } from '../../schemas/kit/jobs';
import type { BulkBuyInput, BuyBatchInput, BuyBatchResult } from '../../schemas/numbers/workflow';
import { db, groups } from '../kit/activities';
import { cancelJobSignal } from '../kit/job-signals';
import { finishingOnFailure, type DescribeEnd } from '../kit/job-failures';

/** A streamed batch is one activity whatever its size: batches only bound how much one retry may redo. */
export const STREAMED_BATCH_SIZE = 5000;
/**
 * Version marker of group activities instead of one activity per number (67d91b1). Bulk buys no longer ask
 * for it (both paths are gone); releases still do (workflows/numbers/bulk-release.ts), as no newer path exists.
 */
export const GROUPED_PURCHASES = 'grouped-purchases';
/**
 * Deprecated marker: a batch is one activity that searches ahead while it buys. Every bulk buy running
 * today started after it, so the older paths are deleted; the call goes once those too have finished.
 */
export const STREAMED_PURCHASES = 'streamed-purchases';
/** Definitive rejections in a row (auth, account limits, ...) that stop a batch instead of trying every candidate. */
const MAX_REJECTIONS_IN_A_ROW = 5;

/**
 * Seed action bulk_buy: buy exactly `quantity` numbers in an area code (then its fallbacks),
 * in child-workflow batches, continuing as new when the history grows. A failure or a cancel through
 * Temporal still ends the job's row (workflows/kit/job-failures.ts).
 */
export async function bulkBuyNumbers(input: BulkBuyInput): Promise<JobOutcome> {
  return finishingOnFailure(input.jobId, () => buyInBatches(input), endedEarly(input));
}

async function buyInBatches(input: BulkBuyInput): Promise<JobOutcome> {
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

/** Numbers per child batch (the marker is kept where it was asked for, so running jobs replay). */
function batchSize(): number {
  deprecatePatch(STREAMED_PURCHASES);
  return STREAMED_BATCH_SIZE;
}

/** A job that failed or was cancelled through Temporal: what it bought, by its items, and why it stopped. */
function endedEarly({ request }: BulkBuyInput): DescribeEnd {
  return ({ succeeded }, { cancelled, reason }) => {
    const counted = `bought ${succeeded} of ${request.quantity} numbers`;
    if (cancelled) return { status: 'cancelled', outcome: { stopReason: 'cancelled', message: `${reason}; ${counted}` } };
    return { status: succeeded === 0 ? 'failed' : 'partial', outcome: { stopReason: 'failed', message: `${reason}; ${counted}` } };
  };
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
 * One batch: one stream activity searches ahead while it buys, until the job holds `boughtBefore + want`
 * numbers (exactly-N holds in the activity: a purchase starts only while bought plus in flight are short).
 */
export async function buyNumbersBatch(input: BuyBatchInput): Promise<BuyBatchResult> {
  let cancelled = false;
  let group: CancellationScope | undefined;
  setHandler(cancelJobSignal, () => {
    cancelled = true;
    group?.cancel();
  });
  // Every bulk buy running today started after this marker; the grouped and per-number paths are gone.
  deprecatePatch(STREAMED_PURCHASES);
  if (cancelled) return { bought: 0, attempted: 0, stopReason: 'cancelled' };
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
