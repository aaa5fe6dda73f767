import { workflowInfo } from '@temporalio/workflow';
import type { AvailableNumber } from '../../schemas/numbers/numbers';
import type {
  BuyNumberInput,
  ConfigureNumberInput,
  ConfigureOutcome,
  PurchaseOutcome,
  ReleaseNumberInput,
  ReleaseOutcome,
  SearchInput,
} from '../../schemas/numbers/workflow';
import { twilio } from '../kit/activities';

/** Single-number operations: short workflows so every Twilio side effect runs as a retried, reconciled activity. */

export async function searchNumbers({ query }: SearchInput): Promise<AvailableNumber[]> {
  return twilio.searchAvailableNumbers(query);
}

export async function buyNumber(input: BuyNumberInput): Promise<PurchaseOutcome> {
  // The workflow id carries the request's idempotency key (or a fresh id): a repeated request,
  // even after this run finished, finds the same purchase instead of making another.
  return twilio.purchaseNumber({ ...input, jobId: null, purchaseKey: workflowInfo().workflowId });
}

export async function configureNumber(input: ConfigureNumberInput): Promise<ConfigureOutcome> {
  return twilio.configureNumber(input);
}

export async function releaseNumber(input: ReleaseNumberInput): Promise<ReleaseOutcome> {
  return twilio.releaseNumber(input);
}
