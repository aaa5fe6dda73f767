import { z } from 'zod';
import { E164 } from '../kit/common';

/** Lookup v2 data packages the service asks for; each is billed by Twilio per request (validation is free). */
export const LookupField = z.enum(['line_type_intelligence', 'caller_name', 'sms_pumping_risk', 'reassigned_number']);
export type LookupField = z.infer<typeof LookupField>;

const fieldList = new RegExp(`^(${LookupField.options.join('|')})(,(${LookupField.options.join('|')}))*$`);

export const LookupParams = z.object({ phoneNumber: E164 });
export const LookupQuery = z
  .object({
    fields: z
      .string()
      .max(100)
      .regex(fieldList, `must be a comma-separated list of: ${LookupField.options.join(', ')}`)
      .optional()
      .describe('Data packages to include (each billed unless answered from the cache); none = validation only, which is free'),
    lastVerifiedDate: z.iso.date().max(10).optional().describe('reassigned_number: the date the number was last known to belong to your user (required for that package)'),
    maxAgeHours: z.coerce.number().int().min(0).max(8760).default(720).describe('Answers fetched within this many hours come from the cache (0 = always ask Twilio)'),
  })
  .strict()
  .refine((q) => !(q.fields ?? '').split(',').includes('reassigned_number') || q.lastVerifiedDate, { path: ['lastVerifiedDate'], message: 'reassigned_number needs lastVerifiedDate' });
export type LookupQuery = z.infer<typeof LookupQuery>;

export const LookupPackage = z.object({
  data: z.record(z.string(), z.unknown()).nullable().describe('Twilio’s answer for this package (null when it has none for this number)'),
  fetchedAt: z.string(),
  ageSeconds: z.number().int(),
  fromCache: z.boolean(),
});

export const LookupView = z.object({
  phoneNumber: z.string(),
  valid: z.boolean(),
  nationalFormat: z.string().nullable(),
  countryCode: z.string().nullable(),
  validationErrors: z.array(z.string()),
  packages: z.record(z.string(), LookupPackage).describe('One entry per requested package, keyed by its name'),
  costUsd: z.number().describe('What this request was billed (configured prices; cached answers cost nothing)'),
});
export type LookupView = z.infer<typeof LookupView>;

export interface LookupInput {
  tenantId: string;
  phoneNumber: string;
  fields: LookupField[];
  /** YYYYMMDD, as Twilio takes it. */
  lastVerifiedDate?: string;
  maxAgeMs: number;
}

/** A bulk-lookup job's numbers (a slice of them, for the lookupBatch activity) and what to ask for each. */
export interface LookupBatchInput extends Omit<LookupInput, 'phoneNumber'> {
  jobId: string;
  phoneNumbers: string[];
}

/** Twilio's batch endpoint takes at most 100 numbers per request: a bulk lookup's slice or page. */
export const LOOKUP_BATCH_MAX = 100;

/** A page of a lookup of the tenant's own numbers: the numbers after `after` ('' for the first page). */
export interface OwnedLookupPageInput extends Omit<LookupBatchInput, 'phoneNumbers'> {
  after: string;
}
