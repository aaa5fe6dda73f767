import { useQuery } from '@tanstack/react-query';

export interface ConsoleConfig {
  /** The Temporal Web UI, when the operator gave one; each job links to its workflow there. */
  temporalUiUrl: string | null;
  temporalNamespace: string;
}

export function useConsoleConfig() {
  return useQuery<ConsoleConfig>({
    queryKey: ['console-config'],
    queryFn: async () => (await fetch('/console/config.json')).json() as Promise<ConsoleConfig>,
    staleTime: Infinity,
  });
}

/** The Temporal UI's workflow list filtered to this workflow id (its runs, one click from the history). */
export const temporalLink = (c: ConsoleConfig | undefined, workflowId: string) =>
  c?.temporalUiUrl
    ? `${c.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(c.temporalNamespace)}/workflows?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`
    : null;
