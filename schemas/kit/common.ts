import { z } from 'zod';

/** E.164 as Twilio uses it for US numbers we manage: +1 and ten digits. */
export const E164 = z
  .string()
  .max(16)
  .regex(/^\+[1-9]\d{7,14}$/, 'must be an E.164 phone number such as +14155550100');

/** US toll-free numbers: +1 800, 833, 844, 855, 866, 877 or 888. */
export const TOLL_FREE_E164 = /^\+18(00|33|44|55|66|77|88)\d{7}$/;
export const isTollFree = (e164: string) => TOLL_FREE_E164.test(e164);

export const AreaCode = z
  .string()
  .max(3)
  .regex(/^[2-9]\d{2}$/, 'must be a 3-digit US area code that does not start with 0 or 1');

export const HttpMethod = z.enum(['GET', 'POST']);

/** The longest URL the API takes: more than any real site or webhook needs (browsers stop near 2 000 too). */
export const MAX_URL_LENGTH = 2000;

/** An e-mail address: at most 254 characters, the longest a mail server accepts (RFC 5321's path limit). */
export const Email = z.email().max(254);

/** A UUID as the API issues them (job, registration, key ids). */
export const Uuid = (message?: string) => z.uuid(message).max(36);

/** A Twilio SID: two letters and 32 hex digits. */
export const SID_LENGTH = 34;

/** A URL Twilio can call back: http or https only. */
export const WebhookUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(MAX_URL_LENGTH);

/** Client-chosen key that makes a repeated request join the first one. */
export const IdempotencyKey = z
  .string()
  .max(100)
  .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be 1-100 letters, digits or . _ : -');

export const TwilioErrorInfo = z.object({
  code: z.number().int().nullable(),
  status: z.number().int().nullable(),
  message: z.string(),
  moreInfo: z.string().nullable(),
});
export type TwilioErrorInfo = z.infer<typeof TwilioErrorInfo>;

/**
 * Every error answer's body. Named `Error` in the OpenAPI document's components: each operation's error
 * answers refer to it instead of repeating it (nine of them on most operations — repeated, they were two thirds
 * of a 900 KB document that Swagger UI and every client generator had to read).
 */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('What went wrong, for code to branch on: `invalid_request`, `not_found`, `insufficient_scope`, `rate_limited`…'),
      message: z.string().describe('The same for a person'),
      fields: z.array(z.object({ field: z.string(), message: z.string() })).optional().describe('Each field at fault (`invalid_request`): its path in the request, and why'),
      twilio: TwilioErrorInfo.optional().describe('Twilio’s own answer, when Twilio refused'),
    }),
  })
  .meta({ id: 'Error' });

/** Cursor pagination shared by every list: newest first, pass `nextCursor` back as `cursor`. */
export const PageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional().describe('opaque: the nextCursor of the previous page, passed back unchanged'),
  })
  .strict();
export const pageOf = <T extends z.ZodTypeAny>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });
