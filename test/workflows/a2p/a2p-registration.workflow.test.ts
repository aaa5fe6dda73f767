import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { A2pActivities, A2pRegistrationInput, A2pState, BrandIdentity, ReviewKind, ReviewStatus } from '../../../schemas/a2p/workflow';
import { a2pCancelSignal, a2pCorrectionsUpdate, a2pResendVerificationUpdate, a2pStateQuery, a2pStatusSignal } from '../../../workflows/a2p/registration';
import { a2pRegistration } from '../../../workflows/index';
import { goodDraft, soleProprietorDraft } from '../../fixtures/a2p-draft';
import { timeSkippingEnvironment } from '../../helpers/time-skipping';
import { recordHistory } from '../../helpers/record-history';

/** Multi-week registrations in seconds: Temporal's time-skipping test server, with Twilio faked in activities. */
const ts = timeSkippingEnvironment();
const hour = 3_600_000;
const day = 24 * hour;

const timings = (deadlines: Partial<Record<ReviewKind, number>> = {}): A2pRegistrationInput['timings'] => ({
  firstPollMs: hour,
  maxPollMs: 12 * hour,
  deadlines: { customer_profile: 30 * day, trust_product: 30 * day, brand: 30 * day, campaign: 60 * day, ...deadlines },
});

/** Twilio as the workflow sees it: reviews that take virtual days, with scripted rejections. */
function fakeTwilio(script: { days: Record<ReviewKind, number>; rejectProfile?: number; rejectBrand?: number; rejectCampaign?: number; suspend?: ReviewKind }) {
  const submittedAt = new Map<string, number>();
  const left: Partial<Record<ReviewKind, number>> = { customer_profile: script.rejectProfile ?? 0, brand: script.rejectBrand ?? 0, campaign: script.rejectCampaign ?? 0 };
  const log: string[] = [];
  const records: A2pState[] = [];
  const now = async () => Number(await ts.env.currentTimeMs());
  const submit = async (sid: string) => submittedAt.set(sid, await now());
  const kindOf: Record<string, ReviewKind> = { 'BU-profile': 'customer_profile', 'BU-product': 'trust_product', 'BN-1': 'brand', 'QE-1': 'campaign' };
  /** The customer's side of an OTP or Authentication+: a test confirms it; an OTP lapses a day after sending (30752). */
  const customer = { confirmed: false, sentAt: 0, validMs: day, code: 30752 };
  const activities: A2pActivities = {
    a2pEnsureEventStreams: async () => ({ sinkSid: 'DG-1' }),
    a2pCreateCustomerProfile: async () => ({ sid: 'BU-profile' }),
    a2pCreateTrustProduct: async () => ({ sid: 'BU-product' }),
    a2pSubmitBundle: async ({ sid }) => void (await submit(sid)),
    async a2pReviewStatus({ sid }): Promise<ReviewStatus> {
      const kind = kindOf[sid]!;
      log.push(`poll ${kind}`);
      if ((await now()) - submittedAt.get(sid)! < script.days[kind] * day) return { outcome: 'pending', twilioStatus: 'IN_REVIEW', reasons: [] };
      if (script.suspend === kind) return { outcome: 'terminal', twilioStatus: 'SUSPENDED', reasons: [{ code: 30794, message: `${kind} suspended`, fields: [] }] };
      if ((left[kind] ?? 0) > 0) {
        left[kind]! -= 1;
        const code = kind === 'brand' ? 30792 : kind === 'campaign' ? 30893 : 22216;
        return { outcome: 'rejected', twilioStatus: kind === 'customer_profile' ? 'twilio-rejected' : 'FAILED', reasons: [{ code, message: `${kind} rejected`, fields: kind === 'campaign' ? ['campaign.messageSamples'] : ['business.name'] }] };
      }
      return { outcome: 'approved', twilioStatus: 'APPROVED', reasons: [] };
    },
    a2pRegisterBrand: async ({ soleProprietor }) => (log.push(`brand ${soleProprietor ? 'SOLE_PROPRIETOR' : 'STANDARD'}`), await submit('BN-1'), { sid: 'BN-1' }),
    async a2pBrandIdentity(): Promise<BrandIdentity> {
      log.push('identity');
      customer.sentAt ||= await now(); // Twilio sends the OTP or e-mail once the brand is approved
      if (customer.confirmed) return { kind: 'sole_proprietor_otp', state: 'verified', code: null, message: null };
      const lapsed = (await now()) - customer.sentAt > customer.validMs;
      return lapsed ? { kind: 'sole_proprietor_otp', state: 'expired', code: customer.code, message: 'expired' } : { kind: 'sole_proprietor_otp', state: 'pending', code: null, message: null };
    },
    async a2pResendVerification({ kind }) {
      log.push(`resend ${kind}`);
      customer.sentAt = await now();
    },
    a2pUpdateBusinessInformation: async ({ business }) => void log.push(`fix business ${JSON.stringify(business)}`),
    a2pResubmitBrand: async () => void (log.push('resubmit brand'), await submit('BN-1')),
    async a2pImportCampaignVerifyToken({ token }) {
      log.push(`vetting ${token}`);
      return token.includes('EXPIRED') ? { ok: false, code: 30713, message: 'Campaign Verify did not accept the token' } : { ok: true };
    },
    a2pEnsureMessagingService: async () => ({ sid: 'MG-1' }),
    a2pCheckUsecase: async () => ({ allowed: true, message: '' }),
    a2pCreateCampaign: async () => (await submit('QE-1'), { sid: 'QE-1' }),
    a2pUpdateCampaign: async () => void (log.push('resubmit campaign'), await submit('QE-1')),
    a2pAddNumbers: async ({ phoneNumbers }) => (log.push(`numbers ${phoneNumbers.length}`), { attached: phoneNumbers, refused: [] }),
    a2pCleanUpCancelled: async ({ sids }) => (log.push(`cleanup ${Object.values(sids).join(',')}`), []),
    a2pRecordState: async ({ state }) => void records.push(JSON.parse(JSON.stringify(state))),
  };
  return { activities, log, records, customer };
}

