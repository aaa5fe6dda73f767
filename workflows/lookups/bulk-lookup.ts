import { ContinueAsNew, continueAsNew, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { JobOutcome, JobStatus } from '../../schemas/kit/jobs';
import { LOOKUP_BATCH_MAX, type LookupBatchInput, type LookupInput, type LookupView } from '../../schemas/lookups/lookups';
import { db, twilio } from '../kit/activities';
import { cancelJobSignal } from '../kit/job-signals';
import { finishStoppedJob } from '../kit/stopped-jobs';

/** Twilio's batch endpoint takes at most 100 numbers per request. */
export const LOOKUP_BATCH_SIZE = LOOKUP_BATCH_MAX;
/**
 * Version marker: a lookup of the tenant's own numbers pages through them in PostgreSQL by cursor (inside the
 * activity), so neither its history nor its continue-as-new input ever holds the list. Jobs started before it
 * read the whole list into the workflow, as they began.
 */
export const OWNED_NUMBERS_BY_CURSOR = 'bulk-lookup-owned-by-cursor';
/**
 * Version marker: a bulk lookup whose activity fails for good, or that is cancelled through Temporal, ends its
 * job's row with the reason instead of leaving it `running`. Asked for only then, so older histories replay.
 */
export const BULK_LOOKUP_FINAL_ON_STOP = 'bulk-lookup-final-on-stop';
/** Pages of owned numbers per workflow run: about six history events each, so a run stays near 1 000 events. */
export const OWNED_PAGES_PER_RUN = 150;

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
  /** Owned numbers: the last number looked up, where a continued run resumes (set by continue-as-new only). */
  after?: string;
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
  if (offset === 0 && input.after === undefined) await db.markJobRunning(input.jobId);
  // A continued run of an owned-numbers lookup only exists on the cursor path, so it needs no marker of its own.
  if (input.ownedNumbers && (input.after !== undefined || patched(OWNED_NUMBERS_BY_CURSOR))) {
    return lookupOwnedNumbers(input, totals, () => cancelRequested);
  }
  if (input.ownedNumbers) {
    input = { ...input, ownedNumbers: false, phoneNumbers: await db.liveNumbersOf({ tenantId: input.tenantId }) };
  }

  try {
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
  } catch (err) {
    if (!(err instanceof ContinueAsNew) && patched(BULK_LOOKUP_FINAL_ON_STOP)) await finishStoppedJob(input.jobId, err, lookedUp(totals, input.phoneNumbers.length));
    throw err;
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

const lookedUp = ({ succeeded, failed }: { succeeded: number; failed: number }, of: number | null) => ({
  didSome: succeeded > 0,
  summary: `looked up ${succeeded}${of === null ? '' : ` of ${of}`} numbers (${failed} failed)`,
});

/**
 * The tenant's own numbers, a page at a time: the activity reads the next page after the cursor from PostgreSQL
 * and looks it up, so the workflow carries only the cursor and the totals, in its history and across
 * continue-as-new. A job signal to cancel stops between pages.
 */
async function lookupOwnedNumbers(input: BulkLookupInput, totals: { succeeded: number; failed: number }, cancelled: () => boolean): Promise<JobOutcome> {
  const { offset: _offset, totals: _totals, ownedNumbers: _owned, after: _after, phoneNumbers: _numbers, ...job } = input;
  let after: string | null = input.after ?? '';
  try {
    for (let pages = 0; after !== null && !cancelled(); pages++) {
      if (pages === OWNED_PAGES_PER_RUN || (pages > 0 && workflowInfo().continueAsNewSuggested)) break;
      const page: { succeeded: number; failed: number; next: string | null } = await twilio.lookupOwnedNumbersPage({ ...job, after });
      totals.succeeded += page.succeeded;
      totals.failed += page.failed;
      after = page.next;
    }
  } catch (err) {
    if (patched(BULK_LOOKUP_FINAL_ON_STOP)) await finishStoppedJob(input.jobId, err, lookedUp(totals, null));
    throw err;
  }
  if (after !== null && !cancelled()) {
    return continueAsNew<typeof bulkLookupNumbers>({ ...job, phoneNumbers: [], ownedNumbers: true, after, totals });
  }
  const total = totals.succeeded + totals.failed;
  const status: JobStatus = after !== null ? 'cancelled' : totals.succeeded === total ? 'succeeded' : totals.succeeded === 0 ? 'failed' : 'partial';
  const outcome: JobOutcome = {
    stopReason: status === 'cancelled' ? 'cancelled' : 'completed',
    message: `looked up ${totals.succeeded} of ${status === 'cancelled' ? `your numbers before the cancel` : `${total} numbers`} (${totals.failed} failed)`,
    historyEvents: workflowInfo().historyLength,
  };
  await db.finishJob({ jobId: input.jobId, status, outcome });
  return outcome;
}
