/**
 * @twilio-pro/client: the twilio-pro API as typed functions. The types are generated from the API's own
 * OpenAPI document (`openapi.ts`); requests go through openapi-fetch, a tiny typed wrapper over `fetch`,
 * so it runs unchanged in Node ≥ 18 and in browsers.
 */
import createFetchClient from 'openapi-fetch';
import type { paths } from './openapi.js';
import { TwilioProError } from './errors.js';
import { eachItem } from './paging.js';
import { pollUntil, type WaitOptions } from './wait.js';

export type { paths } from './openapi.js';
export { TwilioProError, type ApiErrorBody } from './errors.js';
export type { Page } from './paging.js';
export type { WaitOptions } from './wait.js';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Operation<P extends keyof paths, M extends keyof paths[P]> = paths[P][M];
/** The JSON body an operation takes, e.g. `RequestBody<'/v1/jobs/bulk-buy', 'post'>`. */
export type RequestBody<P extends keyof paths, M extends keyof paths[P]> =
  Operation<P, M> extends { requestBody?: infer R } ? Json<NonNullable<R>> : never;
/** The query parameters an operation takes. */
export type QueryOf<P extends keyof paths, M extends keyof paths[P]> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
/** What an operation answers with a given status (200 by default). */
export type ResponseOf<P extends keyof paths, M extends keyof paths[P], S extends number = 200> =
  Operation<P, M> extends { responses: infer R } ? (S extends keyof R ? Json<R[S]> : never) : never;

export type AvailableNumber = ResponseOf<'/v1/available-numbers', 'get'>['data'][number];
export type PhoneNumber = ResponseOf<'/v1/numbers/{phoneNumber}', 'get'>;
export type Job = ResponseOf<'/v1/jobs/{jobId}', 'get'>;
export type JobItem = ResponseOf<'/v1/jobs/{jobId}/items', 'get'>['data'][number];
export type RegistrationDraft = RequestBody<'/v1/a2p/registrations', 'post'>;
export type PreflightResult = ResponseOf<'/v1/a2p/preflight', 'post'>;
export type Registration = ResponseOf<'/v1/a2p/registrations/{registrationId}', 'get'>;
export type RegistrationCorrections = RequestBody<'/v1/a2p/registrations/{registrationId}/corrections', 'post'>;
export type Trunk = ResponseOf<'/v1/sip/trunks/{trunkSid}', 'get'>;
export type TrunkRequest = RequestBody<'/v1/sip/trunks', 'post'>;
export type TrunkChange = RequestBody<'/v1/sip/trunks/{trunkSid}', 'patch'>;
export type HealthFinding = Trunk['health'][number];
export type NumberHealth = ResponseOf<'/v1/number-health/{phoneNumber}', 'get'>;
export type NumberHealthQuery = QueryOf<'/v1/number-health', 'get'>;
export type NumberHealthSummary = ResponseOf<'/v1/number-health/summary', 'get'>;
export type CallOutcome = ResponseOf<'/v1/number-health/{phoneNumber}/outcomes', 'get'>['data'][number];
export type HygienePolicy = ResponseOf<'/v1/number-health/policy', 'get'>;
export type Costs = ResponseOf<'/v1/costs', 'get'>;
export type Account = ResponseOf<'/v1/account', 'get'>;
export type TollfreeDraft = RequestBody<'/v1/tollfree/verifications', 'post'>;
export type TollfreePreflightResult = ResponseOf<'/v1/tollfree/preflight', 'post'>;
/** A draft being filled in: any field may still be missing (what preflight takes). */
export type PartialDraft<T> = T extends readonly (infer U)[] ? PartialDraft<U>[] : T extends object ? { [K in keyof T]?: PartialDraft<T[K]> } : T;

