import { z } from 'zod';
import { E164, TwilioErrorInfo, PageQuery, Uuid } from './common';

export const JobKind = z.enum(['bulk_buy', 'bulk_release', 'bulk_lookup', 'health_pass', 'rotation_pass']);
export type JobKind = z.infer<typeof JobKind>;

export const JobStatus = z.enum(['queued', 'running', 'cancelling', 'succeeded', 'partial', 'cancelled', 'failed']);
export type JobStatus = z.infer<typeof JobStatus>;

/** A job's list of numbers: at least one, at most the configured maximum, no repeats. */
export const numberList = (maxQuantity: number) =>
  z
    .array(E164)
    .min(1)
    .max(maxQuantity, `must list at most ${maxQuantity} numbers`)
    .refine((a) => new Set(a).size === a.length, 'must not contain duplicates')
    .meta({ uniqueItems: true });

export const ItemStatus = z.enum(['pending', 'succeeded', 'failed', 'skipped']);

export const JobItem = z.object({
  itemKey: z.string(),
  phoneNumber: z.string().nullable(),
  status: ItemStatus,
  twilioSid: z.string().nullable(),
  error: TwilioErrorInfo.nullable(),
  detail: z.record(z.string(), z.unknown()).nullable().describe('What the run found for this item (a health pass: the score and the action taken)'),
  updatedAt: z.string(),
});
export type JobItem = z.infer<typeof JobItem>;

/** Why a bulk job stopped, as the workflow reports it (`failed`: its workflow failed; the message says why). */
export const JobOutcome = z.object({
  stopReason: z.enum(['completed', 'inventory_exhausted', 'cancelled', 'rejected', 'failed']),
  message: z.string(),
  areaCodesTried: z.array(z.string()).optional(),
  exhaustedAreaCodes: z.array(z.string()).optional(),
  historyEvents: z.number().int().optional(),
  lastError: TwilioErrorInfo.optional(),
});
export type JobOutcome = z.infer<typeof JobOutcome>;

export const Job = z.object({
  id: z.string(),
  kind: JobKind,
  status: JobStatus,
  params: z.record(z.string(), z.unknown()),
  counts: z.object({
    requested: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    pending: z.number().int(),
  }),
  outcome: JobOutcome.nullable(),
  idempotencyKey: z.string().nullable(),
  workflowId: z.string().describe('The Temporal workflow running the job (open it in the Temporal UI)'),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
}).meta({ id: 'Job' });
export type Job = z.infer<typeof Job>;

export const ListJobsQuery = PageQuery.extend({
  kind: JobKind.optional(),
  status: JobStatus.optional(),
}).strict();

export const JobParams = z.object({ jobId: Uuid('must be a job id (UUID)') });
