// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { act, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { QueryClient } from '@tanstack/react-query';
import { createTwilioProClient, TwilioProError } from '@twilio-pro/client';
import {
  TwilioProProvider,
  useJob,
  usePreflight,
  useRegistration,
  useTrunk,
  useTwilioA2PRegistration,
  useTwilioAdvancedManagement,
  useTwilioSIPTrunking,
} from '@twilio-pro/react';
import { fakeApi } from './fake-api';

const PN = `PN${'a'.repeat(32)}`;

function wrapperFor(fetch: typeof globalThis.fetch) {
  const client = createTwilioProClient({ baseUrl: 'http://api.test', apiKey: 'tp_test_key', fetch });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return ({ children }: { children: ReactNode }) => (
    <TwilioProProvider client={client} queryClient={queryClient}>
      {children}
    </TwilioProProvider>
  );
}

const job = (status: string, succeeded: number, requested = 4) => ({
  id: 'job-1',
  kind: 'bulk_buy',
  status,
  params: {},
  counts: { requested, succeeded, failed: 0, skipped: 0, pending: requested - succeeded },
  outcome: null,
  idempotencyKey: null,
  createdAt: '2026-11-26T00:00:00Z',
  updatedAt: '2026-11-26T00:00:00Z',
  finishedAt: null,
});

describe('useTwilioAdvancedManagement (the seed’s names and argument orders)', () => {
  it('maps each call to its endpoint, with the key, and returns the API’s answer', async () => {
    const api = fakeApi({
      'GET /v1/available-numbers': () => ({ body: { data: [{ phoneNumber: '+14155550100' }] } }),
      'POST /v1/numbers': (r) => ({ status: 201, body: { phoneNumber: (r.body as { phoneNumber: string }).phoneNumber, status: 'active' } }),
      'POST /v1/jobs/bulk-buy': () => ({ status: 202, body: job('queued', 0) }),
      'DELETE /v1/numbers/:n': () => ({ body: { status: 'released' } }),
      'POST /v1/jobs/bulk-release': () => ({ status: 202, body: { ...job('queued', 0), kind: 'bulk_release' } }),
      'PATCH /v1/numbers/:n': () => ({ body: { status: 'active' } }),
    });
    const { result } = renderHook(() => useTwilioAdvancedManagement(), { wrapper: wrapperFor(api.fetch) });

    const found = await act(() => result.current.searchNumbers('415', '55'));
    expect(found).toEqual([{ phoneNumber: '+14155550100' }]);
    await act(() => result.current.buyNumber('+14155550100', 'https://example.com/voice', 'https://example.com/sms'));
    await act(() => result.current.bulkBuyNumbers('415', 10));
    await act(() => result.current.releaseNumber('+14155550100'));
    await act(() => result.current.bulkReleaseNumbers(['+14155550100', '+14155550101']));
    await act(() => result.current.configureNumber('+14155550100', { friendlyName: 'Support line' }));

    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /v1/available-numbers',
      'POST /v1/numbers',
      'POST /v1/jobs/bulk-buy',
      'DELETE /v1/numbers/+14155550100',
      'POST /v1/jobs/bulk-release',
      'PATCH /v1/numbers/+14155550100',
    ]);
    expect(api.calls[0]!.query).toEqual({ areaCode: '415', contains: '55' });
    expect(api.calls[1]!.body).toEqual({ phoneNumber: '+14155550100', voiceUrl: 'https://example.com/voice', smsUrl: 'https://example.com/sms' });
    expect(api.calls[2]!.body).toEqual({ areaCode: '415', quantity: 10 });
    expect(api.calls[4]!.body).toEqual({ phoneNumbers: ['+14155550100', '+14155550101'] });
    expect(api.calls[5]!.body).toEqual({ friendlyName: 'Support line' });
    expect(api.calls.every((c) => c.headers.authorization === 'Bearer tp_test_key')).toBe(true);
    expect(result.current.error).toBeNull();
  });

  it('isLoading while a call is in flight; the call rejects with the API’s error, and `error` names the field', async () => {
    let answer!: () => void;
    const gate = new Promise<void>((r) => (answer = r));
    const api = fakeApi({
      'POST /v1/jobs/bulk-buy': async () => {
        await gate;
        return {
          status: 400,
          body: { error: { code: 'invalid_request', message: 'quantity: must be at most 1000', fields: [{ field: 'quantity', message: 'must be at most 1000' }] } },
        };
      },
    });
    const { result } = renderHook(() => useTwilioAdvancedManagement(), { wrapper: wrapperFor(api.fetch) });
    expect(result.current.isLoading).toBe(false);
    let call!: Promise<unknown>;
    act(() => {
      call = result.current.bulkBuyNumbers('415', 5000);
      call.catch(() => {});
    });
    await waitFor(() => expect(result.current.isLoading).toBe(true));
    answer();
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TwilioProError);
    expect((err as TwilioProError).status).toBe(400);
    expect((err as TwilioProError).fieldMessage('quantity')).toBe('must be at most 1000');
    await waitFor(() => expect(result.current.isLoading).toBe(false));
    expect(result.current.error?.code).toBe('invalid_request');
    expect(result.current.errors.bulkBuyNumbers?.fields[0]?.field).toBe('quantity');
    expect(result.current.errors.searchNumbers).toBeNull();
  });

  it('a Twilio refusal keeps Twilio’s code', async () => {
    const api = fakeApi({
      'POST /v1/numbers': () => ({
        status: 409,
        body: { error: { code: 'twilio_error', message: 'not available', twilio: { code: 21422, status: 400, message: 'PhoneNumber not available', moreInfo: null } } },
      }),
    });
    const { result } = renderHook(() => useTwilioAdvancedManagement(), { wrapper: wrapperFor(api.fetch) });
    const err = (await act(() => result.current.buyNumber('+14155550100').catch((e: unknown) => e))) as TwilioProError;
    expect(err.twilio?.code).toBe(21422);
    await waitFor(() => expect(result.current.error?.twilio?.code).toBe(21422));
  });
});

