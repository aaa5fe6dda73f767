import type { Db } from '../db/pool';
import * as jobs from '../db/jobs';
import type { JobOutcome, JobStatus } from '../schemas/jobs';

/** Keeps the jobs projection in PostgreSQL current, so the API never needs a worker to answer. */
export function createJobActivities({ db }: { db: Db }) {
  return {
    async markJobRunning(jobId: string): Promise<void> {
      await jobs.markJobRunning(db, jobId);
    },
    async finishJob(input: { jobId: string; status: JobStatus; outcome: JobOutcome }): Promise<void> {
      await jobs.finishJob(db, input.jobId, input.status, input.outcome);
    },
  };
}
