import { findQueuedVoiceTrustRegistrations } from '../../db/voice-trust/registrations';
import type { QueuedWork } from '../kit/queued-work';
import { startVoiceTrustWorkflow } from './runner';

type QueuedRegistration = Awaited<ReturnType<typeof findQueuedVoiceTrustRegistrations>>[number];

/** Voice trust registrations the API wrote but did not start (it died in between): the sweep starts them. */
export const voiceTrustQueuedWork: QueuedWork<QueuedRegistration> = {
  what: 'a voice trust registration',
  idField: 'registrationId',
  findQueued: findQueuedVoiceTrustRegistrations,
  idOf: (r) => r.id,
  start: (deps, r) => startVoiceTrustWorkflow(deps.temporal, deps.config, { id: r.id, tenantId: r.tenant_id, product: r.product, workflowId: r.workflow_id }),
};
