import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import type { Activities } from '../../activities';
import type { VoiceTrustInput, VoiceTrustProblem, VoiceTrustStatus } from '../../schemas/voice-trust';
import { voiceTrustCancelSignal, voiceTrustCorrectionsUpdate, voiceTrustStatusSignal } from '../../workflows/voice-trust';
import { voiceTrustRegistration } from '../../workflows';
import { timeSkippingEnvironment } from '../helpers/time-skipping';
import { recordHistory } from '../helpers/record-history';

/** Multi-day voice trust reviews in seconds: Temporal's time-skipping test server, with Twilio faked in activities. */
const ts = timeSkippingEnvironment();
const hour = 3_600_000;
const day = 24 * hour;

/** Trust Hub as the workflow sees it: a review of `days` virtual days, rejected `rejections` times, maybe noncompliant first. */
function fakeTrustHub(script: { days: number; rejections?: number; noncompliant?: boolean }) {
  let submittedAt = 0;
  let rejections = script.rejections ?? 0;
  let noncompliant = script.noncompliant ?? false;
  const log: string[] = [];
  const statuses: VoiceTrustStatus[] = [];
  const now = async () => Number(await ts.env.currentTimeMs());
  const activities = {
    voiceTrustAssignToProfile: async () => (log.push('numbers → profile'), { assigned: 10 }),
    voiceTrustCreateTrustProduct: async () => (log.push('trust product'), { trustProductSid: 'BU-product' }),
    voiceTrustAssignToTrustProduct: async () => (log.push('numbers → trust product'), { assigned: 10 }),
    async voiceTrustSubmit() {
      if (noncompliant) {
        noncompliant = false;
        return { submitted: false as const, problems: [{ field: 'cnam_display_name', message: 'CNAM Information: cnam_display_name is required', code: 22217 }] };
      }
      log.push('submit');
      submittedAt = await now();
      return { submitted: true as const };
    },
    async voiceTrustReviewStatus() {
      log.push('poll');
      if ((await now()) - submittedAt < script.days * day) return { outcome: 'pending' as const, twilioStatus: 'in-review', problems: [] };
      if (rejections > 0) {
        rejections -= 1;
        return { outcome: 'rejected' as const, twilioStatus: 'twilio-rejected', problems: [{ field: null, message: 'Business information could not be verified', code: 22216 }] as VoiceTrustProblem[] };
      }
      return { outcome: 'approved' as const, twilioStatus: 'twilio-approved', problems: [] };
    },
    voiceTrustApplyCorrections: async ({ corrections }: { corrections: object }) => void log.push(`corrections ${JSON.stringify(corrections)}`),
    voiceTrustCleanUp: async () => void log.push('clean up'),
    voiceTrustRecord: async ({ status }: { status: VoiceTrustStatus }) => void statuses.push(status),
  } satisfies Partial<Activities>;
  return { activities, log, statuses };
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
  expect(fake.log.at(-1)).toBe('clean up');
});
