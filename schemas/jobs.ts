import { z } from 'zod';
import { AreaCode, E164, IdempotencyKey, TwilioErrorInfo, PageQuery, Uuid } from './common';
import { NumberConfig } from './numbers';
import { LookupField } from './lookups';

export const JobKind = z.enum(['bulk_buy', 'bulk_release', 'bulk_lookup', 'health_pass', 'rotation_pass']);
export type JobKind = z.infer<typeof JobKind>;

export const JobStatus = z.enum(['queued', 'running', 'cancelling', 'succeeded', 'partial', 'cancelled', 'failed']);
export type JobStatus = z.infer<typeof JobStatus>;

/** Seed action bulk_buy. `maxQuantity` comes from configuration, so the schema is built per app. */
export function bulkBuyRequestSchema(maxQuantity: number) {
  return z
    .object({
      areaCode: AreaCode,
      quantity: z.number().int().min(1).max(maxQuantity, `must be at most ${maxQuantity}`),
      contains: z.string().max(16).regex(/^[0-9*]{2,16}$/, 'must be 2-16 digits or * wildcards').optional(),
      capabilities: z
        .object({ voice: z.boolean(), sms: z.boolean(), mms: z.boolean() })
        .partial()
        .strict()
        .optional(),
      /** Tried in order once the main area code has no numbers left. */
      fallbackAreaCodes: z.array(AreaCode).max(10).default([]),
      config: NumberConfig.default({}),
      /** An optional lower limit on purchases in flight; by default the job uses the account's TWILIO_MAX_CONCURRENCY. */
      concurrency: z.number().int().min(1).max(1000).optional(),
      idempotencyKey: IdempotencyKey.optional(),
    })
    .strict();
}
export type BulkBuyRequest = z.output<ReturnType<typeof bulkBuyRequestSchema>>;

/** A job's list of numbers: at least one, at most the configured maximum, no repeats. */
const numberList = (maxQuantity: number) =>
  z
    .array(E164)
    .min(1)
    .max(maxQuantity, `must list at most ${maxQuantity} numbers`)
    .refine((a) => new Set(a).size === a.length, 'must not contain duplicates')
    .meta({ uniqueItems: true });

/** Seed action bulk_release. */
export function bulkReleaseRequestSchema(maxQuantity: number) {
  return z
    .object({
      phoneNumbers: numberList(maxQuantity),
      /** An optional lower limit on releases in flight; by default the job uses the account's TWILIO_MAX_CONCURRENCY. */
      concurrency: z.number().int().min(1).max(1000).optional(),
      idempotencyKey: IdempotencyKey.optional(),
    })
    .strict();
}
export type BulkReleaseRequest = z.output<ReturnType<typeof bulkReleaseRequestSchema>>;

/** A Lookup v2 pass over a list of numbers (the tenant's, or any), through Twilio's batch endpoint. */
export function bulkLookupRequestSchema(maxQuantity: number) {
  return z
    .object({
      phoneNumbers: numberList(maxQuantity).optional().describe('The numbers to look up (any numbers); or ownedNumbers'),
      ownedNumbers: z.literal(true).optional().describe('Look up all of your live numbers, as they are when the job starts (instead of phoneNumbers)'),
      fields: z.array(LookupField).max(4).default([]).refine((a) => new Set(a).size === a.length, 'must not contain duplicates').meta({ uniqueItems: true })
        .describe('Data packages for every number (each billed unless cached); none = validation only, which is free'),
      lastVerifiedDate: z.iso.date().max(10).optional().describe('reassigned_number: the date the numbers were last known to belong to your users'),
      maxAgeHours: z.number().int().min(0).max(8760).default(720).describe('Answers fetched within this many hours come from the cache'),
      idempotencyKey: IdempotencyKey.optional(),
    })
    .strict()
    .refine((q) => !q.fields.includes('reassigned_number') || q.lastVerifiedDate, { path: ['lastVerifiedDate'], message: 'reassigned_number needs lastVerifiedDate' })
    .refine((q) => (q.phoneNumbers === undefined) !== (q.ownedNumbers === undefined), { path: ['phoneNumbers'], message: 'give either phoneNumbers or "ownedNumbers": true' });
}
export type BulkLookupRequest = z.output<ReturnType<typeof bulkLookupRequestSchema>>;

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
});
export type Job = z.infer<typeof Job>;

export const ListJobsQuery = PageQuery.extend({
  kind: JobKind.optional(),
  status: JobStatus.optional(),
}).strict();

export const JobParams = z.object({ jobId: Uuid('must be a job id (UUID)') });
