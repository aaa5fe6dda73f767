import { findQueuedTollfreeVerifications } from '../../db/tollfree/verifications';
import type { QueuedWork } from '../kit/queued-work';
import { startTollfreeWorkflow } from './runner';

type QueuedVerification = Awaited<ReturnType<typeof findQueuedTollfreeVerifications>>[number];

/** Toll-free verifications the API wrote but did not start (it died in between): the sweep starts them. */
export const tollfreeQueuedWork: QueuedWork<QueuedVerification> = {
  what: 'a toll-free verification',
  idField: 'verificationId',
  findQueued: findQueuedTollfreeVerifications,
  idOf: (v) => v.id,
  start: (deps, v) => startTollfreeWorkflow(deps.temporal, deps.config, { id: v.id, tenantId: v.tenant_id, workflowId: v.workflow_id }),
};
