import type { ReactNode } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinEnvironments } from 'vitest/environments';
import { goodDraft } from '../fixtures/a2p-draft';
import { createTestApi, newTenant, ownedInSandbox, sandboxControl } from '../helpers/stack';

// A DOM for React, set up by hand: in vitest's jsdom environment the real stack's modules (which find their
// files through import.meta.url) would not load. React DOM and TanStack Query look for `window` when they
// load, so they are imported after it exists.
await builtinEnvironments.jsdom.setup(globalThis, { jsdom: { url: 'http://localhost/' } });
const { act, cleanup, renderHook, waitFor } = await import('@testing-library/react');
const { QueryClient } = await import('@tanstack/react-query');
const { TwilioProProvider, useJob, useRegistration, useTwilioA2PRegistration, useTwilioAdvancedManagement, useTwilioSIPTrunking } = await import('@twilio-pro/react');

/** The seed's hooks against the real API over HTTP, in a DOM. */
let api: Awaited<ReturnType<typeof createTestApi>>;
let wrapper: (p: { children: ReactNode }) => ReactNode;
const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });

beforeAll(async () => {
  api = await createTestApi({ A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000' });
  await sandboxControl('POST', 'reviews', { preset: 'fast' });
  const baseUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
  const { apiKey } = await newTenant(api.db, 'hooks');
  wrapper = ({ children }) => (
    <TwilioProProvider baseUrl={baseUrl} apiKey={apiKey} queryClient={queryClient}>
      {children}
    </TwilioProProvider>
  );
});
afterAll(async () => {
  await sandboxControl('POST', 'reviews', { preset: 'realistic' });
  cleanup();
  queryClient.clear();
  await api?.close();
  // The DOM is left in place: React's scheduler may still run a queued render (on setImmediate) after the
  // last test, and it needs `window`. This file runs in a process of its own (pool forks, isolated).
});

describe('the seed’s hooks on the real API', () => {
  it('Example 1: search, buy one, bulk-buy ten and follow the job to 100 %', async () => {
    const mgmt = renderHook(() => useTwilioAdvancedManagement(), { wrapper }).result;
    const numbers = await act(() => mgmt.current.searchNumbers('269'));
    expect(numbers.length).toBeGreaterThan(0);
    await act(() => mgmt.current.buyNumber(numbers[0]!.phoneNumber));
    const job = await act(() => mgmt.current.bulkBuyNumbers('269', 10));
    const followed = renderHook(() => useJob(job.id, { intervalMs: 100 }), { wrapper }).result;
    await waitFor(() => expect(followed.current.isFinished).toBe(true), { timeout: 30_000 });
    expect(followed.current.progress).toEqual({ done: 10, total: 10, percent: 100 });
    expect(await ownedInSandbox('+1269')).toHaveLength(11);
    expect(mgmt.current.isLoading).toBe(false);
  });

  it('Example 2: create a trunk, add a SIP address and a number', async () => {
    const sip = renderHook(() => useTwilioSIPTrunking(), { wrapper }).result;
    const mgmt = renderHook(() => useTwilioAdvancedManagement(), { wrapper }).result;
    // Each call resolves once its change is live at Twilio, so the seed's sequence of awaits just works.
    const trunk = await act(() => sip.current.createTrunk({ friendlyName: 'Production Trunk', secure: true, cnamLookupEnabled: true }));
    expect(trunk.status).toBe('active');
    const trunkSid = trunk.trunkSid!;
    expect(trunkSid).toMatch(/^TK/);
    await act(() => sip.current.addOriginationUri(trunkSid, 'sip:example.com', { priority: 1, weight: 1, enabled: true }));
    const [number] = await act(() => mgmt.current.searchNumbers('269'));
    const bought = (await act(() => mgmt.current.buyNumber(number!.phoneNumber))) as { twilioSid: string };
    const after = await act(() => sip.current.addPhoneNumber(trunkSid, bought.twilioSid));
    expect(after.originationUris.map((u) => u.sipUrl)).toEqual(['sip:example.com']);
    expect(after.phoneNumbers.map((p) => p.phoneNumber)).toEqual([number!.phoneNumber]);
    expect((await act(() => sip.current.listPhoneNumbers(trunkSid))).map((p) => p.phoneNumber)).toEqual([number!.phoneNumber]);
    expect((await act(() => sip.current.listTrunks())).map((t) => t.trunkSid)).toContain(trunkSid);
  });

  it('Example 3, the durable way: preflight, start a registration and follow it until it completes', async () => {
    const a2p = renderHook(() => useTwilioA2PRegistration(), { wrapper }).result;
    const draft = { ...goodDraft(), phoneNumbers: [] } as never;
    const report = await act(() => a2p.current.preflight(draft));
    expect(report.ok).toBe(true);
    const started = await act(() => a2p.current.startRegistration(draft));
    const followed = renderHook(() => useRegistration(started.id, { intervalMs: 200 }), { wrapper }).result;
    await waitFor(() => expect(followed.current.registration?.status).toBe('completed'), { timeout: 120_000 });
    expect(followed.current.timeline.length).toBeGreaterThan(3);
    expect((await act(() => a2p.current.listBrands())).length).toBe(1);
  });
});
