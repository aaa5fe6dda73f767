import { z } from 'zod';
import { pageOf, PageQuery } from '../kit/common';
import { BINDING_KINDS, BINDING_STATUSES } from './account';

/** The Twilio accounts the operator API makes tenants in (a `byo` tenant gives its own credentials later). */
export const OPERATOR_BINDINGS = ['shared', 'subaccount'] as const;

export const CreateTenantBody = z
  .object({
    // As `npm run tenant:create`: a name that reads well in a URL, a log line and a Twilio FriendlyName.
    name: z
      .string()
      .max(64)
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, underscores or hyphens')
      .describe('The tenant’s name, unique in the deployment'),
    binding: z
      .enum(OPERATOR_BINDINGS)
      .optional()
      .describe('`shared`: the deployment’s Twilio account; `subaccount`: a Twilio subaccount made for this tenant. Default: the TWILIO_TENANT_ACCOUNTS setting'),
  })
  .strict();

const BindingSummary = z.object({
  kind: z.enum(BINDING_KINDS),
  accountSid: z.string().nullable().describe('the Twilio account (AC…) the tenant’s work runs under; null while a subaccount is being made'),
  status: z.enum(BINDING_STATUSES),
});

export const CreatedTenant = z.object({
  tenant: z.object({ id: z.uuid(), name: z.string() }),
  binding: BindingSummary,
  apiKey: z.string().describe('An admin API key of the new tenant: in this answer only (a repeated request gets a fresh one, and the unused earlier one is revoked)'),
});

export const OperatorTenantView = z.object({
  id: z.uuid(),
  name: z.string(),
  createdAt: z.string(),
  suspendedAt: z.string().nullable().describe('ISO 8601: when an operator suspended the tenant; null when it is not'),
  binding: BindingSummary,
  liveNumbers: z.number().int().describe('numbers the tenant holds, live'),
  monthSpendUsd: z.number().describe('what the tenant’s cost ledger holds for this UTC month'),
});

export const OperatorTenantPage = pageOf(OperatorTenantView);
export const ListOperatorTenantsQuery = PageQuery;
export const OperatorTenantParams = z.object({ tenantId: z.uuid('must be a tenant id (UUID)').max(36) }).strict();

export const CloseTenantBody = z
  .object({
    confirmationToken: z
      .string()
      .max(300)
      .optional()
      .describe('The dry run’s token: without it the answer is the plan (nothing changes); with it the tenant is closed, if the plan is still the same'),
  })
  .strict();

export const ClosePlan = z.object({
  numbers: z.array(z.string()).describe('E.164 numbers the tenant holds: Twilio releases them when the subaccount closes'),
  registrations: z
    .array(z.object({ id: z.uuid(), product: z.enum(['a2p', 'voice_trust', 'tollfree']), status: z.string() }))
    .describe('Unfinished registrations: cancelled before the close; Twilio’s records of them go with the account'),
  trunks: z.array(z.object({ id: z.uuid(), domainName: z.string() })).describe('SIP trunks: they go with the account'),
  irreversible: z.literal(true).describe('Twilio never reopens a closed account'),
});

export const CloseDryRun = z.object({
  tenant: OperatorTenantView,
  binding: BindingSummary,
  plan: ClosePlan,
  confirmationToken: z.string().describe('Send it back within 15 minutes to close the tenant; a change to the plan meanwhile is a 409 plan_changed'),
});