/** Lets virtual time pass in 6-hour steps until the registration's state matches (at most 20 days). */
async function untilState(handle: Awaited<ReturnType<typeof start>>['handle'], match: (s: A2pState) => boolean): Promise<A2pState> {
  for (let i = 0; i < 80; i++) {
    const state = await handle.query(a2pStateQuery);
    if (match(state)) return state;
    await ts.env.sleep(6 * hour);
  }
  throw new Error(`state never matched: ${JSON.stringify(await handle.query(a2pStateQuery))}`);
}

async function start(fake: ReturnType<typeof fakeTwilio>, t = timings(), draft: object = goodDraft(), options: Partial<WorkerOptions> = {}) {
  const taskQueue = `a2p-${randomUUID()}`;
  const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: { code: ts.bundle }, activities: fake.activities, ...options });
  const handle = await ts.env.client.workflow.start(a2pRegistration, {
    taskQueue,
    workflowId: `a2p-${randomUUID()}`,
    args: [{ tenantId: 't', registrationId: randomUUID(), draft: draft as never, timings: t }],
  });
  return { worker, handle, taskQueue };
}

describe('a2pRegistration on the time-skipping server', () => {
  it('walks a 2-day profile, 5-day brand and 12-day campaign review in seconds, flagging an overdue wait', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 2, trust_product: 1, brand: 5, campaign: 12 } });
    const { worker, handle } = await start(fake, timings({ brand: 3 * day }));
    const startedAt = Number(await ts.env.currentTimeMs());
    const wallStart = Date.now();
    const result = await worker.runUntil(handle.result());
    expect(result).toMatchObject({ status: 'completed', step: 'done', brandResubmissions: 0, campaignSubmissions: 1 });
    expect(result.sids).toEqual({ customerProfile: 'BU-profile', trustProduct: 'BU-product', brand: 'BN-1', messagingService: 'MG-1', campaign: 'QE-1' });
    expect(Number(await ts.env.currentTimeMs()) - startedAt).toBeGreaterThanOrEqual(20 * day);
    expect(Date.now() - wallStart).toBeLessThan(60_000);
    expect(fake.records.map((r) => r.status)).toContain('needs_attention');
    expect(fake.log).toContain('numbers 1');
    // Back-off: far fewer polls than hours waited.
    expect(fake.log.filter((l) => l === 'poll campaign').length).toBeLessThan(40);
    // ... and a history that stays small however long the reviews take.
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.length).toBeLessThan(1000); // 703 when recorded: Temporal's limit is 51 200
    await recordHistory('a2p-happy-path', handle);
  });

  it('brand rejection → action_required → corrections (an Update) → resubmission → approval', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 2, trust_product: 1, brand: 5, campaign: 12 }, rejectBrand: 1 });
    const { worker, handle } = await start(fake);
    await worker.runUntil(async () => {
      await ts.env.sleep(10 * day);
      const state = await handle.query(a2pStateQuery);
      expect(state).toMatchObject({ status: 'action_required', step: 'brand' });
      expect(state.actionRequired?.reasons[0]).toMatchObject({ code: 30792, fields: ['business.name'] });
      await expect(handle.executeUpdate(a2pCorrectionsUpdate, { args: [{ campaign: { description: 'x' } }] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      const accepted = await handle.executeUpdate(a2pCorrectionsUpdate, { args: [{ business: { name: 'Acme Dental Group LLC' } }] });
      // Answered once taken and recorded: a read right after the answer sees the registration resubmitting.
      expect(accepted).toMatchObject({ status: 'running', actionRequired: null });
      const result = await handle.result();
      expect(result).toMatchObject({ status: 'completed', brandResubmissions: 1 });
    });
    expect(fake.log.filter((l) => l === 'resubmit brand')).toHaveLength(1);
    expect(fake.log).toContain('fix business {"name":"Acme Dental Group LLC"}');
    await recordHistory('a2p-brand-rejection-answer-recorded', handle);
  });

  it('a political campaign imports its Campaign Verify token on the approved brand; a refused token waits for a new one', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 2, campaign: 3 } });
    const draft = goodDraft();
    Object.assign(draft.campaign, { usecase: 'POLITICAL', campaignVerifyToken: 'cv|1.0|tcr|10dlc|EXPIRED-1|sig' });
    const { worker, handle } = await start(fake, timings(), draft);
    await worker.runUntil(async () => {
      await ts.env.sleep(6 * day);
      const state = await handle.query(a2pStateQuery);
      expect(state).toMatchObject({ status: 'action_required', step: 'brand', sids: { brand: 'BN-1' } });
      expect(state.sids.campaign).toBeUndefined(); // nothing is created before the token is accepted
      expect(state.actionRequired).toMatchObject({ step: 'campaign', reasons: [{ code: 30713, fields: ['campaign.campaignVerifyToken'] }] });
      await handle.executeUpdate(a2pCorrectionsUpdate, { args: [{ campaign: { campaignVerifyToken: 'cv|1.0|tcr|10dlc|fresh-2|sig' } }] });
      expect(await handle.result()).toMatchObject({ status: 'completed', sids: { campaign: 'QE-1' } });
    });
    expect(fake.log.filter((l) => l.startsWith('vetting'))).toEqual(['vetting cv|1.0|tcr|10dlc|EXPIRED-1|sig', 'vetting cv|1.0|tcr|10dlc|fresh-2|sig']);
    expect(fake.log.indexOf('vetting cv|1.0|tcr|10dlc|fresh-2|sig')).toBeLessThan(fake.log.indexOf('poll campaign'));
    await recordHistory('a2p-political-token', handle);
  });

  it('campaign rejection: a resubmission without fee approval is refused, with it the campaign goes through', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 1, campaign: 12 }, rejectCampaign: 1 });
    const { worker, handle } = await start(fake);
    await worker.runUntil(async () => {
      await ts.env.sleep(20 * day);
      expect(await handle.query(a2pStateQuery)).toMatchObject({ status: 'action_required', step: 'campaign', campaignSubmissions: 1 });
      const fix = { campaign: { messageSamples: ['Acme Dental: see you at [time]. Reply STOP to opt out.', 'Acme Dental: we moved you to [time].'] } };
      const refused = handle.executeUpdate(a2pCorrectionsUpdate, { args: [fix] });
      await expect(refused).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      await expect(refused).rejects.toHaveProperty('cause.message', expect.stringMatching(/approveCampaignResubmissionFee/));
      expect(fake.log).not.toContain('resubmit campaign');
      await handle.executeUpdate(a2pCorrectionsUpdate, { args: [{ ...fix, approveCampaignResubmissionFee: true }] });
      expect(await handle.result()).toMatchObject({ status: 'completed', campaignSubmissions: 2 });
    });
    expect(fake.log.filter((l) => l === 'resubmit campaign')).toHaveLength(1);
    await recordHistory('a2p-campaign-rejection', handle);
  });

  it('a status signal for the awaited SID triggers the next check at once; others are ignored', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 0, trust_product: 0, brand: 0, campaign: 0 } });
    const { worker, handle } = await start(fake, { ...timings(), firstPollMs: 30 * day, maxPollMs: 30 * day });
    await worker.runUntil(async () => {
      for (const [kind, sid] of [['customer_profile', 'BU-profile'], ['trust_product', 'BU-product'], ['brand', 'BN-1'], ['campaign', 'QE-1']] as const) {
        for (let i = 0; i < 100 && (await handle.query(a2pStateQuery)).sids[kind === 'customer_profile' ? 'customerProfile' : kind === 'trust_product' ? 'trustProduct' : kind] !== sid; i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        await handle.signal(a2pStatusSignal, { kind, sid: 'XX-unrelated', status: 'approved' });
        await handle.signal(a2pStatusSignal, { kind, sid, status: 'approved' });
      }
      // Time stays locked while the test only queries: the workflow finishes on the signals alone. (Awaiting
      // the result unlocks time-skipping, which could fire a 30-day timer before the last signal is handled.)
      for (let i = 0; i < 200 && (await handle.query(a2pStateQuery)).status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 50));
      const result = await handle.result();
      expect(result.status).toBe('completed');
      // The four 30-day waits were cut short by the signals: in this workflow's own history no timer fired, and
      // every timer started was cancelled. (A signal that arrives before its wait begins needs no timer at all,
      // so how many were started varies. The test server's clock is shared with other tests' workflows, so it is not measured.)
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.timerFiredEventAttributes)).toHaveLength(0);
      const started = events.filter((e) => e.timerStartedEventAttributes).length;
      expect(started).toBeGreaterThan(0);
      expect(events.filter((e) => e.timerCanceledEventAttributes)).toHaveLength(started);
      expect(fake.log.filter((l) => l.startsWith('poll '))).toEqual(['poll customer_profile', 'poll trust_product', 'poll brand', 'poll campaign']);
    });
  });

  it('a cancel during the brand review cleans up what exists and stops before any further Twilio call', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 5, campaign: 12 } });
    const { worker, handle } = await start(fake);
    await worker.runUntil(async () => {
      await ts.env.sleep(3 * day);
      expect(await handle.query(a2pStateQuery)).toMatchObject({ status: 'waiting_for_review', step: 'brand' });
      await handle.signal(a2pCancelSignal);
      expect(await handle.result()).toMatchObject({ status: 'cancelled', step: 'brand', cleanup: [] });
    });
    expect(fake.log).toContain('cleanup BU-profile,BU-product,BN-1');
    expect(fake.log.filter((l) => l.startsWith('poll campaign') || l.startsWith('numbers'))).toEqual([]);
    expect(fake.records.at(-1)?.status).toBe('cancelled');
    await recordHistory('a2p-cancel-during-brand-review', handle);
  });

  it('a cancel from Temporal itself (UI, CLI) is honoured the same way, cleanup included', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 5, trust_product: 1, brand: 5, campaign: 12 } });
    const { worker, handle } = await start(fake);
    await worker.runUntil(async () => {
      await ts.env.sleep(1 * day);
      await handle.cancel();
      expect(await handle.result()).toMatchObject({ status: 'cancelled', step: 'customer_profile' });
    });
    expect(fake.log).toContain('cleanup BU-profile');
  });

  it('a rejected customer profile waits for corrections, is updated and resubmitted, then the chain goes on', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 2, trust_product: 1, brand: 1, campaign: 1 }, rejectProfile: 1 });
    const { worker, handle } = await start(fake);
    await worker.runUntil(async () => {
      await ts.env.sleep(3 * day);
      expect(await handle.query(a2pStateQuery)).toMatchObject({ status: 'action_required', step: 'customer_profile', actionRequired: { reasons: [{ code: 22216 }] } });
      await handle.executeUpdate(a2pCorrectionsUpdate, { args: [{ business: { websiteUrl: 'https://acme-dental.example' } }] });
      expect(await handle.result()).toMatchObject({ status: 'completed' });
    });
    expect(fake.log).toContain('fix business {"websiteUrl":"https://acme-dental.example"}');
  });

  it('a suspended brand is a terminal outcome: failed with the reason, no campaign is attempted', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 3, campaign: 1 }, suspend: 'brand' });
    const { worker, handle } = await start(fake);
    const result = await worker.runUntil(handle.result());
    expect(result).toMatchObject({ status: 'failed', step: 'brand', actionRequired: { reasons: [{ code: 30794 }], hint: expect.stringMatching(/suspended/) } });
    expect(fake.log.some((l) => l.includes('campaign'))).toBe(false);
    expect(fake.records.at(-1)?.status).toBe('failed');
  });

  it('a definitive refusal from an activity ends the registration as failed with the reason, not as a crashed workflow', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 1, campaign: 1 } });
    fake.activities.a2pCreateTrustProduct = async () => {
      throw ApplicationFailure.create({ message: 'Trust Hub evaluation is noncompliant: company_type missing', type: 'EvaluationFailed', nonRetryable: true });
    };
    const { worker, handle } = await start(fake);
    const result = await worker.runUntil(handle.result());
    expect(result).toMatchObject({ status: 'failed', step: 'trust_product', actionRequired: { reasons: [{ message: expect.stringMatching(/noncompliant/) }] } });
    expect(fake.records.at(-1)).toMatchObject({ status: 'failed' });
  });
  it('a Sole Proprietor: waits for the OTP in waiting_for_customer, an expired OTP (30752) is resent, then one SOLE_PROPRIETOR campaign with its one number', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 1, campaign: 5 } });
    const { worker, handle } = await start(fake, timings(), soleProprietorDraft());
    await worker.runUntil(async () => {
      let state = await untilState(handle, (s) => s.status === 'waiting_for_customer');
      expect(state).toMatchObject({ status: 'waiting_for_customer', step: 'brand', sids: { brand: 'BN-1' } });
      expect(state.customerAction).toMatchObject({ kind: 'sole_proprietor_otp', state: 'pending', resends: 0, instructions: expect.stringMatching(/\+13195550142.*YES/) });
      expect(Date.parse(state.customerAction!.expiresAt!) - Date.parse(state.customerAction!.deadline)).toBeLessThan(0);
      // A day later the OTP has lapsed: a state with its fix (resend), not a failure.
      state = await untilState(handle, (s) => s.customerAction?.state === 'expired');
      expect(state).toMatchObject({ status: 'waiting_for_customer', customerAction: { state: 'expired', code: 30752 } });
      const resent = await handle.executeUpdate(a2pResendVerificationUpdate);
      expect(resent.customerAction).toMatchObject({ state: 'pending', code: null, resends: 1 });
      expect(Date.parse(resent.customerAction!.expiresAt!)).toBeGreaterThan(Date.parse(state.customerAction!.expiresAt!));
      // The owner replies YES; the brand's status event wakes the wait at once.
      fake.customer.confirmed = true;
      await handle.signal(a2pStatusSignal, { kind: 'brand', sid: 'BN-1', status: 'APPROVED' });
      const result = await handle.result();
      expect(result).toMatchObject({ status: 'completed', step: 'done', customerAction: null, numbers: { attached: ['+13195550123'] } });
    });
    expect(fake.log).toContain('brand SOLE_PROPRIETOR');
    expect(fake.log.filter((l) => l.startsWith('resend'))).toEqual(['resend sole_proprietor_otp']);
    expect(fake.log).toContain('numbers 1');
    // Nothing after the brand ran while the customer had not confirmed.
    const waiting = fake.records.filter((r) => r.status === 'waiting_for_customer');
    expect(waiting.length).toBeGreaterThanOrEqual(3);
    expect(waiting.every((r) => !r.sids.campaign && !r.sids.messagingService)).toBe(true);
    await recordHistory('a2p-sole-proprietor-otp', handle);
  });

  it('a public company waits for Authentication+ before its campaign; a standard private one never waits', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 1, campaign: 2 } });
    fake.customer.validMs = 365 * day; // Twilio states no lifetime for the e-mail
    const draft = goodDraft();
    Object.assign(draft.company, { type: 'public', stockExchange: 'NASDAQ', stockTicker: 'ACME' });
    const { worker, handle } = await start(fake, timings(), draft);
    await worker.runUntil(async () => {
      const state = await untilState(handle, (s) => s.status === 'waiting_for_customer');
      expect(state).toMatchObject({ status: 'waiting_for_customer', customerAction: { kind: 'authentication_plus', state: 'pending', expiresAt: null } });
      expect(state.customerAction!.instructions).toMatch(/owner@acmedental\.com/);
      expect(state.sids.messagingService).toBeUndefined();
      fake.customer.confirmed = true;
      await ts.env.sleep(2 * day); // found by polling alone, without a signal
      expect(await handle.result()).toMatchObject({ status: 'completed', customerAction: null });
    });
    await recordHistory('a2p-authentication-plus', handle);

    const privateFake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 1, campaign: 1 } });
    const other = await start(privateFake);
    expect(await other.worker.runUntil(other.handle.result())).toMatchObject({ status: 'completed' });
    expect(privateFake.log).not.toContain('identity');
  });

  /** The two customer waits: a Sole Proprietor's OTP (lapses after a day, 30752) and a public company's Authentication+ (no stated lifetime). */
  const publicCompanyDraft = () => {
    const d = goodDraft();
    Object.assign(d.company, { type: 'public', stockExchange: 'NASDAQ', stockTicker: 'ACME' });
    return d;
  };
  const waits = [
    { kind: 'sole_proprietor_otp', draft: soleProprietorDraft, code: 30752, what: /did not confirm the one-time password in time/ },
    { kind: 'authentication_plus', draft: publicCompanyDraft, code: null, what: /did not complete Authentication\+ in time/ },
  ] as const;

  it.each(waits)('the $kind wait has a deadline: unconfirmed by then, the registration fails with the reason and no campaign', async ({ draft, code, what }) => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 1, campaign: 1 } });
    if (code === null) fake.customer.validMs = 365 * day;
    const { worker, handle } = await start(fake, { ...timings(), deadlines: { ...timings().deadlines, customer_verification: 5 * day } }, draft());
    const result = await worker.runUntil(handle.result());
    expect(result).toMatchObject({
      status: 'failed',
      step: 'brand',
      actionRequired: { reasons: [{ code, message: expect.stringMatching(what) }], hint: expect.stringMatching(/deadline/) },
    });
    expect(fake.log.some((l) => l.includes('campaign') || l.startsWith('numbers'))).toBe(false);
  });

  it.each(waits)('a cancel while waiting for the $kind cleans up; a resend is refused when nothing waits', async ({ kind, draft }) => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 1, campaign: 1 } });
    const { worker, handle } = await start(fake, timings(), draft());
    await worker.runUntil(async () => {
      const early = handle.executeUpdate(a2pResendVerificationUpdate);
      await expect(early).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      await expect(early).rejects.toHaveProperty('cause.message', expect.stringMatching(/not waiting for its customer/));
      expect((await untilState(handle, (s) => s.status === 'waiting_for_customer')).customerAction?.kind).toBe(kind);
      await handle.signal(a2pCancelSignal);
      expect(await handle.result()).toMatchObject({ status: 'cancelled', step: 'brand' });
    });
    expect(fake.log).toContain('cleanup BU-profile,BU-product,BN-1');
    expect(fake.log.filter((l) => l.startsWith('resend'))).toEqual([]);
  });
});

