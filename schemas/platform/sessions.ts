import { z } from 'zod';
import { ApiKeyScope } from './api-keys';

/** How long a console session may last, in minutes: five minutes to a working day (12 hours). */
export const SESSION_TTL_MINUTES = { min: 5, max: 720, default: 60 } as const;

export const CreateSessionBody = z
  .object({
    ttlMinutes: z
      .number()
      .int()
      .min(SESSION_TTL_MINUTES.min)
      .max(SESSION_TTL_MINUTES.max)
      .default(SESSION_TTL_MINUTES.default)
      .describe(`how long the token works, in minutes (${SESSION_TTL_MINUTES.min}–${SESSION_TTL_MINUTES.max}, default ${SESSION_TTL_MINUTES.default}); never past the key's own expiry`),
  })
  .strict();

const sessionFields = {
  keyId: z.uuid().describe('the API key the session acts as'),
  keyPrefix: z.string().describe('the first characters of that key, to tell keys apart'),
  scopes: z.array(ApiKeyScope).describe("the key's scopes: a session may do what its key may do, read from the key on every request"),
  expiresAt: z.string().describe('ISO 8601: from then on the token is refused (401)'),
};

export const CreatedSession = z.object({
  token: z.string().describe('the session token (`tps_…`), used as `Authorization: Bearer <token>`: shown this once, only its hash is kept'),
  ...sessionFields,
});

export const RevokedSession = z.object({
  keyId: sessionFields.keyId,
  revokedAt: z.string().describe('ISO 8601: the token is refused (401) from now on'),
});
