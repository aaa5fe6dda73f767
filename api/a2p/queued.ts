import { findQueuedRegistrations } from '../../db/a2p/registrations';
import type { RegistrationDraft } from '../../schemas/a2p/registration';
import type { QueuedWork } from '../kit/queued-work';
import { startRegistrationWorkflow } from './registration-runner';

type QueuedRegistration = Awaited<ReturnType<typeof findQueuedRegistrations>>[number];

/** A2P registrations the API wrote but did not start (it died in between): the sweep starts them. */
export const a2pQueuedWork: QueuedWork<QueuedRegistration> = {
  what: 'a registration',
  idField: 'registrationId',
  findQueued: findQueuedRegistrations,
  idOf: (r) => r.id,
  start: (deps, r) =>
    startRegistrationWorkflow(deps.temporal, deps.config, { id: r.id, tenantId: r.tenant_id, draft: r.draft as RegistrationDraft, workflowId: r.workflow_id }),
};
