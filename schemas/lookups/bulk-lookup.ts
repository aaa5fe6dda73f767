import { z } from 'zod';
import { IdempotencyKey } from '../kit/common';
import { numberList } from '../kit/jobs';
import { LookupField } from './lookups';

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

