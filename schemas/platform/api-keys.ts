import { z } from 'zod';

/**
 * What an API key may do, least to most: `read` (every GET), `write` (changes that cost nothing), `spend`
 * (anything Twilio bills), `admin` (keys, webhook endpoints, the budget, the hygiene policy, and whatever
 * can destroy inventory at scale). Each scope implies the ones before it: spend implies write, because a
 * key trusted to buy numbers can do no more harm by configuring them, and a purchase configures anyway.
 */
export const API_KEY_SCOPES = ['read', 'write', 'spend', 'admin'] as const;
export const ApiKeyScope = z.enum(API_KEY_SCOPES);
export type ApiKeyScope = z.infer<typeof ApiKeyScope>;

const rank = (scope: string) => (API_KEY_SCOPES as readonly string[]).indexOf(scope);

/** Whether a key holding `held` may do what needs `needed` (a scope unknown to this version grants nothing). */
export const scopesGrant = (held: readonly string[], needed: ApiKeyScope) => held.some((s) => rank(s) >= rank(needed));

/** The scopes as stored and shown: every scope the asked-for ones imply, in order (["spend"] → read, write, spend). */
export const withImpliedScopes = (asked: readonly ApiKeyScope[]): ApiKeyScope[] =>
  API_KEY_SCOPES.filter((s) => scopesGrant(asked, s));

/** How far ahead a key may expire: a key that lives longer should simply not expire. */
export const MAX_KEY_LIFETIME_YEARS = 5;
const YEAR_MS = 365.25 * 24 * 3_600_000;

export const CreateApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(64).optional().describe('what the key is for, shown in the list'),
    scopes: z
      .array(ApiKeyScope)
      .min(1, 'name at least one scope: read, write, spend or admin')
      .max(API_KEY_SCOPES.length)
      .refine((scopes) => new Set(scopes).size === scopes.length, 'must not name a scope twice')
      .default(['read'])
      .meta({ uniqueItems: true })
      .describe('read: every GET; write: changes that cost nothing; spend: anything Twilio bills; admin: everything. Each implies the ones before it. Default ["read"]'),
    expiresAt: z.iso
      .datetime({ offset: true })
      .max(64)
      .refine((s) => Date.parse(s) > Date.now(), 'must be in the future')
      .refine((s) => Date.parse(s) <= Date.now() + MAX_KEY_LIFETIME_YEARS * YEAR_MS, `must be within ${MAX_KEY_LIFETIME_YEARS} years`)
      .optional()
      .describe('ISO 8601; from then on the key is refused (401) like a revoked one. Omitted: it never expires'),
  })
  .strict();

export const ApiKeyView = z.object({
  id: z.uuid(),
  name: z.string().nullable(),
  prefix: z.string().describe('the first characters of the key, to tell keys apart'),
  scopes: z.array(ApiKeyScope).describe('every scope the key holds, the implied ones included'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().describe('to the minute'),
  revokedAt: z.string().nullable(),
  expiresAt: z.string().nullable().describe('when the key stops working; null: never'),
});

export const CreatedApiKey = ApiKeyView.extend({ key: z.string().describe('the key itself: shown this once, only its hash is kept') });

export const ApiKeyParams = z.object({ keyId: z.uuid('must be an API key id (UUID)').max(36) });