/** A promise the test resolves: an activity held mid-way, and a way to know it began. */
function held() {
  let release!: () => void;
  let began!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const started = new Promise<void>((r) => (began = r));
  return { release, started, hold: async () => (began(), await released) };
}

type Handle = Awaited<ReturnType<typeof start>>['handle'];

/**
 * True once the workflow has closed, or has nothing left to do but wait for the named activity: no other activity
 * or timer open and no workflow task outstanding. Lets a test tell "finished" from "waiting for an Update".
 */
async function closedOrOnlyAwaiting(handle: Handle, activityType: string): Promise<boolean> {
  const events = (await handle.fetchHistory()).events ?? [];
  const last = events.at(-1);
  if (last?.workflowExecutionCompletedEventAttributes || last?.workflowExecutionFailedEventAttributes || last?.workflowExecutionCanceledEventAttributes) return true;
  // No workflow task scheduled but not yet completed (a task's commands are recorded after its completion).
  const tasks = events.filter((e) => e.workflowTaskScheduledEventAttributes || e.workflowTaskCompletedEventAttributes);
  if (!tasks.at(-1)?.workflowTaskCompletedEventAttributes) return false;
  const open = new Map<string, string>();
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes) open.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '');
    if (e.timerStartedEventAttributes) open.set(String(e.eventId), 'timer');
    const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
    if (closed) open.delete(String(closed.scheduledEventId));
    const timer = e.timerFiredEventAttributes ?? e.timerCanceledEventAttributes;
    if (timer) open.delete(String(timer.startedEventId));
  }
  return [...open.values()].every((type) => type === activityType);
}

