import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import type { Activities } from '../../../activities/index';
import type { VoiceTrustInput, VoiceTrustProblem, VoiceTrustStatus } from '../../../schemas/voice-trust/registration';
import { voiceTrustCancelSignal, voiceTrustCorrectionsUpdate, voiceTrustStatusSignal } from '../../../workflows/voice-trust/registration';
import { voiceTrustRegistration } from '../../../workflows/index';
import { timeSkippingEnvironment } from '../../helpers/time-skipping';
import { recordHistory } from '../../helpers/record-history';

/** Multi-day voice trust reviews in seconds: Temporal's time-skipping test server, with Twilio faked in activities. */
const ts = timeSkippingEnvironment();
const hour = 3_600_000;
const day = 24 * hour;

/** A definitive Twilio answer as the activities turn it into a failure (activities/kit/twilio-errors.ts failOnDefinitive). */
const twilioRefusal = (code: number, message: string) =>
  ApplicationFailure.create({ message, type: 'TwilioError', nonRetryable: true, details: [{ code, status: 400, message, moreInfo: null }] });

interface Recorded {
  status: VoiceTrustStatus;
  step: string;
  problems?: VoiceTrustProblem[];
  message?: string;
}

/**
 * Trust Hub as the workflow sees it: a review of `days` virtual days, rejected `rejections` times, maybe noncompliant
 * first; `refuse` names an activity Twilio answers with a definitive 4xx, `refuseCorrections` how many corrections it refuses.
 */
function fakeTrustHub(script: { days: number; rejections?: number; noncompliant?: boolean; refuse?: keyof Activities; refuseCorrections?: number }) {
  let submittedAt = 0;
  let rejections = script.rejections ?? 0;
  let noncompliant = script.noncompliant ?? false;
  let refuseCorrections = script.refuseCorrections ?? 0;
  const log: string[] = [];
  const statuses: VoiceTrustStatus[] = [];
  const records: Recorded[] = [];
  /** When each record was made, in virtual time. */
  const recordedAt: number[] = [];
  const now = async () => Number(await ts.env.currentTimeMs());
  const refusing = (name: keyof Activities) => {
    if (script.refuse === name) throw twilioRefusal(21649, `${name}: the resource was refused`);
  };
  const activities = {
    voiceTrustAssignToProfile: async () => (refusing('voiceTrustAssignToProfile'), log.push('numbers → profile'), { assigned: 10 }),
    voiceTrustCreateTrustProduct: async () => (refusing('voiceTrustCreateTrustProduct'), log.push('trust product'), { trustProductSid: 'BU-product' }),
    voiceTrustAssignToTrustProduct: async () => (refusing('voiceTrustAssignToTrustProduct'), log.push('numbers → trust product'), { assigned: 10 }),
    async voiceTrustSubmit() {
      refusing('voiceTrustSubmit');
      if (noncompliant) {
        noncompliant = false;
        return { submitted: false as const, problems: [{ field: 'cnam_display_name', message: 'CNAM Information: cnam_display_name is required', code: 22217 }] };
      }
      log.push('submit');
      submittedAt = await now();
      return { submitted: true as const };
    },
    async voiceTrustReviewStatus() {
      refusing('voiceTrustReviewStatus');
      log.push('poll');
      if ((await now()) - submittedAt < script.days * day) return { outcome: 'pending' as const, twilioStatus: 'in-review', problems: [] };
      if (rejections > 0) {
        rejections -= 1;
        return { outcome: 'rejected' as const, twilioStatus: 'twilio-rejected', problems: [{ field: null, message: 'Business information could not be verified', code: 22216 }] as VoiceTrustProblem[] };
      }
      return { outcome: 'approved' as const, twilioStatus: 'twilio-approved', problems: [] };
    },
    async voiceTrustApplyCorrections({ corrections }: { corrections: object }) {
      if (refuseCorrections > 0) {
        refuseCorrections -= 1;
        log.push(`corrections refused ${JSON.stringify(corrections)}`);
        throw twilioRefusal(22215, 'End user attributes are invalid');
      }
      log.push(`corrections ${JSON.stringify(corrections)}`);
    },
    async voiceTrustCleanUp({ reason }: { reason?: string }) {
      log.push(reason ? `clean up (${reason})` : 'clean up');
      refusing('voiceTrustCleanUp');
    },
    async voiceTrustRecord(r: Recorded) {
      statuses.push(r.status);
      records.push(r);
      recordedAt.push(await now());
    },
  } satisfies Partial<Activities>;
  return { activities, log, statuses, records, recordedAt };
}

