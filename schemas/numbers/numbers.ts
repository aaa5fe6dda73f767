import { z } from 'zod';
import { AreaCode, E164, HttpMethod, PageQuery, WebhookUrl } from '../kit/common';

export const Capabilities = z.object({
  voice: z.boolean(),
  sms: z.boolean(),
  mms: z.boolean(),
  fax: z.boolean().optional(),
});
export type Capabilities = z.infer<typeof Capabilities>;

/** Webhook and label settings of a number (seed action configure_number). */
export const NumberConfig = z
  .object({
    friendlyName: z.string().min(1).max(64),
    voiceUrl: WebhookUrl,
    voiceMethod: HttpMethod,
    voiceFallbackUrl: WebhookUrl,
    smsUrl: WebhookUrl,
    smsMethod: HttpMethod,
    smsFallbackUrl: WebhookUrl,
    statusCallback: WebhookUrl,
  })
  .partial()
  .strict();
export type NumberConfig = z.infer<typeof NumberConfig>;

const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

/** Seed action search_numbers. */
export const SearchNumbersQuery = z
  .object({
    type: z.enum(['local', 'toll-free']).default('local'),
    areaCode: AreaCode.optional(),
    contains: z
      .string()
      .max(16)
      .regex(/^[0-9A-Za-z*]{2,16}$/, 'must be 2-16 digits, letters or * wildcards')
      .optional(),
    smsEnabled: booleanQuery.optional(),
    voiceEnabled: booleanQuery.optional(),
    mmsEnabled: booleanQuery.optional(),
    inRegion: z.string().max(2).regex(/^[A-Z]{2}$/, 'must be a 2-letter state code such as CA').optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict();
export type SearchNumbersQuery = z.output<typeof SearchNumbersQuery>;

export const AvailableNumber = z.object({
  phoneNumber: z.string(),
  friendlyName: z.string(),
  locality: z.string().nullable(),
  region: z.string().nullable(),
  postalCode: z.string().nullable(),
  isoCountry: z.string(),
  capabilities: Capabilities,
});
export type AvailableNumber = z.infer<typeof AvailableNumber>;

/** Seed action buy_number. */
export const BuyNumberRequest = z
  .object({ phoneNumber: E164 })
  .extend(NumberConfig.shape)
  .strict();
export type BuyNumberRequest = z.infer<typeof BuyNumberRequest>;

export const NumberStatus = z.enum(['purchasing', 'active', 'releasing', 'released', 'failed', 'transferred']);

export const PhoneNumber = z.object({
  id: z.string(),
  phoneNumber: z.string(),
  twilioSid: z.string().nullable(),
  provider: z.string(),
  status: NumberStatus,
  friendlyName: z.string().nullable(),
  capabilities: Capabilities.partial(),
  config: NumberConfig,
  jobId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  releasedAt: z.string().nullable(),
  hygieneState: z.enum(['ok', 'quarantined']).describe('quarantined: its health fell below your policy’s threshold; still owned, to be kept out of service'),
  replacedBy: z.string().nullable().describe('Set when the rotation pass moved this number’s service (URLs, trunk, Messaging Services) to a replacement it bought in the same area code'),
}).meta({ id: 'PhoneNumber' });
export type PhoneNumber = z.infer<typeof PhoneNumber>;

export const ListNumbersQuery = PageQuery.extend({
  status: NumberStatus.optional(),
  contains: z.string().max(16).regex(/^\+?\d{1,15}$/, 'must be digits, optionally starting with +').optional(),
  hygieneState: z.enum(['ok', 'quarantined']).optional().describe('ok: only numbers in service; quarantined: only those out of it'),
}).strict();

export const NumberParams = z.object({ phoneNumber: E164 });
