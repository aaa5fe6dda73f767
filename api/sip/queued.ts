import { findQueuedOperations } from '../../db/sip/trunks';
import type { QueuedWork } from '../kit/queued-work';
import { startOperationWorkflow } from './requests';

type QueuedOperation = Awaited<ReturnType<typeof findQueuedOperations>>[number];

/** Trunk operations the API wrote but did not start (it died in between): the sweep starts them. */
export const sipQueuedWork: QueuedWork<QueuedOperation> = {
  what: 'a trunk operation',
  idField: 'operationId',
  findQueued: findQueuedOperations,
  idOf: (op) => op.id,
  start: (deps, op) => startOperationWorkflow(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, op.workflow_id, op.input),
};
