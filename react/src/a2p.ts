import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  isRegistrationSettled,
  type PreflightResult,
  type QueryOf,
  type Registration,
  type RegistrationCorrections,
  type RegistrationDraft,
  type RequestBody,
  type TwilioProClient,
  type TwilioProError,
} from '@twilio-pro/client';
import { useCall, useHookState } from './calls.js';
import { useTwilioProClient } from './context.js';
import { useDebouncedValue } from './debounce.js';
import { queryKeys } from './keys.js';

/** A number as the caller has it (E.164, or the PN SID Twilio gave it) as the E.164 the API takes. */
async function toE164(client: TwilioProClient, phoneNumberOrSid: string): Promise<string> {
  if (!/^PN[0-9a-fA-F]{32}$/.test(phoneNumberOrSid)) return phoneNumberOrSid;
  for await (const n of client.numbers.iterate({ status: 'active' })) if (n.twilioSid === phoneNumberOrSid) return n.phoneNumber;
  return phoneNumberOrSid; // the API answers with the error that names it
}

async function allOf<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const x of pages) all.push(x);
  return all;
}

/**
 * The seed's A2P 10DLC calls, one Twilio resource at a time, plus the whole chain as one durable
 * registration (`preflight`, `startRegistration`, `correctRegistration`, `cancelRegistration`).
 */
export function useTwilioA2PRegistration() {
  const client = useTwilioProClient();
  const qc = useQueryClient();
  const a2p = client.a2p;
  const refresh = (key: readonly unknown[]) => () => qc.invalidateQueries({ queryKey: key });

  const [createBusinessProfile, createProfile] = useCall(
    'a2p',
    'createBusinessProfile',
    (profileData: RequestBody<'/v1/a2p/business-profiles', 'post'>) => a2p.createBusinessProfile(profileData),
    refresh(queryKeys.businessProfiles()),
  );
  const [submitBusinessProfile, submitProfile] = useCall('a2p', 'submitBusinessProfile', (customerProfileSid: string) => a2p.submitBusinessProfile(customerProfileSid));
  const [registerBrand, brand] = useCall('a2p', 'registerBrand', (brandData: RequestBody<'/v1/a2p/brands', 'post'>) => a2p.registerBrand(brandData), refresh(queryKeys.brands()));
  const [createCampaign, campaign] = useCall('a2p', 'createCampaign', (campaignData: RequestBody<'/v1/a2p/campaigns', 'post'>) => a2p.createCampaign(campaignData));
  const [listBusinessProfiles, profiles] = useCall('a2p', 'listBusinessProfiles', () =>
    allOf(client.eachItem((cursor) => a2p.listBusinessProfiles(cursor ? { cursor } : {}))),
  );
  const [listBrands, brands] = useCall('a2p', 'listBrands', () => allOf(client.eachItem((cursor) => a2p.listBrands(cursor ? { cursor } : {}))));
  const [getBrandStatus, brandStatus] = useCall('a2p', 'getBrandStatus', (brandSid: string) => a2p.getBrandStatus(brandSid));
  const [assignNumberToCampaign, assign] = useCall('a2p', 'assignNumberToCampaign', async (phoneNumberSid: string, messagingServiceSid: string) =>
    a2p.assignNumbersToCampaign(messagingServiceSid, [await toE164(client, phoneNumberSid)]),
  );
  const [preflight, check] = useCall('a2p', 'preflight', (draft: RegistrationDraft) => client.registrations.preflight(draft));
  const [startRegistration, start] = useCall(
    'a2p',
    'startRegistration',
    (draft: RegistrationDraft, idempotencyKey?: string) => client.registrations.start(draft, idempotencyKey ? { idempotencyKey } : {}),
    refresh(queryKeys.registrations().slice(0, 2)),
  );
  const [correctRegistration, correct] = useCall(
    'a2p',
    'correctRegistration',
    (registrationId: string, corrections: RegistrationCorrections) => client.registrations.correct(registrationId, corrections),
    refresh(queryKeys.registrations().slice(0, 2)),
  );
  const [cancelRegistration, cancel] = useCall('a2p', 'cancelRegistration', (registrationId: string) => client.registrations.cancel(registrationId));

  const state = useHookState('a2p', {
    createBusinessProfile: createProfile,
    submitBusinessProfile: submitProfile,
    registerBrand: brand,
    createCampaign: campaign,
    listBusinessProfiles: profiles,
    listBrands: brands,
    getBrandStatus: brandStatus,
    assignNumberToCampaign: assign,
    preflight: check,
    startRegistration: start,
    correctRegistration: correct,
    cancelRegistration: cancel,
  });
  return {
    createBusinessProfile,
    submitBusinessProfile,
    registerBrand,
    createCampaign,
    listBusinessProfiles,
    listBrands,
    getBrandStatus,
    assignNumberToCampaign,
    preflight,
    startRegistration,
    correctRegistration,
    cancelRegistration,
    ...state,
  };
}