async function untilClosedOrOnlyAwaiting(handle: Handle, activityType: string) {
  for (let i = 0; i < 200; i++) {
    if (await closedOrOnlyAwaiting(handle, activityType)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the workflow neither closed nor waited only for ${activityType}`);
}

const twilioRefusal = (code: number, message: string) =>
  ApplicationFailure.create({ message, type: 'TwilioError', nonRetryable: true, details: [{ code, status: 400, message, moreInfo: `https://www.twilio.com/docs/errors/${code}` }] });

describe('a2pRegistration lifecycle (issue #21)', () => {
  it('two corrections accepted back to back are both applied, merged in the order accepted, in one resubmission', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 2, campaign: 1 }, rejectBrand: 1 });
    const { worker, handle, taskQueue } = await start(fake, timings(), goodDraft(), { maxCachedWorkflows: 0 });
    await worker.runUntil(untilState(handle, (s) => s.status === 'action_required'));
    // With no worker polling, both Updates reach the workflow in one task: neither sees the other's effect
    // when validated, which is where the second used to replace the first.
    const corrections = {
      a: { business: { name: 'Acme Dental Group LLC', websiteUrl: 'https://a.example' } },
      b: { business: { websiteUrl: 'https://b.example', email: 'office@acmedental.com' } },
    };
    const sent = (['a', 'b'] as const).map((id) => handle.startUpdate(a2pCorrectionsUpdate, { args: [corrections[id]], updateId: id, waitForStage: 'ACCEPTED' }));
    const again = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: { code: ts.bundle }, activities: fake.activities, maxCachedWorkflows: 0 });
    const result = await again.runUntil(async () => {
      for (const update of sent) await (await update).result();
      return handle.result();
    });
    // What the test relies on: both were accepted in the same workflow task (in an order the server chose).
    const events = (await handle.fetchHistory()).events ?? [];
    const accepted = events.flatMap((e, i) => (e.workflowExecutionUpdateAcceptedEventAttributes ? [i] : []));
    expect(accepted).toHaveLength(2);
    expect(events.slice(accepted[0], accepted[1]).some((e) => e.workflowTaskCompletedEventAttributes)).toBe(false);
    const [earlier, later] = accepted.map((i) => events[i]!.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.meta!.updateId as 'a' | 'b');

    expect(result).toMatchObject({ status: 'completed', brandResubmissions: 1 });
    const merged = { ...corrections[earlier!].business, ...corrections[later!].business };
    expect(fake.log.filter((l) => l.startsWith('fix business')).map((l) => JSON.parse(l.slice('fix business '.length)))).toEqual([merged]);
    expect(fake.log.filter((l) => l === 'resubmit brand')).toHaveLength(1);
    await recordHistory('a2p-corrections-merged', handle);
  });

  it('a correction sent while earlier ones are being resubmitted is refused with the reason (409 at the API)', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 2, campaign: 1 }, rejectBrand: 1 });
    const resubmit = held();
    const resubmitBrand = fake.activities.a2pResubmitBrand;
    fake.activities.a2pResubmitBrand = async (i) => (await resubmit.hold(), resubmitBrand(i));
    const { worker, handle } = await start(fake);
    await worker.runUntil(async () => {
      await untilState(handle, (s) => s.status === 'action_required');
      await handle.executeUpdate(a2pCorrectionsUpdate, { args: [{ business: { name: 'Acme Dental Group LLC' } }] });
      await resubmit.started;
      // Refused while the resubmission is held at Twilio (released whatever the answer, so the test can end).
      const late = await handle
        .executeUpdate(a2pCorrectionsUpdate, { args: [{ business: { websiteUrl: 'https://acme-dental.example' } }] })
        .catch((err: unknown) => err)
        .finally(resubmit.release);
      expect(late).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(late).toHaveProperty('cause.message', expect.stringMatching(/being applied and resubmitted/));
      expect(await handle.result()).toMatchObject({ status: 'completed', brandResubmissions: 1 });
    });
    expect(fake.log.filter((l) => l.startsWith('fix business'))).toEqual(['fix business {"name":"Acme Dental Group LLC"}']);
  });

  it.each([
    { end: 'the cancel signal', ended: 'cancelled' },
    { end: 'the customer deadline', ended: 'failed' },
  ] as const)('a resend still being sent when $end ends the registration finishes first: its caller gets the answer', async ({ end, ended }) => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 1, campaign: 1 } });
    const resend = held();
    const resendVerification = fake.activities.a2pResendVerification;
    fake.activities.a2pResendVerification = async (i) => (await resend.hold(), resendVerification(i));
    const deadlines = { ...timings().deadlines, customer_verification: 3 * day };
    const { worker, handle } = await start(fake, { ...timings(), deadlines }, soleProprietorDraft());
    await worker.runUntil(async () => {
      const waiting = await untilState(handle, (s) => s.status === 'waiting_for_customer');
      const deadline = Date.parse(waiting.customerAction!.deadline);
      // The deadline variant sends the resend a second before the deadline, well within the activity's timeouts.
      if (end === 'the customer deadline') await ts.env.sleep(deadline - Number(await ts.env.currentTimeMs()) - 1000);
      const answer = handle.executeUpdate(a2pResendVerificationUpdate);
      await resend.started;
      if (end === 'the cancel signal') await handle.signal(a2pCancelSignal);
      else await ts.env.sleep(2000);
      // The registration has ended (or waits only for the resend): then Twilio answers the resend.
      await untilClosedOrOnlyAwaiting(handle, 'a2pResendVerification').finally(resend.release);
      expect((await answer).customerAction).toMatchObject({ state: 'pending', resends: 1 });
      expect(await handle.result()).toMatchObject({ status: ended, customerAction: { resends: 1 } });
    });
    // The resend's record came before the final one, not after it.
    expect(fake.records.at(-1)).toMatchObject({ status: ended, customerAction: { resends: 1 } });
    if (ended === 'cancelled') expect(fake.log.indexOf('cleanup BU-profile,BU-product,BN-1')).toBeGreaterThan(fake.log.indexOf('resend sole_proprietor_otp'));
    await recordHistory(`a2p-resend-finishes-before-${ended}`, handle);
  });

  it('a registration left in action_required for the default 30 days ends failed as abandoned, with the rejection', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 2, campaign: 1 }, rejectBrand: 1 });
    const { worker, handle } = await start(fake);
    const result = await worker.runUntil(async () => {
      await untilState(handle, (s) => s.status === 'action_required');
      await ts.env.sleep(29 * day);
      expect(await handle.query(a2pStateQuery)).toMatchObject({ status: 'action_required', step: 'brand' });
      return handle.result();
    });
    expect(result).toMatchObject({
      status: 'failed',
      step: 'brand',
      actionRequired: {
        step: 'brand',
        reasons: [{ code: null, message: 'abandoned: no corrections were sent within 30 days of the rejection' }, { code: 30792 }],
        hint: expect.stringMatching(/corrections deadline passed/),
      },
    });
    expect(fake.log).toContain('cleanup BU-profile,BU-product,BN-1');
    expect(fake.log).not.toContain('resubmit brand');
    expect(fake.records.at(-1)).toMatchObject({ status: 'failed', actionRequired: { reasons: [{ message: expect.stringMatching(/^abandoned/) }, { code: 30792 }] } });
    await recordHistory('a2p-abandoned-brand', handle);
  });

  it('the corrections deadline comes from the timings; an abandoned campaign is cleaned up as a cancel is', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 1, campaign: 3 }, rejectCampaign: 1 });
    const { worker, handle } = await start(fake, { ...timings(), deadlines: { ...timings().deadlines, corrections: 36 * hour } });
    const result = await worker.runUntil(handle.result());
    expect(result).toMatchObject({
      status: 'failed',
      step: 'campaign',
      cleanup: [],
      actionRequired: { step: 'campaign', reasons: [{ message: 'abandoned: no corrections were sent within 36 hours of the rejection' }, { code: 30893 }] },
    });
    expect(fake.log).toContain('cleanup BU-profile,BU-product,BN-1,MG-1,QE-1');
    expect(fake.log).not.toContain('numbers 1');
    // Abandoned 36 hours after the rejection was recorded, not before.
    const parked = fake.records.findIndex((r) => r.status === 'action_required');
    expect(parked).toBeGreaterThan(-1);
    expect(fake.records.slice(parked + 1).map((r) => r.status)).toEqual(['failed']);
    await recordHistory('a2p-abandoned-campaign', handle);
  });

  const STEPS: A2pState['step'][] = ['customer_profile', 'trust_product', 'brand', 'messaging_service', 'campaign', 'numbers'];
  /** Each step's own Twilio call, refused for good (a 4xx), and a failure no retry changes (never retried). */
  const refusals = [
    { step: 'customer_profile', activity: 'a2pCreateCustomerProfile', why: 'Twilio 21649', error: () => twilioRefusal(21649, 'the policy does not match') },
    { step: 'customer_profile', activity: 'a2pSubmitBundle', why: 'Twilio 22215', error: () => twilioRefusal(22215, 'the bundle cannot be submitted') },
    { step: 'trust_product', activity: 'a2pCreateTrustProduct', why: 'Twilio 21650', error: () => twilioRefusal(21650, 'the trust product cannot be created') },
    { step: 'brand', activity: 'a2pRegisterBrand', why: 'Twilio 21712', error: () => twilioRefusal(21712, 'the brand cannot be registered') },
    { step: 'brand', activity: 'a2pReviewStatus', why: 'Twilio 20404', error: () => twilioRefusal(20404, 'the brand is gone') },
    { step: 'messaging_service', activity: 'a2pEnsureMessagingService', why: 'Twilio 20003', error: () => twilioRefusal(20003, 'not allowed to create a Messaging Service') },
    { step: 'campaign', activity: 'a2pCreateCampaign', why: 'Twilio 21701', error: () => twilioRefusal(21701, 'the campaign cannot be created') },
    { step: 'numbers', activity: 'a2pAddNumbers', why: 'Twilio 21710', error: () => twilioRefusal(21710, 'the numbers cannot be added') },
    // Not a Twilio answer, but never retried (workflows/kit/activities.ts): it reaches the workflow as a failure too.
    { step: 'brand', activity: 'a2pRegisterBrand', why: 'a TypeError, never retried', error: () => new TypeError("Cannot read properties of undefined (reading 'sid')") },
  ] as const;

  it.each(refusals)('a refusal at the $step step ($activity: $why) ends the row failed with the reason, and nothing after it runs', async ({ step, activity, error }) => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 1, campaign: 1 } });
    const original = fake.activities[activity] as (i: never) => Promise<unknown>;
    // a2pReviewStatus is refused for the brand only, so the bundles before it are approved.
    fake.activities[activity] = (async (i: { sid?: string }) => {
      if (activity === 'a2pReviewStatus' && i.sid !== 'BN-1') return original(i as never);
      throw error();
    }) as never;
    const { worker, handle } = await start(fake);
    const result = await worker.runUntil(handle.result());
    const thrown = error();
    const reason = { code: thrown instanceof ApplicationFailure ? (thrown.details?.[0] as { code: number }).code : null, message: thrown.message };
    expect(result).toMatchObject({ status: 'failed', step, actionRequired: { step, reasons: [reason], hint: expect.stringMatching(/step was refused/) } });
    expect(fake.records.at(-1)).toMatchObject({ status: 'failed', step, actionRequired: { reasons: [reason] } });
    const later = STEPS.slice(STEPS.indexOf(step) + 1);
    expect(fake.records.some((r) => later.includes(r.step))).toBe(false);
    if (step !== 'numbers') expect(fake.log).not.toContain('numbers 1');
    if (!(thrown instanceof ApplicationFailure)) await recordHistory('a2p-step-failed-never-retried', handle);
  });

  /** Where a registration can be when Temporal itself (UI, CLI: handle.cancel()) cancels it. */
  const cancels = [
    { at: 'the trust product review', script: { trust_product: 5 }, reached: (s: A2pState) => s.step === 'trust_product' && s.status === 'waiting_for_review', cleanup: 'cleanup BU-profile,BU-product' },
    { at: 'action_required for the brand', script: { rejectBrand: 1 }, reached: (s: A2pState) => s.status === 'action_required', cleanup: 'cleanup BU-profile,BU-product,BN-1' },
    { at: 'the campaign review', script: { campaign: 5 }, reached: (s: A2pState) => s.step === 'campaign' && s.status === 'waiting_for_review', cleanup: 'cleanup BU-profile,BU-product,BN-1,MG-1,QE-1' },
  ] as const;

  it.each(cancels)('a cancel from Temporal during $at ends the row cancelled after the clean-up', async ({ at, script, reached, cleanup }) => {
    const { rejectBrand, ...days } = { rejectBrand: 0, ...script };
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 1, campaign: 1, ...days }, rejectBrand });
    const { worker, handle } = await start(fake);
    const step = await worker.runUntil(async () => {
      const reachedStep = (await untilState(handle, reached)).step;
      await handle.cancel();
      expect(await handle.result()).toMatchObject({ status: 'cancelled', step: reachedStep, actionRequired: null });
      return reachedStep;
    });
    expect(fake.log).toContain(cleanup);
    expect(fake.records.at(-1)).toMatchObject({ status: 'cancelled', step });
    expect(fake.log).not.toContain('numbers 1');
    await recordHistory(`a2p-temporal-cancel-${at.replaceAll(' ', '-')}`, handle);
  });

  it('a cancel from Temporal while a Twilio call is under way ends the row cancelled; the call is not awaited', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 0, trust_product: 0, brand: 0, campaign: 1 } });
    const creating = held();
    let created = false;
    fake.activities.a2pCreateCampaign = async () => (await creating.hold(), (created = true), { sid: 'QE-1' });
    const cleanUp = fake.activities.a2pCleanUpCancelled;
    fake.activities.a2pCleanUpCancelled = async (i) => {
      fake.log.push(`clean-up began, campaign ${created ? 'created' : 'still being created'}`);
      creating.release(); // the held call then ends while the workflow is still open
      return cleanUp(i);
    };
    // Reviews woken by status events (sent up front: an event before its wait still counts), so no time passes.
    const { worker, handle } = await start(fake, { ...timings(), firstPollMs: 30 * day, maxPollMs: 30 * day });
    await worker.runUntil(async () => {
      for (const [kind, sid] of [['customer_profile', 'BU-profile'], ['trust_product', 'BU-product'], ['brand', 'BN-1']] as const) {
        await handle.signal(a2pStatusSignal, { kind, sid, status: 'approved' });
      }
      await creating.started;
      await handle.cancel();
      expect(await handle.result()).toMatchObject({ status: 'cancelled', step: 'campaign' });
    });
    expect(fake.log).toContain('clean-up began, campaign still being created');
    expect(fake.log).toContain('cleanup BU-profile,BU-product,BN-1,MG-1');
    expect(fake.records.at(-1)).toMatchObject({ status: 'cancelled', step: 'campaign' });
  });

  it('a clean-up Twilio refuses still ends the row cancelled, with what is left to delete by hand', async () => {
    const fake = fakeTwilio({ days: { customer_profile: 1, trust_product: 1, brand: 5, campaign: 1 } });
    fake.activities.a2pCleanUpCancelled = async () => {
      throw twilioRefusal(20003, 'permission denied deleting the bundle');
    };
    const { worker, handle } = await start(fake);
    await worker.runUntil(async () => {
      await untilState(handle, (s) => s.step === 'brand' && s.status === 'waiting_for_review');
      await handle.cancel();
      expect(await handle.result()).toMatchObject({
        status: 'cancelled',
        actionRequired: { reasons: [{ code: 20003, message: 'the clean-up at Twilio was refused: permission denied deleting the bundle' }], hint: expect.stringMatching(/by hand/) },
      });
    });
    expect(fake.records.at(-1)).toMatchObject({ status: 'cancelled' });
    await recordHistory('a2p-temporal-cancel-cleanup-refused', handle);
  });
});