export interface TwilioProClientOptions {
  /** Where the API is, e.g. "http://127.0.0.1:3000" (no trailing /v1). */
  baseUrl: string;
  /**
   * The tenant's API key or a session token from `sessions.create`, or a function that returns the current
   * one (a console that signs in and out).
   */
  apiKey: string | (() => string | null | undefined);
  /** Another fetch (tests, proxies); default: the global one. */
  fetch?: typeof globalThis.fetch;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

/** Per call: an Idempotency-Key, so a retried call joins the first one instead of repeating it; and cancellation. */
export interface CallOptions {
  idempotencyKey?: string;
  signal?: AbortSignal;
}

const jobFinished = (j: Job) => ['succeeded', 'partial', 'cancelled', 'failed'].includes(j.status);
/** A registration stops moving on its own when it ends, or when it waits for someone (corrections, a fee approval, the customer's OTP or Authentication+). */
const registrationSettled = (r: Registration) => ['completed', 'failed', 'cancelled', 'action_required', 'needs_attention', 'waiting_for_customer'].includes(r.status);
const trunkSettled = (t: Trunk) => ['active', 'deleted', 'failed'].includes(t.status) && !['queued', 'running', 'rolling_back'].includes(t.operation?.status ?? '');

export type TwilioProClient = ReturnType<typeof createTwilioProClient>;

export function createTwilioProClient(options: TwilioProClientOptions) {
  const apiKey = typeof options.apiKey === 'function' ? options.apiKey : () => options.apiKey as string;
  const fetchImpl = options.fetch ?? ((input: Request) => globalThis.fetch(input));
  const raw = createFetchClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: options.headers,
    // Every failure to get an answer at all is one typed error, like the API's own.
    fetch: async (request: Request) => {
      try {
        return await fetchImpl(request);
      } catch (err) {
        if ((err as Error)?.name === 'AbortError') throw err;
        throw TwilioProError.network(err);
      }
    },
  });
  raw.use({
    onRequest({ request }) {
      const key = apiKey();
      if (key) request.headers.set('authorization', `Bearer ${key}`);
      return request;
    },
  });

  /** The answer's body, or the API's error as a TwilioProError. */
  async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<NonNullable<T>> {
    const { data, error, response } = await call;
    if (!response.ok) throw TwilioProError.fromResponse(response, error);
    return data as NonNullable<T>;
  }
  const idem = (o?: CallOptions) => (o?.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {});

  const numbers = {
    /** search_numbers: Twilio's inventory. */
    search: (query: QueryOf<'/v1/available-numbers', 'get'>, o?: CallOptions) =>
      unwrap(raw.GET('/v1/available-numbers', { params: { query }, signal: o?.signal })),
    list: (query: QueryOf<'/v1/numbers', 'get'> = {}, o?: CallOptions) => unwrap(raw.GET('/v1/numbers', { params: { query }, signal: o?.signal })),
    iterate: (query: Omit<QueryOf<'/v1/numbers', 'get'>, 'cursor'> = {}) => eachItem((cursor) => numbers.list({ ...query, cursor })),
    /** By E.164 or PN SID. */
    get: (phoneNumber: string, o?: CallOptions) =>
      unwrap(raw.GET('/v1/numbers/{phoneNumber}', { params: { path: { phoneNumber } }, signal: o?.signal })),
    /** buy_number: 201 with the number, or 202 while the purchase is still settling. */
    buy: (body: RequestBody<'/v1/numbers', 'post'>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/numbers', { body, params: { header: idem(o) }, signal: o?.signal })),
    /** configure_number. */
    configure: (phoneNumber: string, body: RequestBody<'/v1/numbers/{phoneNumber}', 'patch'>, o?: CallOptions) =>
      unwrap(raw.PATCH('/v1/numbers/{phoneNumber}', { params: { path: { phoneNumber } }, body, signal: o?.signal })),
    /** release_number. */
    release: (phoneNumber: string, o?: CallOptions) =>
      unwrap(raw.DELETE('/v1/numbers/{phoneNumber}', { params: { path: { phoneNumber } }, signal: o?.signal })),
  };

  const jobs = {
    /** bulk_buy: a durable job; follow it with `get` or `waitFor`. The Idempotency-Key goes in the body. */
    bulkBuy: (body: RequestBody<'/v1/jobs/bulk-buy', 'post'>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/jobs/bulk-buy', { body: o?.idempotencyKey ? { ...body, idempotencyKey: o.idempotencyKey } : body, signal: o?.signal })),
    /** bulk_release. */
    bulkRelease: (body: RequestBody<'/v1/jobs/bulk-release', 'post'>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/jobs/bulk-release', { body: o?.idempotencyKey ? { ...body, idempotencyKey: o.idempotencyKey } : body, signal: o?.signal })),
    /** A Lookup v2 pass over a list of numbers; the answers are then read with `lookups.get` from the cache at no cost. */
    bulkLookup: (body: RequestBody<'/v1/jobs/bulk-lookup', 'post'>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/jobs/bulk-lookup', { body: o?.idempotencyKey ? { ...body, idempotencyKey: o.idempotencyKey } : body, signal: o?.signal })),
    list: (query: QueryOf<'/v1/jobs', 'get'> = {}, o?: CallOptions) => unwrap(raw.GET('/v1/jobs', { params: { query }, signal: o?.signal })),
    iterate: (query: Omit<QueryOf<'/v1/jobs', 'get'>, 'cursor'> = {}) => eachItem((cursor) => jobs.list({ ...query, cursor })),
    get: (jobId: string, o?: CallOptions) => unwrap(raw.GET('/v1/jobs/{jobId}', { params: { path: { jobId } }, signal: o?.signal })),
    items: (jobId: string, query: QueryOf<'/v1/jobs/{jobId}/items', 'get'> = {}, o?: CallOptions) =>
      unwrap(raw.GET('/v1/jobs/{jobId}/items', { params: { path: { jobId }, query }, signal: o?.signal })),
    iterateItems: (jobId: string, query: Omit<QueryOf<'/v1/jobs/{jobId}/items', 'get'>, 'cursor'> = {}) =>
      eachItem((cursor) => jobs.items(jobId, { ...query, cursor })),
    cancel: (jobId: string, o?: CallOptions) => unwrap(raw.POST('/v1/jobs/{jobId}/cancel', { params: { path: { jobId } }, signal: o?.signal })),
  };

  const registrations = {
    /** Checks a draft: problems per field and the fees, before anything is spent. */
    preflight: (draft: RegistrationDraft, o?: CallOptions) => unwrap(raw.POST('/v1/a2p/preflight', { body: draft, signal: o?.signal })),
    /** The whole ISV chain (profile → trust product → brand → campaign → numbers) as one durable registration. */
    start: (draft: RegistrationDraft, o?: CallOptions) =>
      unwrap(raw.POST('/v1/a2p/registrations', { body: draft, params: { header: idem(o) }, signal: o?.signal })),
    list: (query: QueryOf<'/v1/a2p/registrations', 'get'> = {}, o?: CallOptions) =>
      unwrap(raw.GET('/v1/a2p/registrations', { params: { query }, signal: o?.signal })),
    iterate: (query: Omit<QueryOf<'/v1/a2p/registrations', 'get'>, 'cursor'> = {}) => eachItem((cursor) => registrations.list({ ...query, cursor })),
    get: (registrationId: string, o?: CallOptions) =>
      unwrap(raw.GET('/v1/a2p/registrations/{registrationId}', { params: { path: { registrationId } }, signal: o?.signal })),
    correct: (registrationId: string, body: RegistrationCorrections, o?: CallOptions) =>
      unwrap(raw.POST('/v1/a2p/registrations/{registrationId}/corrections', { params: { path: { registrationId } }, body, signal: o?.signal })),
    /** While waiting_for_customer: the Sole Proprietor's OTP or the Authentication+ e-mail, sent again. */
    resendVerification: (registrationId: string, o?: CallOptions) =>
      unwrap(raw.POST('/v1/a2p/registrations/{registrationId}/verification/resend', { params: { path: { registrationId } }, signal: o?.signal })),
    cancel: (registrationId: string, o?: CallOptions) =>
      unwrap(raw.POST('/v1/a2p/registrations/{registrationId}/cancel', { params: { path: { registrationId } }, signal: o?.signal })),
  };

  /** The seed's single A2P actions, one Twilio resource at a time. */
  const a2p = {
    registrations,
    createBusinessProfile: (body: RequestBody<'/v1/a2p/business-profiles', 'post'>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/a2p/business-profiles', { body, params: { header: idem(o) }, signal: o?.signal })),
    listBusinessProfiles: (query: QueryOf<'/v1/a2p/business-profiles', 'get'> = {}, o?: CallOptions) =>
      unwrap(raw.GET('/v1/a2p/business-profiles', { params: { query }, signal: o?.signal })),
    getBusinessProfile: (sid: string, o?: CallOptions) => unwrap(raw.GET('/v1/a2p/business-profiles/{sid}', { params: { path: { sid } }, signal: o?.signal })),
    submitBusinessProfile: (sid: string, o?: CallOptions) =>
      unwrap(raw.POST('/v1/a2p/business-profiles/{sid}/submit', { params: { path: { sid } }, signal: o?.signal })),
    registerBrand: (body: RequestBody<'/v1/a2p/brands', 'post'>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/a2p/brands', { body, params: { header: idem(o) }, signal: o?.signal })),
    listBrands: (query: QueryOf<'/v1/a2p/brands', 'get'> = {}, o?: CallOptions) => unwrap(raw.GET('/v1/a2p/brands', { params: { query }, signal: o?.signal })),
    getBrandStatus: (sid: string, o?: CallOptions) => unwrap(raw.GET('/v1/a2p/brands/{sid}', { params: { path: { sid } }, signal: o?.signal })),
    createCampaign: (body: RequestBody<'/v1/a2p/campaigns', 'post'>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/a2p/campaigns', { body, params: { header: idem(o) }, signal: o?.signal })),
    listCampaigns: (query: QueryOf<'/v1/a2p/campaigns', 'get'> = {}, o?: CallOptions) =>
      unwrap(raw.GET('/v1/a2p/campaigns', { params: { query }, signal: o?.signal })),
    getCampaign: (sid: string, o?: CallOptions) => unwrap(raw.GET('/v1/a2p/campaigns/{sid}', { params: { path: { sid } }, signal: o?.signal })),
    /** assign_number_to_campaign: by the campaign's Messaging Service (MG) SID. */
    assignNumbersToCampaign: (messagingServiceSid: string, phoneNumbers: string[], o?: CallOptions) =>
      unwrap(raw.POST('/v1/a2p/campaigns/{sid}/phone-numbers', { params: { path: { sid: messagingServiceSid } }, body: { phoneNumbers }, signal: o?.signal })),
  };

  const trunks = {
    /** create_trunk: the whole desired state at once; a saga that rolls back on failure. */
    create: (body: TrunkRequest, o?: CallOptions) => unwrap(raw.POST('/v1/sip/trunks', { body, params: { header: idem(o) }, signal: o?.signal })),
    list: (query: QueryOf<'/v1/sip/trunks', 'get'> = {}, o?: CallOptions) => unwrap(raw.GET('/v1/sip/trunks', { params: { query }, signal: o?.signal })),
    iterate: (query: Omit<QueryOf<'/v1/sip/trunks', 'get'>, 'cursor'> = {}) => eachItem((cursor) => trunks.list({ ...query, cursor })),
    /** By TK SID, or by the API's trunk id before Twilio has a SID for it. */
    get: (trunkSid: string, query: QueryOf<'/v1/sip/trunks/{trunkSid}', 'get'> = {}, o?: CallOptions) =>
      unwrap(raw.GET('/v1/sip/trunks/{trunkSid}', { params: { path: { trunkSid }, query }, signal: o?.signal })),
    configure: (trunkSid: string, body: TrunkChange, o?: CallOptions) =>
      unwrap(raw.PATCH('/v1/sip/trunks/{trunkSid}', { params: { path: { trunkSid } }, body, signal: o?.signal })),
    delete: (trunkSid: string, o?: CallOptions) => unwrap(raw.DELETE('/v1/sip/trunks/{trunkSid}', { params: { path: { trunkSid } }, signal: o?.signal })),
    addOriginationUri: (trunkSid: string, body: RequestBody<'/v1/sip/trunks/{trunkSid}/origination-uris', 'post'>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/sip/trunks/{trunkSid}/origination-uris', { params: { path: { trunkSid } }, body, signal: o?.signal })),
    removeOriginationUri: (trunkSid: string, sid: string, o?: CallOptions) =>
      unwrap(raw.DELETE('/v1/sip/trunks/{trunkSid}/origination-uris/{sid}', { params: { path: { trunkSid, sid } }, signal: o?.signal })),
    addPhoneNumbers: (trunkSid: string, body: RequestBody<'/v1/sip/trunks/{trunkSid}/phone-numbers', 'post'>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/sip/trunks/{trunkSid}/phone-numbers', { params: { path: { trunkSid } }, body, signal: o?.signal })),
    listPhoneNumbers: (trunkSid: string, o?: CallOptions) =>
      unwrap(raw.GET('/v1/sip/trunks/{trunkSid}/phone-numbers', { params: { path: { trunkSid } }, signal: o?.signal })),
    removePhoneNumber: (trunkSid: string, number: string, o?: CallOptions) =>
      unwrap(raw.DELETE('/v1/sip/trunks/{trunkSid}/phone-numbers/{number}', { params: { path: { trunkSid, number } }, signal: o?.signal })),
  };

  const apiKeys = {
    create: (body: RequestBody<'/v1/api-keys', 'post'>, o?: CallOptions) => unwrap(raw.POST('/v1/api-keys', { body, signal: o?.signal })),
    list: (o?: CallOptions) => unwrap(raw.GET('/v1/api-keys', { signal: o?.signal })),
    /** The key making the call: its scopes and expiry (any key may ask), to offer only what it may do. */
    current: (o?: CallOptions) => unwrap(raw.GET('/v1/api-keys/current', { signal: o?.signal })),
    revoke: (keyId: string, o?: CallOptions) => unwrap(raw.DELETE('/v1/api-keys/{keyId}', { params: { path: { keyId } }, signal: o?.signal })),
  };

  /** Console sessions: a short-lived token that acts as the key that made it, so a browser never keeps the key. */
  const sessions = {
    /** Trades the API key for a session token (`tps_…`, in this answer only); a session token can't make another (403 api_key_required). */
    create: (body: RequestBody<'/v1/sessions', 'post'> = {}, o?: CallOptions) => unwrap(raw.POST('/v1/sessions', { body, signal: o?.signal })),
    /** Ends the session token making the call (sign-out): refused (401) from the next request on. */
    revoke: (o?: CallOptions) => unwrap(raw.DELETE('/v1/sessions/current', { signal: o?.signal })),
  };

  const audit = {
    list: (query: QueryOf<'/v1/audit', 'get'> = {}, o?: CallOptions) => unwrap(raw.GET('/v1/audit', { params: { query }, signal: o?.signal })),
    iterate: (query: Omit<QueryOf<'/v1/audit', 'get'>, 'cursor'> = {}) => eachItem((cursor) => audit.list({ ...query, cursor })),
  };

  const lookups = {
    /** Lookup v2 for one number: validation and the packages in `fields`, cached per tenant (see maxAgeHours). */
    get: (phoneNumber: string, query: QueryOf<'/v1/lookups/{phoneNumber}', 'get'> = {}, o?: CallOptions) =>
      unwrap(raw.GET('/v1/lookups/{phoneNumber}', { params: { path: { phoneNumber }, query }, signal: o?.signal })),
  };
  const numberHealth = {
    /** Call outcomes of your numbers (up to 1 000); give each an externalId so a retried post counts once. */
    reportCallOutcomes: (body: RequestBody<'/v1/number-health/call-outcomes', 'post'>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/number-health/call-outcomes', { body, signal: o?.signal })),
    reportReputation: (body: RequestBody<'/v1/number-health/reputation', 'post'>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/number-health/reputation', { body, signal: o?.signal })),
    /** Filters: hygieneState, resting, belowScore; a filtered page may be short (even empty): follow nextCursor until null. */
    list: (query: NumberHealthQuery = {}, o?: CallOptions) => unwrap(raw.GET('/v1/number-health', { params: { query }, signal: o?.signal })),
    iterate: (filters: Omit<NumberHealthQuery, 'cursor'> = {}) => eachItem((cursor) => numberHealth.list({ ...filters, ...(cursor ? { cursor } : {}) })),
    get: (phoneNumber: string, o?: CallOptions) => unwrap(raw.GET('/v1/number-health/{phoneNumber}', { params: { path: { phoneNumber } }, signal: o?.signal })),
    /** Counts by hygiene state and ten score buckets, with the policy's threshold. */
    summary: (o?: CallOptions) => unwrap(raw.GET('/v1/number-health/summary', { signal: o?.signal })),
    /** One number's reported call outcomes, newest first. */
    outcomes: (phoneNumber: string, query: QueryOf<'/v1/number-health/{phoneNumber}/outcomes', 'get'> = {}, o?: CallOptions) =>
      unwrap(raw.GET('/v1/number-health/{phoneNumber}/outcomes', { params: { path: { phoneNumber }, query }, signal: o?.signal })),
    /** The quarantine, rest, rotation and release policy and its two Schedules (health pass, rotation pass). */
    policy: {
      get: (o?: CallOptions) => unwrap(raw.GET('/v1/number-health/policy', { signal: o?.signal })),
      set: (body: RequestBody<'/v1/number-health/policy', 'put'>, o?: CallOptions) => unwrap(raw.PUT('/v1/number-health/policy', { body, signal: o?.signal })),
      /** pause or resume the Schedule, or run a pass now. */
      act: (action: 'pause' | 'resume' | 'run', schedule: 'health_pass' | 'rotation_pass' = 'health_pass', o?: CallOptions) =>
        unwrap(raw.POST('/v1/number-health/policy/{action}', { params: { path: { action }, query: { schedule } }, signal: o?.signal })),
      remove: (o?: CallOptions) => unwrap(raw.DELETE('/v1/number-health/policy', { signal: o?.signal })),
    },
  };
  const voiceTrust = {
    /** SHAKEN/STIR, CNAM or Voice Integrity for some of your numbers, as one durable registration. */
    start: (body: RequestBody<'/v1/voice-trust/registrations', 'post'>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/voice-trust/registrations', { body, params: { header: idem(o) }, signal: o?.signal })),
    list: (query: QueryOf<'/v1/voice-trust/registrations', 'get'> = {}, o?: CallOptions) => unwrap(raw.GET('/v1/voice-trust/registrations', { params: { query }, signal: o?.signal })),
    iterate: (query: Omit<QueryOf<'/v1/voice-trust/registrations', 'get'>, 'cursor'> = {}) => eachItem((cursor) => voiceTrust.list({ ...query, cursor })),
    get: (registrationId: string, o?: CallOptions) =>
      unwrap(raw.GET('/v1/voice-trust/registrations/{registrationId}', { params: { path: { registrationId } }, signal: o?.signal })),
    correct: (registrationId: string, body: RequestBody<'/v1/voice-trust/registrations/{registrationId}/corrections', 'post'>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/voice-trust/registrations/{registrationId}/corrections', { params: { path: { registrationId } }, body, signal: o?.signal })),
    cancel: (registrationId: string, o?: CallOptions) =>
      unwrap(raw.POST('/v1/voice-trust/registrations/{registrationId}/cancel', { params: { path: { registrationId } }, signal: o?.signal })),
  };
  const tollfree = {
    /** Problems (with the Twilio rejection codes they anticipate) and warnings, before anything is submitted. */
    /** Takes an incomplete draft too: each missing or invalid field is a problem in the 200 report. */
    preflight: (body: PartialDraft<TollfreeDraft>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/tollfree/preflight', { body: body as RequestBody<'/v1/tollfree/preflight', 'post'>, signal: o?.signal })),
    /** A toll-free number's verification, as one durable workflow through Twilio's review. */
    start: (body: RequestBody<'/v1/tollfree/verifications', 'post'>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/tollfree/verifications', { body, params: { header: idem(o) }, signal: o?.signal })),
    list: (query: QueryOf<'/v1/tollfree/verifications', 'get'> = {}, o?: CallOptions) => unwrap(raw.GET('/v1/tollfree/verifications', { params: { query }, signal: o?.signal })),
    iterate: (query: Omit<QueryOf<'/v1/tollfree/verifications', 'get'>, 'cursor'> = {}) => eachItem((cursor) => tollfree.list({ ...query, cursor })),
    get: (verificationId: string, o?: CallOptions) =>
      unwrap(raw.GET('/v1/tollfree/verifications/{verificationId}', { params: { path: { verificationId } }, signal: o?.signal })),
    /** Within Twilio's edit window after a rejection: the changes and why; it goes back to review. */
    edit: (verificationId: string, body: RequestBody<'/v1/tollfree/verifications/{verificationId}/edit', 'post'>, o?: CallOptions) =>
      unwrap(raw.POST('/v1/tollfree/verifications/{verificationId}/edit', { params: { path: { verificationId } }, body, signal: o?.signal })),
    cancel: (verificationId: string, o?: CallOptions) =>
      unwrap(raw.POST('/v1/tollfree/verifications/{verificationId}/cancel', { params: { path: { verificationId } }, signal: o?.signal })),
  };
  /** The tenant and the Twilio account its work runs under (`shared`: the deployment's). */
  const account = {
    get: (o?: CallOptions): Promise<Account> => unwrap(raw.GET('/v1/account', { signal: o?.signal })),
    /** Admin: run under the tenant's own Twilio account (`byo`), or give it new credentials; checked at Twilio, never returned. */
    setCredentials: (body: RequestBody<'/v1/account/credentials', 'put'>, o?: CallOptions): Promise<Account> =>
      unwrap(raw.PUT('/v1/account/credentials', { body, signal: o?.signal })),
  };
  const costs = {
    get: (query: QueryOf<'/v1/costs', 'get'> = {}, o?: CallOptions) => unwrap(raw.GET('/v1/costs', { params: { query }, signal: o?.signal })),
    setBudget: (monthlyUsd: number | null, o?: CallOptions) => unwrap(raw.PUT('/v1/costs/budget', { body: { monthlyUsd }, signal: o?.signal })),
  };

  const webhookEndpoints = {
    create: (body: RequestBody<'/v1/webhook-endpoints', 'post'>, o?: CallOptions) => unwrap(raw.POST('/v1/webhook-endpoints', { body, signal: o?.signal })),
    list: (o?: CallOptions) => unwrap(raw.GET('/v1/webhook-endpoints', { signal: o?.signal })),
    delete: (endpointId: string, o?: CallOptions) =>
      unwrap(raw.DELETE('/v1/webhook-endpoints/{endpointId}', { params: { path: { endpointId } }, signal: o?.signal })),
    deliveries: (endpointId: string, query: QueryOf<'/v1/webhook-endpoints/{endpointId}/deliveries', 'get'> = {}, o?: CallOptions) =>
      unwrap(raw.GET('/v1/webhook-endpoints/{endpointId}/deliveries', { params: { path: { endpointId }, query }, signal: o?.signal })),
    resend: (endpointId: string, deliveryId: string, o?: CallOptions) =>
      unwrap(raw.POST('/v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/resend', { params: { path: { endpointId, deliveryId } }, signal: o?.signal })),
  };

  /**
   * Follows a job, a registration or a trunk until it settles, reporting each state read. Jobs settle when
   * finished; registrations when finished or waiting for you (action_required, needs_attention); trunks when
   * no change is in flight.
   */
  function waitFor(target: { job: string }, opts?: WaitOptions<Job>): Promise<Job>;
  function waitFor(target: { registration: string }, opts?: WaitOptions<Registration>): Promise<Registration>;
  function waitFor(target: { trunk: string }, opts?: WaitOptions<Trunk>): Promise<Trunk>;
  function waitFor(target: { job: string } | { registration: string } | { trunk: string }, opts: WaitOptions<never> = {}): Promise<unknown> {
    const timeout = (what: string) => () =>
      new TwilioProError({ status: 0, code: 'wait_timeout', message: `${what} had not settled after ${opts.timeoutMs} ms` });
    const o = opts as WaitOptions<unknown>;
    if ('job' in target) return pollUntil(() => jobs.get(target.job, { signal: o.signal }), jobFinished, o as WaitOptions<Job>, timeout(`job ${target.job}`));
    if ('registration' in target)
      return pollUntil(() => registrations.get(target.registration, { signal: o.signal }), registrationSettled, o as WaitOptions<Registration>, timeout(`registration ${target.registration}`));
    return pollUntil(() => trunks.get(target.trunk, {}, { signal: o.signal }), trunkSettled, o as WaitOptions<Trunk>, timeout(`trunk ${target.trunk}`));
  }

  return { raw, numbers, jobs, a2p, registrations, trunks, apiKeys, sessions, account, audit, costs, lookups, numberHealth, voiceTrust, tollfree, webhookEndpoints, waitFor, eachItem };
}

export { eachItem };
export const isJobFinished = jobFinished;
export const isRegistrationSettled = registrationSettled;
export const isTrunkSettled = trunkSettled;
