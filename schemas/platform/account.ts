import { z } from 'zod';

export const BINDING_KINDS = ['shared', 'subaccount', 'byo'] as const;
export const BINDING_STATUSES = ['creating', 'active', 'credentials_invalid', 'suspended', 'closing', 'closed'] as const;

const StatusReason = z
  .object({
    code: z.union([z.number().int(), z.string()]).nullable().describe("Twilio's error code for what failed (e.g. 20003, authentication), when there is one"),
    message: z.string().describe('what failed, in words'),
    at: z.string().describe('ISO 8601: when the binding took this status'),
  })
  .describe('why the binding is not active; null while it is');

export const AccountView = z.object({
  tenant: z.object({
    id: z.uuid(),
    name: z.string(),
  }),
  binding: z
    .object({
      kind: z
        .enum(BINDING_KINDS)
        .describe("`shared`: the deployment's Twilio account; `subaccount`: a Twilio subaccount of it, for this tenant alone; `byo`: the tenant's own Twilio account"),
      accountSid: z.string().describe('the Twilio account (AC…) the tenant’s work runs under'),
      status: z
        .enum(BINDING_STATUSES)
        .describe('`active`: work runs; `credentials_invalid`: Twilio refused the credentials and work waits for new ones; the others are set by the operator'),
      statusReason: StatusReason.nullable(),
    })
    .describe('The Twilio account the tenant’s work runs under. Never carries a credential.'),
});

const sid = (prefix: string, what: string) =>
  z
    .string()
    .max(34)
    .regex(new RegExp(`^${prefix}[0-9a-f]{32}$`), `must be ${prefix} followed by 32 lowercase hex digits`)
    .describe(what);
// Twilio's tokens and key secrets are 32 characters; room for longer ones, never unbounded.
const secret = (what: string) => z.string().min(16, 'is too short to be a Twilio credential').max(256).describe(what);

/**
 * The tenant's own Twilio account (`byo`): its SID with its auth token, or with an API key's SID and secret.
 * Write-only: checked at Twilio, sealed, never returned.
 */
export const AccountCredentialsBody = z
  .object({
    accountSid: sid('AC', 'The tenant’s own Twilio account'),
    authToken: secret('The account’s auth token (give this, or apiKeySid and apiKeySecret)').optional(),
    apiKeySid: sid('SK', 'An API key of that account (Standard or Main)').optional(),
    apiKeySecret: secret('The API key’s secret').optional(),
    primaryCustomerProfileSid: sid(
      'BU',
      'The account’s own primary customer profile, approved by Twilio: the A2P registrations of a `byo` tenant are made under it, not the deployment’s',
    ).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const withKey = b.apiKeySid !== undefined || b.apiKeySecret !== undefined;
    if (b.authToken !== undefined && withKey) {
      ctx.addIssue({ code: 'custom', path: ['authToken'], message: 'give authToken, or apiKeySid and apiKeySecret, not both' });
    } else if (b.authToken === undefined && !withKey) {
      ctx.addIssue({ code: 'custom', path: ['authToken'], message: 'is required (or apiKeySid and apiKeySecret)' });
    } else if (withKey) {
      if (b.apiKeySid === undefined) ctx.addIssue({ code: 'custom', path: ['apiKeySid'], message: 'is required with apiKeySecret' });
      if (b.apiKeySecret === undefined) ctx.addIssue({ code: 'custom', path: ['apiKeySecret'], message: 'is required with apiKeySid' });
    }
  });
export type AccountCredentialsBody = z.infer<typeof AccountCredentialsBody>;
