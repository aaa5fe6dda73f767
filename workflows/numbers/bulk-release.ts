import { CancellationScope, continueAsNew, isCancellation, patched, setHandler, startChild, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { JobOutcome, JobStatus } from '../../schemas/kit/jobs';
import type { BulkReleaseInput, ReleaseBatchInput, ReleaseBatchResult } from '../../schemas/numbers/workflow';
import { db, groups, twilio } from '../kit/activities';
import { GROUPED_PURCHASES } from './bulk-buy';
import { forEachBounded } from '../kit/bounded';
import { cancelJobSignal } from '../kit/job-signals';
import { finishingOnFailure, type DescribeEnd } from '../kit/job-failures';

export const RELEASE_BATCH_SIZE = 100;

/**
 * Seed action bulk_release: release a list of the tenant's numbers in child-workflow batches. A failure or
 * a cancel through Temporal still ends the job's row (workflows/kit/job-failures.ts).
 */
export async function bulkReleaseNumbers(input: BulkReleaseInput): Promise<JobOutcome> {
  return finishingOnFailure(input.jobId, () => releaseInBatches(input), endedEarly(input));
}

/** A job that failed or was cancelled through Temporal: what its items say it released, and why it stopped. */
function endedEarly(input: BulkReleaseInput): DescribeEnd {
  return ({ succeeded, failed, skipped }, { cancelled, reason }) => {
    const counted = `released ${succeeded} of ${input.phoneNumbers.length} numbers (${failed} failed, ${skipped} not owned)`;
    if (cancelled) return { status: 'cancelled', outcome: { stopReason: 'cancelled', message: `${reason}; ${counted}` } };
    return { status: succeeded === 0 ? 'failed' : 'partial', outcome: { stopReason: 'failed', message: `${reason}; ${counted}` } };
  };
}

async function releaseInBatches(input: BulkReleaseInput): Promise<JobOutcome> {
  let offset = input.offset ?? 0;
  const totals = input.totals ?? { released: 0, failed: 0, skipped: 0 };
  let cancelRequested = false;
  let batch: ChildWorkflowHandle<typeof releaseNumbersBatch> | undefined;
  setHandler(cancelJobSignal, () => {
    cancelRequested = true;
    batch?.signal(cancelJobSignal).catch(() => undefined);
  });

  if (offset === 0) await db.markJobRunning(input.jobId);

  while (offset < input.phoneNumbers.length && !cancelRequested) {
    const slice = input.phoneNumbers.slice(offset, offset + RELEASE_BATCH_SIZE);
    batch = await startChild(releaseNumbersBatch, {
      workflowId: `${workflowInfo().workflowId}/batch-${offset / RELEASE_BATCH_SIZE}`,
      args: [{ tenantId: input.tenantId, jobId: input.jobId, phoneNumbers: slice, concurrency: input.concurrency }],
    });
    if (cancelRequested) await batch.signal(cancelJobSignal);
    const result = await batch.result();
    batch = undefined;
    totals.released += result.released;
    totals.failed += result.failed;
    totals.skipped += result.skipped;
    offset += slice.length;
    if (!cancelRequested && offset < input.phoneNumbers.length && workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof bulkReleaseNumbers>({ ...input, offset, totals });
    }
  }

  const total = input.phoneNumbers.length;
  const status: JobStatus = cancelRequested && offset < total
    ? 'cancelled'
    : totals.released === total
      ? 'succeeded'
      : totals.released === 0
        ? 'failed'
        : 'partial';
  const outcome: JobOutcome = {
    stopReason: status === 'cancelled' ? 'cancelled' : 'completed',
    message: `released ${totals.released} of ${total} numbers (${totals.failed} failed, ${totals.skipped} not owned)`,
    historyEvents: workflowInfo().historyLength,
  };
  await db.finishJob({ jobId: input.jobId, status, outcome });
  return outcome;
}

export async function releaseNumbersBatch(input: ReleaseBatchInput): Promise<ReleaseBatchResult> {
  let cancelled = false;
  let group: CancellationScope | undefined;
  setHandler(cancelJobSignal, () => {
    cancelled = true;
    group?.cancel();
  });
  const result: ReleaseBatchResult = { released: 0, failed: 0, skipped: 0 };
  if (patched(GROUPED_PURCHASES)) {
    // One activity releases the batch concurrently, at the account's concurrency.
    group = new CancellationScope();
    try {
      return await group.run(() => groups.releaseNumbers({ tenantId: input.tenantId, jobId: input.jobId, phoneNumbers: input.phoneNumbers, concurrency: input.concurrency }));
    } catch (err) {
      if (!isCancellation(err)) throw err;
      const c = await db.countJobItems({ jobId: input.jobId, phoneNumbers: input.phoneNumbers });
      return { released: c.succeeded, failed: c.failed, skipped: c.skipped };
    }
  }
  await forEachBounded(input.phoneNumbers, input.concurrency ?? 10, async (phoneNumber) => {
    if (cancelled) return;
    const outcome = await twilio.releaseNumber({ tenantId: input.tenantId, phoneNumber, jobId: input.jobId });
    if (outcome.status === 'released') result.released += 1;
    else if (outcome.status === 'not_found') result.skipped += 1;
    else result.failed += 1;
  });
  return result;
}
