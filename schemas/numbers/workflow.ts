/** Inputs and results exchanged between the API, workflows and activities (plain data only). */
import type { TwilioErrorInfo } from '../kit/common';
import type { BulkBuyRequest } from './bulk-jobs';
import type { NumberConfig, PhoneNumber, SearchNumbersQuery } from './numbers';

export type StopReason = 'completed' | 'inventory_exhausted' | 'cancelled' | 'rejected';

export interface SearchInput {
  query: SearchNumbersQuery;
}

export interface BuyNumberInput {
  tenantId: string;
  phoneNumber: string;
  config: NumberConfig;
}

export interface ConfigureNumberInput {
  tenantId: string;
  phoneNumber: string;
  config: NumberConfig;
  /** Take the number off its SIP trunk first (its voice URLs are ignored while it is trunked). */
  detachFromTrunk?: boolean;
}

export interface ReleaseNumberInput {
  tenantId: string;
  phoneNumber: string;
  jobId: string | null;
}

export interface PurchaseInput {
  tenantId: string;
  jobId: string | null;
  /** Stable across retries of this one purchase, unique per purchase. */
  purchaseKey: string;
  phoneNumber: string;
  config: NumberConfig;
}

export type PurchaseOutcome =
  | { status: 'purchased'; number: PhoneNumber }
  | { status: 'unavailable'; error: TwilioErrorInfo }
  | { status: 'rejected'; error: TwilioErrorInfo };

export type ReleaseOutcome =
  | { status: 'released'; number: PhoneNumber }
  | { status: 'not_found' }
  | { status: 'rejected'; error: TwilioErrorInfo };

export type ConfigureOutcome = { status: 'configured'; number: PhoneNumber } | { status: 'not_found' };

export interface BulkBuyProgress {
  bought: number;
  batchNo: number;
  areaIndex: number;
  exhausted: string[];
}

export interface BulkBuyInput {
  tenantId: string;
  jobId: string;
  request: BulkBuyRequest;
  progress?: BulkBuyProgress;
}

export interface BuyBatchInput {
  tenantId: string;
  jobId: string;
  areaCode: string;
  want: number;
  contains?: string;
  capabilities?: BulkBuyRequest['capabilities'];
  config: NumberConfig;
  /** An optional lower limit than the account's TWILIO_MAX_CONCURRENCY. */
  concurrency?: number;
  /** Numbers the job had bought before this batch (streamed purchases count the job's items against it). */
  boughtBefore?: number;
}

/** One group of purchases made by one activity, concurrently (the account-wide limiter bounds Twilio). */
export interface PurchaseGroupInput {
  tenantId: string;
  jobId: string;
  candidates: string[];
  config: NumberConfig;
  concurrency?: number;
  /** Definitive rejections in a row that stop the group (auth, account limits, ...). */
  maxRejectionsInARow: number;
}

export interface PurchaseGroupResult {
  purchased: number;
  attempted: number;
  rejectedInARow: number;
  lastError?: TwilioErrorInfo;
}

/**
 * A batch's purchases as one stream: the activity searches (ahead, while it buys) and buys until the job
 * has `boughtBefore + want` numbers, never with more purchases in flight than are still missing.
 */
export interface PurchaseStreamInput {
  tenantId: string;
  jobId: string;
  areaCode: string;
  contains?: string;
  capabilities?: BulkBuyRequest['capabilities'];
  config: NumberConfig;
  /** Numbers the job had bought when this batch started (the job's succeeded items). */
  boughtBefore: number;
  want: number;
  concurrency?: number;
  maxRejectionsInARow: number;
}

export interface PurchaseStreamResult {
  purchased: number;
  attempted: number;
  stopReason: StopReason;
  lastError?: TwilioErrorInfo;
}

export interface ReleaseGroupInput {
  tenantId: string;
  jobId: string;
  phoneNumbers: string[];
  concurrency?: number;
}

export interface BuyBatchResult {
  bought: number;
  attempted: number;
  stopReason: StopReason;
  /** The Twilio error that stopped the batch, when stopReason is 'rejected'. */
  lastError?: TwilioErrorInfo;
}

export interface BulkReleaseInput {
  tenantId: string;
  jobId: string;
  phoneNumbers: string[];
  concurrency?: number;
  /** Numbers before this index were handled by an earlier run (continue-as-new). */
  offset?: number;
  totals?: ReleaseBatchResult;
}

export interface ReleaseBatchInput {
  tenantId: string;
  jobId: string;
  phoneNumbers: string[];
  concurrency?: number;
}

export interface ReleaseBatchResult {
  released: number;
  failed: number;
  skipped: number;
}
