import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { AvailableNumber, QueryOf, RequestBody } from '@twilio-pro/client';
import { useCall, useHookState } from './calls.js';
import { useTwilioProClient } from './context.js';
import { queryKeys } from './keys.js';

export type NumberConfig = RequestBody<'/v1/numbers/{phoneNumber}', 'patch'>;

/**
 * The seed's number management: search, buy, bulk-buy, release, bulk-release, configure. Each call returns
 * the API's answer (bulk calls answer the job; follow it with `useJob`) and rejects with a TwilioProError.
 */
export function useTwilioAdvancedManagement() {
  const client = useTwilioProClient();
  const qc = useQueryClient();
  const changed = () => qc.invalidateQueries({ queryKey: queryKeys.numbers().slice(0, 2) });
  const jobStarted = () => qc.invalidateQueries({ queryKey: queryKeys.jobs().slice(0, 2) });

  const [searchNumbers, search] = useCall('numbers', 'searchNumbers', async (areaCode: string, contains?: string): Promise<AvailableNumber[]> => {
    const page = await client.numbers.search({ areaCode, ...(contains ? { contains } : {}) });
    return page.data;
  });
  const [buyNumber, buy] = useCall(
    'numbers',
    'buyNumber',
    (phoneNumber: string, voiceUrl?: string, smsUrl?: string) =>
      client.numbers.buy({ phoneNumber, ...(voiceUrl ? { voiceUrl } : {}), ...(smsUrl ? { smsUrl } : {}) }),
    changed,
  );
  const [bulkBuyNumbers, bulkBuy] = useCall('numbers', 'bulkBuyNumbers', (areaCode: string, quantity: number) => client.jobs.bulkBuy({ areaCode, quantity }), jobStarted);
  const [releaseNumber, release] = useCall('numbers', 'releaseNumber', (phoneNumber: string) => client.numbers.release(phoneNumber), changed);
  const [bulkReleaseNumbers, bulkRelease] = useCall(
    'numbers',
    'bulkReleaseNumbers',
    (phoneNumbers: string[]) => client.jobs.bulkRelease({ phoneNumbers }),
    jobStarted,
  );
  const [configureNumber, configure] = useCall('numbers', 'configureNumber', (phoneNumber: string, config: NumberConfig) => client.numbers.configure(phoneNumber, config), changed);

  const state = useHookState('numbers', {
    searchNumbers: search,
    buyNumber: buy,
    bulkBuyNumbers: bulkBuy,
    releaseNumber: release,
    bulkReleaseNumbers: bulkRelease,
    configureNumber: configure,
  });
  return { searchNumbers, buyNumber, bulkBuyNumbers, releaseNumber, bulkReleaseNumbers, configureNumber, ...state };
}

/** The tenant's numbers, one page (newest first); pass `cursor` from `nextCursor` for the next. */
export function useNumbers(query: QueryOf<'/v1/numbers', 'get'> = {}) {
  const client = useTwilioProClient();
  return useQuery({ queryKey: queryKeys.numbers(query), queryFn: ({ signal }) => client.numbers.list(query, { signal }) });
}

/** Twilio's inventory for a search; nothing is fetched until `areaCode` (or `contains`) is set. */
export function useAvailableNumbers(query: QueryOf<'/v1/available-numbers', 'get'> | null) {
  const client = useTwilioProClient();
  return useQuery({
    queryKey: queryKeys.availableNumbers(query),
    queryFn: ({ signal }) => client.numbers.search(query!, { signal }),
    enabled: query !== null,
    staleTime: 30_000,
  });
}
