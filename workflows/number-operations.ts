import { workflowInfo } from '@temporalio/workflow';
import type { AvailableNumber } from '../schemas/numbers';
import type {
  BuyNumberInput,
  ConfigureNumberInput,
  ConfigureOutcome,
  PurchaseOutcome,
  ReleaseNumberInput,
  ReleaseOutcome,
  SearchInput,
} from '../schemas/workflow-types';
import { twilio } from './activities';

/** Single-number operations: short workflows so every Twilio side effect runs as a retried, reconciled activity. */

export async function searchNumbers({ query }: SearchInput): Promise<AvailableNumber[]> {
  return twilio.searchAvailableNumbers(query);
}

export async function buyNumber(input: BuyNumberInput): Promise<PurchaseOutcome> {
  const { workflowId, runId } = workflowInfo();
  return twilio.purchaseNumber({ ...input, jobId: null, purchaseKey: `${workflowId}:${runId}` });
}

export async function configureNumber(input: ConfigureNumberInput): Promise<ConfigureOutcome> {
  return twilio.configureNumber(input);
}

export async function releaseNumber(input: ReleaseNumberInput): Promise<ReleaseOutcome> {
  return twilio.releaseNumber(input);
}
