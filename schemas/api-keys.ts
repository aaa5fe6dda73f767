import { z } from 'zod';

/** What a key may do beyond the tenant's own resources: `admin` manages the tenant's API keys. */
export const ApiKeyScope = z.enum(['admin']);

export const CreateApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(64).optional().describe('what the key is for, shown in the list'),
    scopes: z.array(ApiKeyScope).max(1).default([]).meta({ uniqueItems: true }),
  })
  .strict();

export const ApiKeyView = z.object({
  id: z.uuid(),
  name: z.string().nullable(),
  prefix: z.string().describe('the first characters of the key, to tell keys apart'),
  scopes: z.array(ApiKeyScope),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().describe('to the minute'),
  revokedAt: z.string().nullable(),
});

export const CreatedApiKey = ApiKeyView.extend({ key: z.string().describe('the key itself: shown this once, only its hash is kept') });

export const ApiKeyParams = z.object({ keyId: z.uuid('must be an API key id (UUID)') });
