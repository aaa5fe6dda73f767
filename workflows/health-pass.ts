import { workflowInfo } from '@temporalio/workflow';
import type { JobOutcome } from '../schemas/jobs';
import { db, hygiene } from './activities';

/**
 * One run of a tenant's hygiene Schedule: score every live number, quarantine those below the policy's
 * threshold and restore those back above it; the run is a job with an item per number.
 */
export async function healthPass({ tenantId }: { tenantId: string }): Promise<JobOutcome> {
  const { jobId, threshold } = await db.startHealthPassJob({ tenantId, runId: workflowInfo().workflowId });
  const r = await hygiene.runHealthPass({ tenantId, jobId, threshold });
  const outcome: JobOutcome = {
    stopReason: 'completed',
    message: `checked ${r.checked} numbers: ${r.quarantined} put in quarantine, ${r.restored} restored${threshold === null ? ' (no policy: nothing moved)' : ` (threshold ${threshold})`}`,
    historyEvents: workflowInfo().historyLength,
  };
  await db.finishJob({ jobId, status: 'succeeded', outcome });
  return outcome;
}
