import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { isJobFinished, type Job, type QueryOf, type TwilioProError } from '@twilio-pro/client';
import { useTwilioProClient } from './context.js';
import { queryKeys } from './keys.js';

export interface JobProgress {
  /** Of `total`, how many are no longer pending (a bulk buy replaces a failed candidate, so only purchases count). */
  done: number;
  total: number;
  /** 0–100, whole numbers; 100 only when the job finished. */
  percent: number;
}

export function jobProgress(job: Job): JobProgress {
  const { requested, pending } = job.counts;
  const done = requested - pending;
  const finished = isJobFinished(job);
  const percent = finished ? 100 : requested > 0 ? Math.min(99, Math.floor((done / requested) * 100)) : 0;
  return { done, total: requested, percent };
}

/** A bulk job, live: re-read every `intervalMs` (default 1 s) until it finishes, with its progress and `cancel`. */
export function useJob(jobId: string | null | undefined, opts: { intervalMs?: number } = {}) {
  const client = useTwilioProClient();
  const qc = useQueryClient();
  const q = useQuery<Job, TwilioProError>({
    queryKey: queryKeys.job(jobId ?? ''),
    queryFn: ({ signal }) => client.jobs.get(jobId!, { signal }),
    enabled: !!jobId,
    refetchInterval: (query) => (query.state.data && isJobFinished(query.state.data) ? false : (opts.intervalMs ?? 1000)),
  });
  const cancel = useMutation<unknown, TwilioProError, void>({
    mutationFn: () => client.jobs.cancel(jobId!),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.job(jobId ?? '') }),
  });
  return {
    job: q.data ?? null,
    progress: q.data ? jobProgress(q.data) : null,
    isFinished: q.data ? isJobFinished(q.data) : false,
    isLoading: q.isLoading,
    error: q.error ?? null,
    cancel: () => cancel.mutateAsync(),
    isCancelling: cancel.isPending,
    cancelError: cancel.error ?? null,
  };
}

/** Jobs across kinds, newest first, refreshed every `intervalMs` (default 2 s) so running ones move. */
export function useJobs(query: QueryOf<'/v1/jobs', 'get'> = {}, opts: { intervalMs?: number } = {}) {
  const client = useTwilioProClient();
  return useQuery({ queryKey: queryKeys.jobs(query), queryFn: ({ signal }) => client.jobs.list(query, { signal }), refetchInterval: opts.intervalMs ?? 2000 });
}

/** A job's per-item results (with Twilio's codes on failures), page by page: `fetchNextPage` while `hasNextPage`. */
export function useJobItems(jobId: string | null | undefined, query: Omit<QueryOf<'/v1/jobs/{jobId}/items', 'get'>, 'cursor'> = {}, opts: { intervalMs?: number | false } = {}) {
  const client = useTwilioProClient();
  return useInfiniteQuery({
    queryKey: queryKeys.jobItems(jobId ?? '', query),
    queryFn: ({ pageParam, signal }) => client.jobs.items(jobId!, { ...query, ...(pageParam ? { cursor: pageParam } : {}) }, { signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: !!jobId,
    refetchInterval: opts.intervalMs ?? false,
  });
}
