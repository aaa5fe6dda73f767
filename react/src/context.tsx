import { createContext, useContext, useState, type ReactNode } from 'react';
import { QueryClient, QueryClientContext, QueryClientProvider } from '@tanstack/react-query';
import { createTwilioProClient, type TwilioProClient } from '@twilio-pro/client';

const ClientContext = createContext<TwilioProClient | null>(null);

export type TwilioProProviderProps = {
  children: ReactNode;
  /** Your app's QueryClient; default: the one already above in the tree, else a new one. */
  queryClient?: QueryClient;
} & ({ client: TwilioProClient } | { baseUrl: string; apiKey: string | (() => string | null | undefined) });

/**
 * Puts a twilio-pro client (and, when the app has none, a TanStack QueryClient) in reach of the hooks.
 * Give it `client`, or `baseUrl` + `apiKey` (a string, or a function returning the current key).
 */
export function TwilioProProvider(props: TwilioProProviderProps) {
  const outerQueryClient = useContext(QueryClientContext);
  const [ownQueryClient] = useState(() => props.queryClient ?? outerQueryClient ?? new QueryClient());
  const [ownClient] = useState(() => ('client' in props ? null : createTwilioProClient({ baseUrl: props.baseUrl, apiKey: props.apiKey })));
  const client = 'client' in props ? props.client : ownClient!;
  const inner = <ClientContext.Provider value={client}>{props.children}</ClientContext.Provider>;
  return ownQueryClient === outerQueryClient ? inner : <QueryClientProvider client={ownQueryClient}>{inner}</QueryClientProvider>;
}

/** The client the nearest TwilioProProvider holds. */
export function useTwilioProClient(): TwilioProClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('twilio-pro hooks need a <TwilioProProvider> above them');
  return client;
}
