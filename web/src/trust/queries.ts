import { useMutation, useQuery, useQueryClient, keepPreviousData } from '@tanstack/react-query';
import { queryKeys, useDebouncedValue, useTwilioProClient } from '@twilio-pro/react';
import type { TwilioProError, TwilioProClient } from '@twilio-pro/client';

type Client = TwilioProClient;
export type VoiceTrustRegistration = Awaited<ReturnType<Client['voiceTrust']['get']>>;
export type VoiceTrustDraft = Parameters<Client['voiceTrust']['start']>[0];
export type VoiceTrustCorrections = Parameters<Client['voiceTrust']['correct']>[1];
export type TollfreeVerification = Awaited<ReturnType<Client['tollfree']['get']>>;
export type TollfreeDraft = Parameters<Client['tollfree']['start']>[0];
export type TollfreeEdit = Parameters<Client['tollfree']['edit']>[1];
export type TollfreePreflight = Awaited<ReturnType<Client['tollfree']['preflight']>>;

/** Every key of this tab lives under one prefix, so a mutation can refresh the whole tab at once. */
export const trustKeys = {
  all: [...queryKeys.all, 'trust'] as const,
  voiceTrust: () => [...trustKeys.all, 'voice-trust'] as const,
  registration: (id: string) => [...trustKeys.all, 'voice-trust', id] as const,
  tollfree: () => [...trustKeys.all, 'tollfree'] as const,
  verification: (id: string) => [...trustKeys.all, 'tollfree', id] as const,
  preflight: (draft: unknown) => [...trustKeys.all, 'tollfree-preflight', draft] as const,
  profiles: () => [...trustKeys.all, 'business-profiles'] as const,
  activeNumbers: () => [...trustKeys.all, 'active-numbers'] as const,
};

/** Still moving at Twilio or in the workflow: worth polling. */
const RUNNING = new Set(['queued', 'running', 'submitting', 'in_review', 'needs_attention']);
export const isRunning = (status: string) => RUNNING.has(status);
const FINISHED = new Set(['completed', 'cancelled', 'failed']);
export const isFinished = (status: string) => FINISHED.has(status);
/** Every second while it moves; every few while it waits for the user (another tab or the API may act); never once finished. */
const pollWhileOpen = (status: string | undefined) => (!status || isFinished(status) ? false : isRunning(status) ? 1000 : 5000);

type Read<R> = (client: Client, signal: AbortSignal) => Promise<R>;

/** A product's first page (50, newest first), polled every 2 s while one of its items still moves. */
function useTrustList<R extends { data: { status: string }[] }>(queryKey: readonly unknown[], read: Read<R>) {
  const client = useTwilioProClient();
  return useQuery({
    queryKey,
    queryFn: ({ signal }) => read(client, signal),
    refetchInterval: (q) => (q.state.data?.data.some((item) => isRunning(item.status)) ? 2000 : false),
  });
}

/** One registration or verification, polled as `pollWhileOpen` says. */
function useTrustResource<R extends { status: string }>(queryKey: readonly unknown[], read: Read<R>) {
  const client = useTwilioProClient();
  return useQuery({
    queryKey,
    queryFn: ({ signal }) => read(client, signal),
    refetchInterval: (q) => pollWhileOpen(q.state.data?.status),
  });
}

export const useVoiceTrustList = () => useTrustList(trustKeys.voiceTrust(), (c, signal) => c.voiceTrust.list({ limit: 50 }, { signal }));
export const useVoiceTrustRegistration = (id: string) => useTrustResource(trustKeys.registration(id), (c, signal) => c.voiceTrust.get(id, { signal }));
export const useTollfreeList = () => useTrustList(trustKeys.tollfree(), (c, signal) => c.tollfree.list({ limit: 50 }, { signal }));
export const useTollfreeVerification = (id: string) => useTrustResource(trustKeys.verification(id), (c, signal) => c.tollfree.get(id, { signal }));

/** The tenant's customer profiles: the business profiles a voice trust registration can use. */
export function useCustomerProfiles() {
  const client = useTwilioProClient();
  return useQuery({
    queryKey: trustKeys.profiles(),
    queryFn: async ({ signal }) => (await client.a2p.listBusinessProfiles({ limit: 200 }, { signal })).data.filter((p) => p.kind === 'customer_profile'),
  });
}

const TOLL_FREE = /^\+18(00|33|44|55|66|77|88)\d{7}$/;

/** The tenant's active numbers split as the two products need them: local ones (voice trust) and toll-free ones. */
export function useActiveNumbers() {
  const client = useTwilioProClient();
  const q = useQuery({
    queryKey: trustKeys.activeNumbers(),
    queryFn: async ({ signal }) => (await client.numbers.list({ status: 'active', limit: 200 }, { signal })).data.map((n) => n.phoneNumber),
  });
  const all = q.data ?? [];
  return { ...q, local: all.filter((n) => !TOLL_FREE.test(n)), tollFree: all.filter((n) => TOLL_FREE.test(n)) };
}

/** A mutation that refreshes the whole tab once it has answered (the lists and the open resource change together). */
function useTrustMutation<V, R>(fn: (client: Client, vars: V) => Promise<R>) {
  const client = useTwilioProClient();
  const qc = useQueryClient();
  return useMutation<R, TwilioProError, V>({
    mutationFn: (vars) => fn(client, vars),
    onSettled: () => qc.invalidateQueries({ queryKey: trustKeys.all }),
  });
}

export const useStartVoiceTrust = () => useTrustMutation((c, draft: VoiceTrustDraft) => c.voiceTrust.start(draft));
export const useCorrectVoiceTrust = (id: string) => useTrustMutation((c, body: VoiceTrustCorrections) => c.voiceTrust.correct(id, body));
export const useCancelVoiceTrust = (id: string) => useTrustMutation((c, _: void) => c.voiceTrust.cancel(id));
export const useStartTollfree = () => useTrustMutation((c, draft: TollfreeDraft) => c.tollfree.start(draft));
export const useEditTollfree = (id: string) => useTrustMutation((c, body: TollfreeEdit) => c.tollfree.edit(id, body));
export const useCancelTollfree = (id: string) => useTrustMutation((c, _: void) => c.tollfree.cancel(id));

/**
 * Toll-free preflight as the user types: the draft is sent `debounceMs` after it stops changing; the last answer stays
 * shown while the next is fetched. The draft may be incomplete: the API answers a problem per missing field (or, before
 * it learnt to, a 400 whose `fields` name them — shown the same way by the form).
 */
export function useTollfreePreflight(draft: Record<string, unknown> | null, debounceMs = 400) {
  const client = useTwilioProClient();
  const settled = useDebouncedValue(draft, debounceMs);
  const q = useQuery<TollfreePreflight, TwilioProError>({
    queryKey: trustKeys.preflight(settled),
    queryFn: ({ signal }) => client.tollfree.preflight(settled as TollfreeDraft, { signal }),
    enabled: settled !== null,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
    retry: false,
  });
  return { result: q.data ?? null, error: q.error ?? null, isChecking: q.isFetching || settled !== draft };
}
