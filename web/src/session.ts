import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { useQuery } from '@tanstack/react-query';
import { queryKeys, useTwilioProClient } from '@twilio-pro/react';

/**
 * The console never keeps the API key. Signing in trades the pasted key for a session token
 * (POST /v1/sessions): it expires after an hour, ends at sign-out, dies with its key, and can't make keys
 * or other sessions — so what the browser holds is worth little to whoever might steal it.
 *
 * The token lives in session storage, not local storage: it goes with the tab (closing it forgets the token,
 * other tabs and windows never see it) instead of staying on disk for the next person at the browser. It
 * never goes into the URL, a cookie or a log; it is sent only as the Authorization header.
 */
const STORAGE_KEY = 'twilio-pro.session';

export interface ConsoleSession {
  token: string;
  /** ISO 8601: when the API stops taking the token. */
  expiresAt: string;
}

const listeners = new Set<() => void>();
/** Whether the last session ended on its own (expired or revoked elsewhere) rather than by signing out. */
let endedOnItsOwn = false;

const stored = (): string | null => sessionStorage.getItem(STORAGE_KEY);

function parse(raw: string | null): ConsoleSession | null {
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Partial<ConsoleSession>;
    return typeof s.token === 'string' && typeof s.expiresAt === 'string' ? { token: s.token, expiresAt: s.expiresAt } : null;
  } catch {
    return null;
  }
}

/** The token to send now, or null when signed out (the client reads it at every request). */
export const currentToken = (): string | null => parse(stored())?.token ?? null;

function save(session: ConsoleSession | null) {
  if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(STORAGE_KEY);
  listeners.forEach((l) => l());
}

/** The API refused the token (401): it expired, or it or its key was revoked. Back to the sign-in screen. */
export function sessionEnded() {
  if (!stored()) return;
  endedOnItsOwn = true;
  save(null);
}

export function useSession() {
  // The raw stored text is the snapshot: a string compares equal while nothing changed.
  const raw = useSyncExternalStore((l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  }, stored);
  const session = useMemo(() => parse(raw), [raw]);
  const signIn = useCallback((s: ConsoleSession) => {
    endedOnItsOwn = false;
    save(s);
  }, []);
  const signOut = useCallback(() => save(null), []);
  return { session, endedOnItsOwn: !session && endedOnItsOwn, signIn, signOut };
}

/** What an API key may do, least to most; each scope implies the ones before it. */
export type Scope = 'read' | 'write' | 'spend' | 'admin';

/**
 * The signed-in key as the API sees it (GET /v1/api-keys/current answers for the key a session acts as):
 * its scopes, listed in full, so the console offers only what the key may do. Until the answer comes,
 * nothing beyond reading is offered.
 */
export function useKeyScopes() {
  const client = useTwilioProClient();
  const current = useQuery({
    queryKey: [...queryKeys.all, 'api-key', 'current'],
    queryFn: ({ signal }) => client.apiKeys.current({ signal }),
    staleTime: 60_000,
  });
  const scopes = (current.data?.scopes ?? []) as Scope[];
  return { key: current.data ?? null, scopes, can: (scope: Scope) => scopes.includes(scope) };
}