describe('useTwilioSIPTrunking', () => {
  it('addOriginationUri(trunkSid, sipAddress, config) and addPhoneNumber(trunkSid, phoneNumberSid) send what the API takes', async () => {
    const api = fakeApi({
      'POST /v1/sip/trunks': () => ({ status: 202, body: { id: 't1', trunkSid: null, status: 'provisioning' } }),
      'GET /v1/sip/trunks/:sid': () => ({ body: { id: 't1', trunkSid: 'TK1', status: 'active', health: [], operation: { status: 'succeeded' } } }),
      'POST /v1/sip/trunks/:sid/origination-uris': () => ({ status: 202, body: {} }),
      'POST /v1/sip/trunks/:sid/phone-numbers': () => ({ status: 202, body: {} }),
      'GET /v1/sip/trunks': (r) =>
        r.query.cursor ? { body: { data: [{ trunkSid: 'TK2' }], nextCursor: null } } : { body: { data: [{ trunkSid: 'TK1' }], nextCursor: 'c1' } },
      'GET /v1/sip/trunks/:sid/phone-numbers': () => ({ body: { data: [{ phoneNumber: '+14155550100', twilioSid: PN }], nextCursor: null } }),
    });
    const { result } = renderHook(() => useTwilioSIPTrunking(), { wrapper: wrapperFor(api.fetch) });
    const trunk = await act(() => result.current.createTrunk({ friendlyName: 'Production Trunk', secure: true, cnamLookupEnabled: true }));
    expect(trunk.trunkSid).toBe('TK1'); // resolved once the trunk is live
    await act(() => result.current.addOriginationUri('TK1', 'sip:example.com', { priority: 1, weight: 1, enabled: true }));
    await act(() => result.current.addPhoneNumber('TK1', PN));
    const all = await act(() => result.current.listTrunks());
    const numbers = await act(() => result.current.listPhoneNumbers('TK1'));

    const posts = api.calls.filter((c) => c.method === 'POST');
    expect(posts[0]!.body).toEqual({ friendlyName: 'Production Trunk', secure: true, cnamLookupEnabled: true });
    expect(posts[1]!.body).toEqual({ sipUrl: 'sip:example.com', priority: 1, weight: 1, enabled: true });
    expect(posts[2]!.body).toEqual({ phoneNumbers: [PN] });
    expect(all.map((t) => t.trunkSid)).toEqual(['TK1', 'TK2']); // every page
    expect(numbers).toEqual([{ phoneNumber: '+14155550100', twilioSid: PN }]);
  });

  it('a change that failed and was rolled back rejects with the saga’s error and Twilio’s code', async () => {
    const api = fakeApi({
      'POST /v1/sip/trunks': () => ({ status: 202, body: { id: 't2', trunkSid: null, status: 'provisioning' } }),
      'GET /v1/sip/trunks/:sid': () => ({
        body: {
          id: 't2',
          trunkSid: null,
          status: 'failed',
          health: [],
          operation: { kind: 'create', status: 'rolled_back', step: 'create_trunk', error: { step: 'create_trunk', message: 'domain taken', twilio: { code: 21248, status: 400, message: 'x', moreInfo: null } } },
        },
      }),
    });
    const { result } = renderHook(() => useTwilioSIPTrunking(), { wrapper: wrapperFor(api.fetch) });
    const err = (await act(() => result.current.createTrunk({ friendlyName: 'x' }).catch((e: unknown) => e))) as TwilioProError;
    expect(err).toBeInstanceOf(TwilioProError);
    expect(err.code).toBe('trunk_change_failed');
    expect(err.message).toMatch(/domain taken.*rolled back/);
    expect(err.twilio?.code).toBe(21248);
  });

  it('useTrunk re-reads while a change is in flight and stops once it settles, with the health findings', async () => {
    let reads = 0;
    const finding = { code: 'single_origination_uri', severity: 'warning', message: 'one URI', fix: 'add a second' };
    const api = fakeApi({
      'GET /v1/sip/trunks/:sid': () => {
        reads += 1;
        return reads < 3
          ? { body: { trunkSid: 'TK1', status: 'provisioning', health: [], operation: { status: 'running' } } }
          : { body: { trunkSid: 'TK1', status: 'active', health: [finding], operation: { status: 'succeeded' } } };
      },
    });
    const { result } = renderHook(() => useTrunk('TK1', { intervalMs: 20 }), { wrapper: wrapperFor(api.fetch) });
    await waitFor(() => expect(result.current.isSettled).toBe(true));
    expect(result.current.health).toEqual([finding]);
    await new Promise((r) => setTimeout(r, 120));
    expect(reads).toBe(3);
  });
});

