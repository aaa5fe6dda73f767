import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/env';
import { findQueuedRegistrations } from '../db/a2p';
import { findQueuedJobs } from '../db/jobs';
import { findQueuedOperations } from '../db/sip';
import { findQueuedVoiceTrustRegistrations } from '../db/voice-trust';
import { findQueuedTollfreeVerifications } from '../db/tollfree';
import type { Db } from '../db/pool';
import type { RegistrationDraft } from '../schemas/a2p';
import { startRegistrationWorkflow } from './registration-runner';
import { startOperationWorkflow } from './sip-requests';
import { startJobWorkflow } from './workflow-runner';
import { startVoiceTrustWorkflow } from './voice-trust-runner';
import { startTollfreeWorkflow } from './tollfree-runner';

/**
 * Job, registration and trunk-operation rows are written before their workflows start; if the API died in between,
 * they would sit queued forever. This sweep starts such workflows (a start is idempotent: the
 * workflow id is the row's), so an API crash delays work and never drops it.
 */
export function startQueuedWorkSweep(deps: { db: Db; temporal: Client; config: Config; log: FastifyBaseLogger }, everyMs = 15_000) {
  const taskQueue = deps.config.TEMPORAL_TASK_QUEUE;
  const sweep = async () => {
    try {
      for (const job of await findQueuedJobs(deps.db, 10)) {
        const started = await startJobWorkflow(deps.temporal, taskQueue, {
          id: job.id,
          tenantId: job.tenant_id,
          kind: job.kind,
          params: job.params,
          workflowId: job.workflow_id,
        });
        if (started) deps.log.info({ jobId: job.id }, 'started the workflow of a job the API had not started');
      }
      for (const r of await findQueuedRegistrations(deps.db, 10)) {
        const started = await startRegistrationWorkflow(deps.temporal, deps.config, {
          id: r.id,
          tenantId: r.tenant_id,
          draft: r.draft as RegistrationDraft,
          workflowId: r.workflow_id,
        });
        if (started) deps.log.info({ registrationId: r.id }, 'started the workflow of a registration the API had not started');
      }
      for (const r of await findQueuedVoiceTrustRegistrations(deps.db, 10)) {
        const started = await startVoiceTrustWorkflow(deps.temporal, deps.config, { id: r.id, tenantId: r.tenant_id, product: r.product, workflowId: r.workflow_id });
        if (started) deps.log.info({ registrationId: r.id }, 'started the workflow of a voice trust registration the API had not started');
      }
      for (const v of await findQueuedTollfreeVerifications(deps.db, 10)) {
        const started = await startTollfreeWorkflow(deps.temporal, deps.config, { id: v.id, tenantId: v.tenant_id, workflowId: v.workflow_id });
        if (started) deps.log.info({ verificationId: v.id }, 'started the workflow of a toll-free verification the API had not started');
      }
      for (const op of await findQueuedOperations(deps.db, 10)) {
        const started = await startOperationWorkflow(deps.temporal, taskQueue, op.workflow_id, op.input);
        if (started) deps.log.info({ operationId: op.id }, 'started the workflow of a trunk operation the API had not started');
      }
    } catch (err) {
      deps.log.warn({ err }, 'queued-work sweep failed; will retry');
    }
  };
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  void sweep();
  return () => clearInterval(timer);
}
