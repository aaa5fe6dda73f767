import { patched, workflowInfo } from '@temporalio/workflow';
import type { JobOutcome } from '../../schemas/kit/jobs';
import { db } from '../kit/activities';
import { hygiene } from './activities';
import { finishStoppedJob } from '../kit/stopped-jobs';

/**
 * Version marker: a health pass whose activity fails for good, or that is cancelled through Temporal, ends its
 * job's row (`failed` / `cancelled`, with the reason) instead of leaving it `running`. Asked for only when that
 * happens, so a history in which an older worker let the failure out replays as it ran.
 */
export const HEALTH_PASS_FINAL_ON_STOP = 'health-pass-final-on-stop';

/**
 * One run of a tenant's hygiene Schedule: score every live number, quarantine those below the policy's
 * threshold and restore those back above it; the run is a job with an item per number.
 */
export async function healthPass({ tenantId }: { tenantId: string }): Promise<JobOutcome> {
  const { jobId, threshold } = await db.startHealthPassJob({ tenantId, runId: workflowInfo().workflowId });
  let r: { checked: number; quarantined: number; restored: number };
  try {
    r = await hygiene.runHealthPass({ tenantId, jobId, threshold });
  } catch (err) {
    if (patched(HEALTH_PASS_FINAL_ON_STOP)) await finishStoppedJob(jobId, err, () => checkedSoFar(jobId));
    throw err;
  }
  const outcome: JobOutcome = {
    stopReason: 'completed',
    message: `checked ${r.checked} numbers: ${r.quarantined} put in quarantine, ${r.restored} restored${threshold === null ? ' (no policy: nothing moved)' : ` (threshold ${threshold})`}`,
    historyEvents: workflowInfo().historyLength,
  };
  await db.finishJob({ jobId, status: 'succeeded', outcome });
  return outcome;
}

/** How far a stopped pass got, from its items (the activity records each chunk of numbers as it scores it). */
async function checkedSoFar(jobId: string) {
  const { succeeded } = await db.countJobItems({ jobId });
  return { didSome: succeeded > 0, summary: `${succeeded} numbers checked before it stopped` };
}