describe('useTwilioA2PRegistration', () => {
  it('assignNumberToCampaign(phoneNumberSid, messagingServiceSid) finds the number’s E.164 and posts it to the campaign', async () => {
    const api = fakeApi({
      'GET /v1/numbers': () => ({ body: { data: [{ phoneNumber: '+14155550123', twilioSid: PN }], nextCursor: null } }),
      'POST /v1/a2p/campaigns/:sid/phone-numbers': () => ({ body: { added: ['+14155550123'] } }),
      'GET /v1/a2p/brands': () => ({ body: { data: [{ sid: 'BN1' }], nextCursor: null } }),
    });
    const { result } = renderHook(() => useTwilioA2PRegistration(), { wrapper: wrapperFor(api.fetch) });
    await act(() => result.current.assignNumberToCampaign(PN, 'MG123'));
    const brands = await act(() => result.current.listBrands());
    const post = api.calls.find((c) => c.method === 'POST')!;
    expect(post.path).toBe('/v1/a2p/campaigns/MG123/phone-numbers');
    expect(post.body).toEqual({ phoneNumbers: ['+14155550123'] });
    expect(brands).toEqual([{ sid: 'BN1' }]);
  });

  it('usePreflight checks the draft once the user stops typing, not on every keystroke', async () => {
    const api = fakeApi({
      'POST /v1/a2p/preflight': (r) => ({
        body: {
          ok: false,
          problems: [{ field: 'business.ein', code: 'ein_format', message: `bad ${(r.body as { n: number }).n}` }],
          warnings: [],
          cost: { lines: [], oneTimeUsd: 4.5, monthlyUsd: 10, note: '' },
        },
      }),
    });
    const { result, rerender } = renderHook(({ draft }) => usePreflight(draft as never, { debounceMs: 50 }), {
      wrapper: wrapperFor(api.fetch),
      initialProps: { draft: { n: 1 } as unknown },
    });
    rerender({ draft: { n: 2 } });
    rerender({ draft: { n: 3 } });
    await waitFor(() => expect(result.current.problems[0]?.message).toBe('bad 3'));
    // The first draft is checked at once; of the two quick edits only the last is sent.
    expect(api.calls.map((c) => (c.body as { n: number }).n)).toEqual([1, 3]);
    expect(result.current.cost?.oneTimeUsd).toBe(4.5);
  });

  it('useRegistration polls until the registration waits for the user, then shows what it needs', async () => {
    let reads = 0;
    const api = fakeApi({
      'GET /v1/a2p/registrations/:id': () => {
        reads += 1;
        const waiting = reads >= 2;
        return {
          body: {
            id: 'r1',
            status: waiting ? 'action_required' : 'waiting_for_review',
            step: 'brand',
            actionRequired: waiting ? { step: 'brand', reasons: [{ code: 30794, message: 'EIN mismatch', fields: ['business.ein'] }], hint: 'fix the EIN' } : null,
            timeline: [{ at: '2026-11-26T00:00:00Z', type: 'state', message: 'brand submitted' }],
          },
        };
      },
    });
    const { result } = renderHook(() => useRegistration('r1', { intervalMs: 20 }), { wrapper: wrapperFor(api.fetch) });
    await waitFor(() => expect(result.current.isSettled).toBe(true));
    expect(result.current.actionRequired?.reasons[0]?.code).toBe(30794);
    expect(result.current.timeline).toHaveLength(1);
  });
});

describe('useJob', () => {
  it('follows a job to the end: progress grows, 100 % only once finished, then no more reads', async () => {
    const states = [job('running', 1), job('running', 3), job('succeeded', 4)];
    const seen: number[] = [];
    let reads = 0;
    // The next state is served only once the hook has shown the one before (until then the same one again): on a
    // busy machine two answers can land between renders, and the test is about what is shown, not how fast.
    const api = fakeApi({ 'GET /v1/jobs/:id': () => (reads++, { body: states[Math.min(seen.length, states.length - 1)] }) });
    const { result } = renderHook(
      () => {
        const j = useJob('job-1', { intervalMs: 20 });
        if (j.progress && seen.at(-1) !== j.progress.percent) seen.push(j.progress.percent);
        return j;
      },
      { wrapper: wrapperFor(api.fetch) },
    );
    await waitFor(() => expect(result.current.isFinished).toBe(true));
    expect(seen).toEqual([25, 75, 100]);
    const readsWhenFinished = reads;
    await new Promise((r) => setTimeout(r, 100)); // five polling intervals: a poll still running would have read
    expect(reads).toBe(readsWhenFinished);
  });
});
