import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { a2pCancelSignal, a2pCorrectionsUpdate, a2pResendVerificationUpdate, a2pStateQuery, a2pStatusSignal } from '../../../workflows/a2p/registration';
import { goodDraft, soleProprietorDraft } from '../../fixtures/a2p-draft';
import { recordHistory } from '../../helpers/record-history';
import { a2pTimeSkipping, day, fakeTwilio, start, timings, ts, untilState } from './a2p-harness';

a2pTimeSkipping();

/** Multi-week registrations in seconds: Temporal's time-skipping test server, with Twilio faked in activities. */
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
