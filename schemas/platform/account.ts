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