/**
 * A registration, live: its status, current step, timeline and the action it needs from you. Re-read every
 * `intervalMs` (default 2 s) until it ends or waits for you; `correct` and `cancel` act on it.
 */
export function useRegistration(registrationId: string | null | undefined, opts: { intervalMs?: number } = {}) {
  const client = useTwilioProClient();
  const qc = useQueryClient();
  const key = queryKeys.registration(registrationId ?? '');
  const q = useQuery<Registration, TwilioProError>({
    queryKey: key,
    queryFn: ({ signal }) => client.registrations.get(registrationId!, { signal }),
    enabled: !!registrationId,
    // Waiting for the customer (OTP, Authentication+) moves on without us: keep reading, so the page sees it.
    refetchInterval: (query) =>
      query.state.data && isRegistrationSettled(query.state.data) && query.state.data.status !== 'waiting_for_customer' ? false : (opts.intervalMs ?? 2000),
  });
  const resend = useMutation<unknown, TwilioProError, void>({
    mutationFn: () => client.registrations.resendVerification(registrationId!),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
  const correct = useMutation<unknown, TwilioProError, RegistrationCorrections>({
    mutationFn: (c) => client.registrations.correct(registrationId!, c),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
  const cancel = useMutation<unknown, TwilioProError, void>({
    mutationFn: () => client.registrations.cancel(registrationId!),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
  return {
    registration: q.data ?? null,
    timeline: q.data?.timeline ?? [],
    actionRequired: q.data?.actionRequired ?? null,
    /** While waiting_for_customer: what the customer must do (the OTP reply, the Authentication+ e-mail) and until when. */
    customerAction: q.data?.customerAction ?? null,
    isSettled: q.data ? isRegistrationSettled(q.data) : false,
    isLoading: q.isLoading,
    error: q.error ?? null,
    correct: (c: RegistrationCorrections) => correct.mutateAsync(c),
    correctError: correct.error ?? null,
    isCorrecting: correct.isPending,
    cancel: () => cancel.mutateAsync(),
    cancelError: cancel.error ?? null,
    /** Sends the OTP or the Authentication+ e-mail again. */
    resendVerification: () => resend.mutateAsync(),
    resendError: resend.error ?? null,
    isResending: resend.isPending,
  };
}

/** The tenant's registrations, one page, newest first, refreshed every `intervalMs` (default 5 s). */
export function useRegistrations(query: QueryOf<'/v1/a2p/registrations', 'get'> = {}, opts: { intervalMs?: number | false } = {}) {
  const client = useTwilioProClient();
  return useQuery({
    queryKey: queryKeys.registrations(query),
    queryFn: ({ signal }) => client.registrations.list(query, { signal }),
    refetchInterval: opts.intervalMs ?? 5000,
  });
}

/**
 * Preflight as the user types: the draft is checked `debounceMs` (default 400) after it stops changing;
 * the last result stays shown while the next is fetched. `problems` carry the field each is about.
 */
export function usePreflight(draft: RegistrationDraft | null, opts: { debounceMs?: number } = {}) {
  const client = useTwilioProClient();
  const settled = useDebouncedValue(draft, opts.debounceMs ?? 400);
  const q = useQuery<PreflightResult, TwilioProError>({
    queryKey: queryKeys.preflight(settled),
    queryFn: ({ signal }) => client.registrations.preflight(settled!, { signal }),
    enabled: settled !== null,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
    retry: false,
  });
  return {
    result: q.data ?? null,
    problems: q.data?.problems ?? [],
    warnings: q.data?.warnings ?? [],
    cost: q.data?.cost ?? null,
    /** The draft has changed since the result shown. */
    isChecking: q.isFetching || settled !== draft,
    error: q.error ?? null,
  };
}
