import { continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import type { JobOutcome, JobStatus } from '../schemas/jobs';
import type { LookupBatchInput, LookupInput, LookupView } from '../schemas/lookups';
import { db, twilio } from './activities';
import { cancelJobSignal } from './definitions';

/** Twilio's batch endpoint takes at most 100 numbers per request. */
export const LOOKUP_BATCH_SIZE = 100;

/** A number's Lookup v2 answer: one retried activity that reads the cache first and bills only what it fetched. */
export async function lookupNumber(input: LookupInput): Promise<LookupView> {
  return twilio.lookupNumber(input);
}

/** The whole list of a job (its slices go to lookupBatch), and where a continued run resumes. */
export interface BulkLookupInput extends LookupBatchInput {
  /** Look up the tenant's live numbers as they are when the job starts (phoneNumbers is then empty). */
  ownedNumbers?: boolean;
  offset?: number;
  totals?: { succeeded: number; failed: number };
}

/** A bulk lookup job: slices of 100 through Twilio's batch endpoint, each number an item of the job; cancellable between slices. */
export async function bulkLookupNumbers(start: BulkLookupInput): Promise<JobOutcome> {
  let input = start;
  let offset = input.offset ?? 0;
  const totals = input.totals ?? { succeeded: 0, failed: 0 };
  let cancelRequested = false;
  setHandler(cancelJobSignal, () => {
    cancelRequested = true;
  });
  if (offset === 0) await db.markJobRunning(input.jobId);
  if (input.ownedNumbers) {
    input = { ...input, ownedNumbers: false, phoneNumbers: await db.liveNumbersOf({ tenantId: input.tenantId }) };
  }

  while (offset < input.phoneNumbers.length && !cancelRequested) {
    const slice = input.phoneNumbers.slice(offset, offset + LOOKUP_BATCH_SIZE);
    const { offset: _offset, totals: _totals, ownedNumbers: _owned, ...job } = input;
    const r = await twilio.lookupBatch({ ...job, phoneNumbers: slice });
    totals.succeeded += r.succeeded;
    totals.failed += r.failed;
    offset += slice.length;
    if (!cancelRequested && offset < input.phoneNumbers.length && workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof bulkLookupNumbers>({ ...input, offset, totals });
    }
  }

  const total = input.phoneNumbers.length;
  const status: JobStatus = cancelRequested && offset < total ? 'cancelled' : totals.succeeded === total ? 'succeeded' : totals.succeeded === 0 ? 'failed' : 'partial';
  const outcome: JobOutcome = {
    stopReason: status === 'cancelled' ? 'cancelled' : 'completed',
    message: `looked up ${totals.succeeded} of ${total} numbers (${totals.failed} failed)`,
    historyEvents: workflowInfo().historyLength,
  };
  await db.finishJob({ jobId: input.jobId, status, outcome });
  return outcome;
}
