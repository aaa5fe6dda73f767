import type { LookupInput, LookupView } from '../schemas/lookups';
import { twilio } from './activities';

/** A number's Lookup v2 answer: one retried activity that reads the cache first and bills only what it fetched. */
export async function lookupNumber(input: LookupInput): Promise<LookupView> {
  return twilio.lookupNumber(input);
}
