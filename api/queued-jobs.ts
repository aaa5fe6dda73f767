import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger } from 'fastify';
import { findQueuedJobs } from '../db/jobs';
import type { Db } from '../db/pool';
import { startJobWorkflow } from './workflow-runner';

/**
 * A job row is written before its workflow starts; if the API died in between, the job would sit
 * queued forever. This sweep starts such workflows (a start is idempotent: the id is the job's).
 */
export function startQueuedJobSweep(deps: { db: Db; temporal: Client; taskQueue: string; log: FastifyBaseLogger }, everyMs = 15_000) {
  const sweep = async () => {
    try {
      for (const job of await findQueuedJobs(deps.db, 10)) {
        const started = await startJobWorkflow(deps.temporal, deps.taskQueue, {
          id: job.id,
          tenantId: job.tenant_id,
          kind: job.kind,
          params: job.params,
          workflowId: job.workflow_id,
        });
        if (started) deps.log.info({ jobId: job.id }, 'started the workflow of a job the API had not started');
      }
    } catch (err) {
      deps.log.warn({ err }, 'queued-job sweep failed; will retry');
    }
  };
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  void sweep();
  return () => clearInterval(timer);
}
