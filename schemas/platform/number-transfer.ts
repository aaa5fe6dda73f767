import { z } from 'zod';
import { E164, TwilioErrorInfo } from '../kit/common';

/** At most this many numbers per transfer: one request's plan stays readable, and its workflow's history small. */
export const MAX_TRANSFER_NUMBERS = 100;

export const TransferNumbersBody = z
  .object({
    fromTenantId: z.uuid('must be a tenant id (UUID)').max(36).describe('The tenant that holds the numbers now'),
    toTenantId: z.uuid('must be a tenant id (UUID)').max(36).describe('The tenant that gets them'),
    numbers: z
      .array(E164)
      .min(1)
      .max(MAX_TRANSFER_NUMBERS)
      .refine((n) => new Set(n).size === n.length, 'names a number twice')
      .describe(`E.164 numbers the first tenant holds (1 to ${MAX_TRANSFER_NUMBERS})`),
    confirmationToken: z
      .string()
      .max(300)
      .optional()
      .describe('The dry run’s token: without it the answer is the plan (nothing changes); with it the numbers move, if the plan is still the same'),
  })
  .strict();
export type TransferNumbersBody = z.infer<typeof TransferNumbersBody>;

/** What does not move with a number at Twilio (the help center: A2P, toll-free verification and Trust Hub must be redone). */
export const TRANSFER_LOSS_KINDS = ['sip_trunk', 'messaging_service', 'trust_product', 'tollfree_verification'] as const;
export type TransferLossKind = (typeof TRANSFER_LOSS_KINDS)[number];

export const TransferLoss = z.object({
  kind: z.enum(TRANSFER_LOSS_KINDS),
  sid: z.string().describe('the trunk (TK…), Messaging Service (MG…), trust product (BU…) or toll-free verification (HH…)'),
  what: z.string().describe('what the number loses, in words'),
  redo: z.string().describe('what the gaining tenant does to have it again'),
});
export type TransferLoss = z.infer<typeof TransferLoss>;

export const TransferPlanNumber = z.object({
  phoneNumber: z.string(),
  twilioSid: z.string(),
  loses: z.array(TransferLoss).describe('detached before the move; empty: the number loses nothing'),
});

const TransferSide = z.object({ tenantId: z.uuid(), accountSid: z.string().describe('the Twilio account (AC…) the tenant’s numbers live in') });

export const TransferDryRun = z.object({
  from: TransferSide,
  to: TransferSide,
  numbers: z.array(TransferPlanNumber),
  keeps: z.array(z.string()).describe('what moves with every number (its configuration as Twilio keeps it)'),
  confirmationToken: z.string().describe('Send it back within 15 minutes to move the numbers; a change to the plan meanwhile is a 409 plan_changed'),
});

export const TRANSFER_STATUSES = ['running', 'succeeded', 'partial', 'failed'] as const;
export const TRANSFER_ITEM_STATUSES = ['pending', 'detached', 'moved', 'failed'] as const;

export const NumberTransferView = z.object({
  id: z.uuid(),
  status: z.enum(TRANSFER_STATUSES).describe('running; succeeded: every number moved; partial: some did (each number says why not); failed: none did'),
  reason: z.string().nullable().describe('why not every number moved'),
  from: TransferSide,
  to: TransferSide,
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  numbers: z.array(
    TransferPlanNumber.extend({
      status: z
        .enum(TRANSFER_ITEM_STATUSES)
        .describe('pending; detached: what doesn’t move is undone; moved: the gaining tenant holds it; failed: see error — the number stays with the first tenant, put back in what it was detached from (`loses` then lists only what could not be)'),
      error: TwilioErrorInfo.extend({ fix: z.string().nullable().describe('what to do about it, where known') }).nullable(),
    }),
  ),
});
export type NumberTransferView = z.infer<typeof NumberTransferView>;

export const NumberTransferParams = z.object({ transferId: z.uuid('must be a transfer id (UUID)').max(36) }).strict();
