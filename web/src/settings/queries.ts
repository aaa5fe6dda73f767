import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createTwilioProClient, type QueryOf, type RequestBody, type ResponseOf, type TwilioProError } from '@twilio-pro/client';
import { queryKeys, useTwilioProClient } from '@twilio-pro/react';

export type ApiKey = ResponseOf<'/v1/api-keys', 'get'>['data'][number];
export type NewApiKey = RequestBody<'/v1/api-keys', 'post'>;
export type CreatedApiKey = ResponseOf<'/v1/api-keys', 'post', 201>;
export type WebhookEndpoint = ResponseOf<'/v1/webhook-endpoints', 'get'>['data'][number];
export type Delivery = ResponseOf<'/v1/webhook-endpoints/{endpointId}/deliveries', 'get'>['data'][number];
export type DeliveryStatus = Delivery['status'];
export type AuditEvent = ResponseOf<'/v1/audit', 'get'>['data'][number];
export type AuditFilters = Pick<QueryOf<'/v1/audit', 'get'>, 'action' | 'resourceSid' | 'since' | 'until'>;
type EventType = NonNullable<RequestBody<'/v1/webhook-endpoints', 'post'>['eventTypes']>[number];

/** The event types an endpoint may ask for (db/platform/webhooks.ts); the check below fails the build if the API adds one. */
export const EVENT_TYPES = [
  'job.finished',
  'registration.status_changed',
  'trunk.operation_succeeded',
  'trunk.operation_rolled_back',
  'trunk.operation_failed',
  'number.quarantined',
  'number.restored',
  'number.rotated',
  'account.credentials_invalid',
] as const satisfies readonly EventType[];
const everyEventTypeListed: Exclude<EventType, (typeof EVENT_TYPES)[number]> extends never ? true : never = true;
void everyEventTypeListed;

/** Everything this tab caches sits under one key: any change here (a key, an endpoint) refreshes the audit trail too. */
const settingsKey = [...queryKeys.all, 'settings'] as const;
const keysKey = [...settingsKey, 'api-keys'] as const;
const endpointsKey = [...settingsKey, 'webhook-endpoints'] as const;

function useInvalidateSettings() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: settingsKey });
}

/** GET /v1/api-keys needs admin: asked only when the signed-in key has it. */
export function useApiKeys(enabled: boolean) {
  const client = useTwilioProClient();
  return useQuery({ queryKey: keysKey, queryFn: ({ signal }) => client.apiKeys.list({ signal }), enabled });
}

export function useRevokeKey() {
  const client = useTwilioProClient();
  const invalidate = useInvalidateSettings();
  return useMutation<ApiKey, TwilioProError, string>({ mutationFn: (id) => client.apiKeys.revoke(id), onSuccess: invalidate });
}

/**
 * POST /v1/api-keys refuses session tokens (a stolen console session must not mint keys that outlive it), so the
 * call is made with an admin API key the user types for it: used for this one request, never kept. Without one,
 * the call goes with the session and the API says why it can't (403 api_key_required).
 * Not a useMutation: its cache would hold the typed key as the mutation's variables.
 */
export function useCreateKey() {
  const session = useTwilioProClient();
  const invalidate = useInvalidateSettings();
  return async (body: NewApiKey, adminKey: string): Promise<CreatedApiKey> => {
    const client = adminKey.trim() ? createTwilioProClient({ baseUrl: window.location.origin, apiKey: adminKey.trim() }) : session;
    const created = await client.apiKeys.create(body);
    void invalidate();
    return created;
  };
}

export function useWebhookEndpoints() {
  const client = useTwilioProClient();
  return useQuery({ queryKey: endpointsKey, queryFn: ({ signal }) => client.webhookEndpoints.list({ signal }) });
}

export function useCreateEndpoint() {
  const client = useTwilioProClient();
  const invalidate = useInvalidateSettings();
  return useMutation<ResponseOf<'/v1/webhook-endpoints', 'post', 201>, TwilioProError, { url: string; eventTypes: EventType[] }>({
    mutationFn: (body) => client.webhookEndpoints.create(body),
    onSuccess: invalidate,
    gcTime: 0, // the answer holds the secret: gone as soon as nothing shows it
  });
}

export function useDeleteEndpoint() {
  const client = useTwilioProClient();
  const invalidate = useInvalidateSettings();
  return useMutation<WebhookEndpoint, TwilioProError, string>({ mutationFn: (id) => client.webhookEndpoints.delete(id), onSuccess: invalidate });
}

/** An endpoint's delivery log, newest first, a page at a time; re-read every few seconds while a delivery is pending. */
export function useDeliveries(endpointId: string, status: DeliveryStatus | '') {
  const client = useTwilioProClient();
  return useInfiniteQuery({
    queryKey: [...endpointsKey, endpointId, 'deliveries', status],
    queryFn: ({ pageParam, signal }) =>
      client.webhookEndpoints.deliveries(endpointId, { limit: 25, ...(status ? { status } : {}), ...(pageParam ? { cursor: pageParam } : {}) }, { signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.nextCursor ?? undefined,
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.data.some((d) => d.status === 'pending')) ? 3000 : false),
  });
}

export function useResendDelivery(endpointId: string) {
  const client = useTwilioProClient();
  const invalidate = useInvalidateSettings();
  return useMutation<unknown, TwilioProError, string>({ mutationFn: (deliveryId) => client.webhookEndpoints.resend(endpointId, deliveryId), onSuccess: invalidate });
}

/** The audit trail under the filters applied, newest first, a page at a time. */
export function useAuditTrail(filters: AuditFilters) {
  const client = useTwilioProClient();
  return useInfiniteQuery({
    queryKey: [...settingsKey, 'audit', filters],
    queryFn: ({ pageParam, signal }) => client.audit.list({ limit: 25, ...filters, ...(pageParam ? { cursor: pageParam } : {}) }, { signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.nextCursor ?? undefined,
  });
}

export type Account = ResponseOf<'/v1/account', 'get'>;
export type AccountCredentials = RequestBody<'/v1/account/credentials', 'put'>;
const accountKey = [...settingsKey, 'account'] as const;

/** The tenant and the Twilio account its work runs under; re-read every 30 s, so a paused account shows. */
export function useAccount() {
  const client = useTwilioProClient();
  return useQuery({ queryKey: accountKey, queryFn: ({ signal }) => client.account.get({ signal }), refetchInterval: 30_000 });
}

/**
 * PUT /v1/account/credentials. Not a useMutation: its cache would hold the auth token or key secret as the
 * mutation's variables for as long as the tab lives.
 */
export function useSetCredentials() {
  const client = useTwilioProClient();
  const invalidate = useInvalidateSettings();
  return async (body: AccountCredentials): Promise<Account> => {
    const account = await client.account.setCredentials(body);
    void invalidate();
    return account;
  };
}
