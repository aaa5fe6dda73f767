import { rootKey } from './calls.js';

/** Query keys, so an app can read, prefetch or invalidate what the hooks cache. */
export const queryKeys = {
  all: [rootKey] as const,
  numbers: (query?: unknown) => [rootKey, 'numbers', query ?? {}] as const,
  availableNumbers: (query: unknown) => [rootKey, 'available-numbers', query] as const,
  jobs: (query?: unknown) => [rootKey, 'jobs', query ?? {}] as const,
  job: (jobId: string) => [rootKey, 'job', jobId] as const,
  jobItems: (jobId: string, query?: unknown) => [rootKey, 'job', jobId, 'items', query ?? {}] as const,
  trunks: (query?: unknown) => [rootKey, 'trunks', query ?? {}] as const,
  trunk: (trunkSid: string) => [rootKey, 'trunk', trunkSid] as const,
  registrations: (query?: unknown) => [rootKey, 'registrations', query ?? {}] as const,
  registration: (id: string) => [rootKey, 'registration', id] as const,
  preflight: (draft: unknown) => [rootKey, 'preflight', draft] as const,
  brands: () => [rootKey, 'brands'] as const,
  businessProfiles: () => [rootKey, 'business-profiles'] as const,
  costs: (month?: string) => [rootKey, 'costs', month ?? 'current'] as const,
};
