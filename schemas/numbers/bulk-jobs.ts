import { z } from 'zod';
import { AreaCode, IdempotencyKey } from '../kit/common';
import { numberList } from '../kit/jobs';
import { NumberConfig } from './numbers';

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