async function start(fake: ReturnType<typeof fakeTrustHub>, input: Partial<VoiceTrustInput> = {}) {
  const taskQueue = `voice-trust-${randomUUID()}`;
  const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: { code: ts.bundle }, activities: fake.activities });
  const handle = await ts.env.client.workflow.start(voiceTrustRegistration, {
    taskQueue,
    workflowId: `voice-trust-${randomUUID()}`,
    args: [{ registrationId: randomUUID(), tenantId: 't', product: 'shaken_stir', timings: { firstPollMs: hour, maxPollMs: 12 * hour, deadlineMs: 7 * day }, statusCallback: null, ...input }],
  });
  return { worker, handle };
}

/** Lets virtual time pass in 6-hour steps until the last recorded status matches. */
async function until(fake: ReturnType<typeof fakeTrustHub>, status: VoiceTrustStatus) {
  for (let i = 0; i < 80 && fake.statuses.at(-1) !== status; i++) await ts.env.sleep(6 * hour);
  expect(fake.statuses.at(-1)).toBe(status);
}

it('SHAKEN/STIR: numbers on the profile before the trust product, a 3-day review polled with back-off, flagged overdue past its deadline', async () => {
  const fake = fakeTrustHub({ days: 3 });
  const { worker, handle } = await start(fake, { timings: { firstPollMs: hour, maxPollMs: 12 * hour, deadlineMs: 2 * day } });
  const startedAt = Number(await ts.env.currentTimeMs());
  expect(await worker.runUntil(handle.result())).toBe('completed');
  expect(Number(await ts.env.currentTimeMs()) - startedAt).toBeGreaterThanOrEqual(3 * day);
  expect(fake.log.slice(0, 4)).toEqual(['numbers → profile', 'trust product', 'numbers → trust product', 'submit']);
  expect(fake.log.filter((l) => l === 'poll').length).toBeLessThan(15);
  expect(fake.statuses).toEqual(expect.arrayContaining(['in_review', 'needs_attention', 'completed']));
  await recordHistory('voice-trust-shaken-stir', handle);
});

