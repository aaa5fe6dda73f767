import type { Db } from '../../db/kit/pool';
import * as jobs from '../../db/kit/jobs';
import type { JobOutcome, JobStatus } from '../../schemas/kit/jobs';

/** Keeps the jobs projection in PostgreSQL current, so the API never needs a worker to answer. */
export function createJobActivities({ db }: { db: Db }) {
  return {
    async markJobRunning(jobId: string): Promise<void> {
      await jobs.markJobRunning(db, jobId);
    },
    async finishJob(input: { jobId: string; status: JobStatus; outcome: JobOutcome }): Promise<void> {
      await jobs.finishJob(db, input.jobId, input.status, input.outcome);
    },
    /** How a cancelled group of a job ended, item by item, as recorded (the group itself returns nothing then). */
    async countJobItems(input: { jobId: string; phoneNumbers?: string[] }): Promise<{ succeeded: number; failed: number; skipped: number; attempted: number }> {
      const { rows } = await db.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM job_items WHERE job_id = $1 AND ($2::text[] IS NULL OR item_key = ANY($2)) GROUP BY status`,
        [input.jobId, input.phoneNumbers ?? null],
      );
      const n = (s: string) => rows.find((r) => r.status === s)?.n ?? 0;
      return { succeeded: n('succeeded'), failed: n('failed'), skipped: n('skipped'), attempted: n('succeeded') + n('failed') + n('skipped') };
    },
  };
}
