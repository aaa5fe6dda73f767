import { useCallback } from 'react';
import { useIsMutating, useMutation } from '@tanstack/react-query';
import type { TwilioProError } from '@twilio-pro/client';

/** Every query and mutation key of these hooks starts with this, so an app can invalidate them all at once. */
export const rootKey = 'twilio-pro' as const;

/**
 * One of a hook's imperative calls (the seed's `searchNumbers(...)`, `createTrunk(...)`, …) as a TanStack
 * mutation: it returns a promise, and the hook reads its own pending state and error from it.
 */
export function useCall<Args extends unknown[], R>(hook: string, name: string, fn: (...args: Args) => Promise<R>, onSuccess?: (result: R) => unknown) {
  const m = useMutation<R, TwilioProError, Args>({
    mutationKey: [rootKey, hook, name],
    mutationFn: (args) => fn(...args),
    onSuccess: onSuccess ? (r) => onSuccess(r) : undefined,
  });
  const { mutateAsync } = m;
  const call = useCallback((...args: Args) => mutateAsync(args), [mutateAsync]);
  return [call, m] as const;
}

/** What a hook reads of each of its calls. */
export interface CallResult {
  submittedAt: number;
  error: TwilioProError | null;
}

/** `isLoading`: any call of the hook in flight; `error`: the error of the hook's latest call, null if it succeeded. */
export function useHookState<K extends string>(hook: string, calls: Record<K, CallResult>) {
  const inFlight = useIsMutating({ mutationKey: [rootKey, hook] });
  const latest = (Object.values(calls) as CallResult[]).reduce<CallResult | null>(
    (a, m) => (m.submittedAt > (a?.submittedAt ?? 0) ? m : a),
    null,
  );
  const errors = Object.fromEntries((Object.entries(calls) as [K, CallResult][]).map(([k, m]) => [k, m.error ?? null])) as Record<K, TwilioProError | null>;
  return { isLoading: inFlight > 0, error: latest?.error ?? null, errors };
}