it('a rejection waits in action_required for corrections (an Update), then resubmits; a noncompliant evaluation too', async () => {
  const fake = fakeTrustHub({ days: 2, rejections: 1, noncompliant: true });
  const { worker, handle } = await start(fake, { product: 'cnam' });
  await worker.runUntil(async () => {
    await until(fake, 'action_required'); // the evaluation's missing field
    expect(await handle.executeUpdate(voiceTrustCorrectionsUpdate, { args: [{ displayName: 'ACME ROOFING' }] })).toBe('running');
    await until(fake, 'in_review');
    await until(fake, 'action_required'); // Twilio's rejection, two days later
    // A correction another product would take is refused, and so is one while nothing waits for it.
    await expect(handle.executeUpdate(voiceTrustCorrectionsUpdate, { args: [{ useCase: 'reminders' }] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await handle.executeUpdate(voiceTrustCorrectionsUpdate, { args: [{}] });
    await handle.signal(voiceTrustStatusSignal);
    expect(await handle.result()).toBe('completed');
    await expect(handle.executeUpdate(voiceTrustCorrectionsUpdate, { args: [{}] })).rejects.toThrow();
  });
  expect(fake.log.filter((l) => l.startsWith('corrections'))).toEqual(['corrections {"displayName":"ACME ROOFING"}', 'corrections {}']);
  expect(fake.log.filter((l) => l === 'submit')).toHaveLength(2);
  await recordHistory('voice-trust-cnam-corrections', handle);
});

it('a cancel during the review cleans up at Twilio and ends cancelled', async () => {
  const fake = fakeTrustHub({ days: 5 });
  const { worker, handle } = await start(fake, { product: 'voice_integrity' });
  await worker.runUntil(async () => {
    await until(fake, 'in_review');
    await ts.env.sleep(day);
    await handle.signal(voiceTrustCancelSignal);
    expect(await handle.result()).toBe('cancelled');
  });
  expect(fake.log.at(-1)).toBe('clean up (cancelled)');
  expect(fake.records.at(-1)).toMatchObject({ status: 'cancelled', step: 'done' });
});

it('a corrections Update Twilio refuses fails for its caller and leaves the registration taking corrections', async () => {
  const fake = fakeTrustHub({ days: 1, rejections: 1, refuseCorrections: 1 });
  const { worker, handle } = await start(fake, { product: 'cnam' });
  await worker.runUntil(async () => {
    await until(fake, 'action_required');
    const refused = await handle.executeUpdate(voiceTrustCorrectionsUpdate, { args: [{ displayName: 'ACME ROOFING' }] }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    // The caller gets Twilio's refusal (the API maps it to 409 corrections_refused).
    expect((refused as WorkflowUpdateFailedError).cause?.cause).toMatchObject({ message: 'End user attributes are invalid', type: 'TwilioError' });
    // Before issue #21 the flag stayed set: this was refused as "taking corrections already", for ever.
    expect(await handle.executeUpdate(voiceTrustCorrectionsUpdate, { args: [{ displayName: 'ACME ROOFS' }] })).toBe('running');
    expect(await handle.result()).toBe('completed');
  });
  expect(fake.log.filter((l) => l.startsWith('corrections'))).toEqual(['corrections refused {"displayName":"ACME ROOFING"}', 'corrections {"displayName":"ACME ROOFS"}']);
  await recordHistory('voice-trust-lifecycle-corrections-refused', handle);
});

it('a step Twilio refuses, whichever it is, ends the registration failed with Twilio’s code and message, cleaned up', async () => {
  const steps = [
    ['voiceTrustAssignToProfile', 'business_profile_numbers'],
    ['voiceTrustCreateTrustProduct', 'trust_product'],
    ['voiceTrustAssignToTrustProduct', 'trust_product_numbers'],
    ['voiceTrustSubmit', 'trust_product_numbers'],
    ['voiceTrustReviewStatus', 'review'],
  ] as const;
  for (const [refuse, step] of steps) {
    const fake = fakeTrustHub({ days: 1, refuse });
    const { worker, handle } = await start(fake);
    expect(await worker.runUntil(handle.result()), refuse).toBe('failed');
    expect(fake.records.at(-1), refuse).toMatchObject({
      status: 'failed',
      step,
      problems: [{ field: null, code: 21649, message: `${refuse}: the resource was refused` }],
      message: expect.stringContaining(`(Twilio 21649): ${refuse}: the resource was refused`),
    });
    expect(fake.log.at(-1), refuse).toBe('clean up (failed)');
    await recordHistory(`voice-trust-lifecycle-refused-${refuse}`, handle);
  }
});

it('a cancel from Temporal, in review or waiting for corrections, runs the cancel’s clean-up and ends cancelled', async () => {
  for (const [waitFor, days, rejections] of [['in_review', 5, 0], ['action_required', 1, 1]] as const) {
    const fake = fakeTrustHub({ days, rejections });
    const { worker, handle } = await start(fake);
    await worker.runUntil(async () => {
      await until(fake, waitFor);
      await handle.cancel();
      expect(await handle.result(), waitFor).toBe('cancelled');
    });
    expect(fake.log.at(-1), waitFor).toBe('clean up (cancelled)');
    expect(fake.records.at(-1), waitFor).toMatchObject({ status: 'cancelled', step: 'done', message: 'cancelled through Temporal' });
    await recordHistory(`voice-trust-lifecycle-temporal-cancel-${waitFor}`, handle);
  }
});

it('a clean-up Twilio refuses after a cancel still ends the registration cancelled, saying what was refused', async () => {
  const fake = fakeTrustHub({ days: 5, refuse: 'voiceTrustCleanUp' });
  const { worker, handle } = await start(fake);
  await worker.runUntil(async () => {
    await until(fake, 'in_review');
    await handle.signal(voiceTrustCancelSignal);
    expect(await handle.result()).toBe('cancelled');
  });
  expect(fake.records.at(-1)).toMatchObject({ status: 'cancelled', problems: [{ code: 21649, message: expect.stringContaining('the clean-up at Twilio was refused') }] });
});

it('abandoned: no corrections before the deadline (30 days unless set) ends it failed, with the numbers off the trust product', async () => {
  for (const correctionsDeadlineMs of [10 * day, undefined]) {
    const fake = fakeTrustHub({ days: 1, rejections: 1 });
    const { worker, handle } = await start(fake, { timings: { firstPollMs: hour, maxPollMs: 12 * hour, deadlineMs: 7 * day, ...(correctionsDeadlineMs ? { correctionsDeadlineMs } : {}) } });
    expect(await worker.runUntil(handle.result())).toBe('failed');
    const parkedAt = fake.recordedAt[fake.statuses.lastIndexOf('action_required')]!;
    const deadline = correctionsDeadlineMs ?? 30 * day;
    expect(fake.recordedAt.at(-1)! - parkedAt).toBeGreaterThanOrEqual(deadline);
    expect(fake.recordedAt.at(-1)! - parkedAt).toBeLessThan(deadline + hour);
    expect(fake.log.at(-1)).toBe('clean up (abandoned)');
    const abandoned = `abandoned: no corrections within ${deadline / day} days of action_required; the numbers were taken off the trust product`;
    expect(fake.records.at(-1)).toEqual({ registrationId: expect.any(String), status: 'failed', step: 'review', problems: [expect.objectContaining({ code: 22216 }), { field: null, message: abandoned, code: null }], message: abandoned });
    await recordHistory(`voice-trust-lifecycle-abandoned-${deadline / day}-days`, handle);
  }
});
