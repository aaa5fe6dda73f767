import { useCallback, useSyncExternalStore } from 'react';

/**
 * The API key lives in session storage only: it goes with the tab, never into the URL, a cookie or a log,
 * and is sent only as the Authorization header.
 */
const KEY = 'twilio-pro.apiKey';
const listeners = new Set<() => void>();

export const currentApiKey = (): string | null => sessionStorage.getItem(KEY);

function setApiKey(key: string | null) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
  listeners.forEach((l) => l());
}

export function useSession() {
  const apiKey = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    currentApiKey,
  );
  return { apiKey, signIn: useCallback((k: string) => setApiKey(k), []), signOut: useCallback(() => setApiKey(null), []) };
}
