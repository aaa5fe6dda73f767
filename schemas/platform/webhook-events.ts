import { z } from 'zod';
import { JobKind, JobOutcome } from '../kit/jobs';

/**
 * What the service POSTs to a tenant's webhook endpoints, event type by event type. The payloads are built
 * by PostgreSQL triggers (db/migrations: enqueue_tenant_event and the *_event functions), in the transaction
 * of the change they announce; these schemas describe them for the reference page
 * (docs/reference/webhook-events.md, generated) and test/unit/platform/reference-docs.test.ts holds them to
 * the triggers' fields and to db/platform/webhooks.ts's EVENT_TYPES.
 */

const id = (what: string) => z.uuid().describe(what);
const phoneNumber = z.string().describe('The number, E.164').meta({ examples: ['+14155550123'] });

const jobFinished = z.object({
  jobId: id('The job (GET /v1/jobs/{jobId})'),
  kind: JobKind.describe('What the job did'),
  status: z.enum(['succeeded', 'partial', 'failed', 'cancelled']).describe('How it ended'),
  requested: z.number().int().describe('Items the job was asked for').meta({ examples: [3] }),
  outcome: JobOutcome.nullable().describe('Why it stopped, as GET /v1/jobs/{jobId} shows it'),
});

// A2P registrations only (the a2p_registrations table's trigger); the values are schemas/a2p/workflow.ts's A2pStatus and A2pStep.
const a2pStatus = z.enum(['running', 'waiting_for_review', 'waiting_for_customer', 'action_required', 'needs_attention', 'completed', 'failed', 'cancelled']);
const registrationStatusChanged = z.object({
  registrationId: id('The A2P registration (GET /v1/a2p/registrations/{id})'),
  status: a2pStatus.describe('Its status now').meta({ examples: ['action_required'] }),
  previousStatus: a2pStatus.describe('Its status before').meta({ examples: ['waiting_for_review'] }),
  step: z.enum(['customer_profile', 'trust_product', 'brand', 'messaging_service', 'campaign', 'numbers', 'done']).describe('The step it is at').meta({ examples: ['brand'] }),
});

const trunkOperation = (status: 'succeeded' | 'rolled_back' | 'failed') =>
  z.object({
    trunkId: id('The trunk (GET /v1/sip/trunks/{trunkSid} takes this id)'),
    operationId: id('The operation, as the trunk’s `operation.id` shows it'),
    kind: z.enum(['create', 'update', 'delete']).describe('What the operation did to the trunk'),
    status: z.literal(status).describe('How the operation ended (the event type says it too)'),
  });

const hygiene = (state: 'ok' | 'quarantined') =>
  z.object({ phoneNumber, hygieneState: z.literal(state).describe(state === 'ok' ? 'Back in service' : 'Out of service: its health fell below the policy’s threshold') });

const credentialsInvalid = z.object({
  accountSid: z.string().describe('The tenant’s Twilio account whose credentials Twilio refused').meta({ examples: ['AC0123456789abcdef0123456789abcdef'] }),
  reason: z
    .object({
      code: z.union([z.number(), z.string()]).nullable().describe('Twilio’s error code').meta({ examples: [20003] }),
      message: z.string().describe('Twilio’s message'),
      method: z.string().optional().describe('The request Twilio refused: its method'),
      path: z.string().optional().describe('… and its path (never a query, never a credential)'),
    })
    .nullable()
    .describe('What failed'),
  since: z.iso.datetime().describe('When the work paused (UTC)'),
});

/** Each event type: what it announces, and its `data`. */
export const webhookEvents = {
  'job.finished': { when: 'A job (bulk buy, bulk release, bulk lookup, health pass, rotation pass) ended.', data: jobFinished },
  'registration.status_changed': { when: 'An A2P 10DLC registration’s status changed.', data: registrationStatusChanged },
  'trunk.operation_succeeded': { when: 'A SIP trunk operation (create, update, delete) finished: every step is done at Twilio.', data: trunkOperation('succeeded') },
  'trunk.operation_rolled_back': { when: 'A SIP trunk operation failed and what it had done at Twilio was undone.', data: trunkOperation('rolled_back') },
  'trunk.operation_failed': { when: 'A SIP trunk operation failed and was not fully undone: a delete Twilio refused part of (a delete only goes forward), or a rollback with a step left (the trunk’s `operation.rollback` says which).', data: trunkOperation('failed') },
  'number.quarantined': { when: 'A health pass took a number out of service (its score fell below the hygiene policy’s threshold).', data: hygiene('quarantined') },
  'number.restored': { when: 'A quarantined number is back in service.', data: hygiene('ok') },
  'account.credentials_invalid': {
    when: 'Twilio refused the tenant’s own credentials (20003): its work is paused — jobs and registrations wait, nothing fails — until PUT /v1/account/credentials gives new ones.',
    data: credentialsInvalid,
  },
  'number.rotated': {
    when: 'A rotation pass replaced a quarantined number: the replacement took over its service.',
    data: z.object({ phoneNumber, replacedBy: z.string().describe('The replacement, E.164').meta({ examples: ['+14155550456'] }) }),
  },
} as const;

export type WebhookEventType = keyof typeof webhookEvents;

/** The body of every delivery: the type, when it was enqueued, and the event's data. */
export const webhookEnvelope = <T extends WebhookEventType>(type: T) =>
  z.object({
    type: z.literal(type),
    timestamp: z.iso.datetime().describe('When the change happened (UTC, milliseconds)').meta({ examples: ['2026-01-15T09:30:00.000Z'] }),
    data: webhookEvents[type].data,
  });
