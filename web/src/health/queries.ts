import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  queryKeys, useTwilioProClient, TwilioProError, type HygienePolicy, type Job, type NumberHealth, type NumberHealthQuery, type NumberHealthSummary, type RequestBody, type ResponseOf,
} from '@twilio-pro/react';

/** Everything the Health tab caches sits under this key, so one invalidation refreshes the tab. */
const healthKey = [...queryKeys.all, 'health'] as const;

export type { NumberHealth, CallOutcome } from '@twilio-pro/react';
export type { HygienePolicy };
export type PolicyBody = RequestBody<'/v1/number-health/policy', 'put'>;
export type ScheduleName = 'health_pass' | 'rotation_pass';
export type LookupResult = ResponseOf<'/v1/lookups/{phoneNumber}', 'get'>;
export type LookupField = 'line_type_intelligence' | 'caller_name' | 'sms_pumping_risk' | 'reassigned_number';
export const lookupFields: readonly LookupField[] = ['line_type_intelligence', 'sms_pumping_risk', 'caller_name', 'reassigned_number'];

export type HealthSummary = NumberHealthSummary;

/** The scores list's filter: everything, only quarantined or resting numbers, or those scoring below a number. */
export type ScoreFilter = { kind: 'all' } | { kind: 'quarantined' } | { kind: 'resting' } | { kind: 'below'; score: number };

const filterQuery = (f: ScoreFilter): NumberHealthQuery =>
  f.kind === 'quarantined' ? { hygieneState: 'quarantined' } : f.kind === 'resting' ? { resting: 'true' } : f.kind === 'below' ? { belowScore: f.score } : {};

export function useHealthList(filter: ScoreFilter) {
  const client = useTwilioProClient();
  return useInfiniteQuery({
    queryKey: [...healthKey, 'list', filter],
    queryFn: ({ pageParam, signal }) =>
      client.numberHealth.list({ limit: 25, ...filterQuery(filter), ...(pageParam ? { cursor: pageParam } : {}) }, { signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.nextCursor ?? undefined,
  });
}

export function useNumberHealth(phoneNumber: string) {
  const client = useTwilioProClient();
  return useQuery<NumberHealth, TwilioProError>({
    queryKey: [...healthKey, 'number', phoneNumber],
    queryFn: ({ signal }) => client.numberHealth.get(phoneNumber, { signal }),
  });
}

export function useOutcomes(phoneNumber: string) {
  const client = useTwilioProClient();
  return useInfiniteQuery({
    queryKey: [...healthKey, 'outcomes', phoneNumber],
    queryFn: ({ pageParam, signal }) =>
      client.numberHealth.outcomes(phoneNumber, { limit: 25, ...(pageParam ? { cursor: pageParam } : {}) }, { signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.nextCursor ?? undefined,
  });
}

export function useHealthSummary() {
  const client = useTwilioProClient();
  return useQuery<HealthSummary, TwilioProError>({
    queryKey: [...healthKey, 'summary'],
    queryFn: ({ signal }) => client.numberHealth.summary({ signal }),
  });
}

/** The hygiene policy, or null when the tenant has none (the API's 404 not_found is a state, not an error). */
export function usePolicy() {
  const client = useTwilioProClient();
  return useQuery<HygienePolicy | null, TwilioProError>({
    queryKey: [...healthKey, 'policy'],
    queryFn: async ({ signal }) => {
      try {
        return await client.numberHealth.policy.get({ signal });
      } catch (err) {
        if (err instanceof TwilioProError && err.status === 404 && err.code === 'not_found') return null;
        throw err;
      }
    },
  });
}

export function usePolicyActions() {
  const client = useTwilioProClient();
  const qc = useQueryClient();
  const refresh = () => qc.invalidateQueries({ queryKey: healthKey });
  const save = useMutation<HygienePolicy, TwilioProError, PolicyBody>({ mutationFn: (body) => client.numberHealth.policy.set(body), onSuccess: refresh });
  const remove = useMutation<unknown, TwilioProError, void>({ mutationFn: () => client.numberHealth.policy.remove(), onSuccess: refresh });
  const act = useMutation<HygienePolicy, TwilioProError, { action: 'pause' | 'resume' | 'run'; schedule: ScheduleName }>({
    mutationFn: ({ action, schedule }) => client.numberHealth.policy.act(action, schedule),
    onSuccess: refresh,
  });
  return { save, remove, act };
}

const running = (j: Job) => ['queued', 'running', 'cancelling'].includes(j.status);

/**
 * A pass's runs, newest first, from its jobs: scheduled runs and runs started with "Run now" alike (only the
 * former are in the Schedule's own recent actions). Polls while one runs, or while `expecting` one to appear.
 */
export function usePassRuns(kind: ScheduleName, expecting: boolean) {
  const client = useTwilioProClient();
  return useQuery({
    queryKey: [...healthKey, 'runs', kind],
    queryFn: ({ signal }) => client.jobs.list({ kind, limit: 5 }, { signal }),
    refetchInterval: (q) => (expecting || q.state.data?.data.some(running) ? 1500 : false),
  });
}

export function useLookup() {
  const client = useTwilioProClient();
  return useMutation<LookupResult, TwilioProError, { phoneNumber: string; fields: LookupField[] }>({
    mutationFn: ({ phoneNumber, fields }) => client.lookups.get(phoneNumber, fields.length ? { fields: fields.join(',') } : {}),
  });
}

export function useBulkLookup() {
  const client = useTwilioProClient();
  return useMutation<Job, TwilioProError, RequestBody<'/v1/jobs/bulk-lookup', 'post'>>({ mutationFn: (body) => client.jobs.bulkLookup(body) });
}

/** After a bulk lookup, the scores (line type, SMS pumping risk) may have moved. */
export function useRefreshHealth() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: healthKey });
}
