import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { A2pState } from '../../../schemas/a2p/workflow';
import { a2pCancelSignal, a2pCorrectionsUpdate, a2pResendVerificationUpdate, a2pStateQuery, a2pStatusSignal } from '../../../workflows/a2p/registration';
import { goodDraft, soleProprietorDraft } from '../../fixtures/a2p-draft';
import { recordHistory } from '../../helpers/record-history';
import { a2pTimeSkipping, day, fakeTwilio, type Handle, hour, start, timings, ts, untilState } from './a2p-harness';

a2pTimeSkipping();

/** The registration's lifecycle edges on the time-skipping server: Updates racing, cancels, refusals, deadlines. */
/** A promise the test resolves: an activity held mid-way, and a way to know it began. */
function held() {
  let release!: () => void;
  let began!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const started = new Promise<void>((r) => (began = r));
  return { release, started, hold: async () => (began(), await released) };
}

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
