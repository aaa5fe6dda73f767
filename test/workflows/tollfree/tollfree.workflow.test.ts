import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import type { Activities } from '../../../activities/index';
import type { TollfreeInput, TollfreeProblem, TollfreeReview, TollfreeStatus } from '../../../schemas/tollfree/verification';
import { tollfreeCancelSignal, tollfreeEditUpdate } from '../../../workflows/tollfree/verification';
import { tollfreeVerification } from '../../../workflows/index';
import { recordHistory } from '../../helpers/record-history';
import { waitFor } from '../../helpers/wait-for';
import { timeSkippingEnvironment } from '../../helpers/time-skipping';

/** Weeks-long toll-free reviews and Twilio's seven-day edit window in seconds, with Twilio faked in activities. */
const ts = timeSkippingEnvironment();
const hour = 3_600_000;
const day = 24 * hour;

/** A definitive Twilio answer as the activities turn it into a failure (activities/kit/twilio-errors.ts failOnDefinitive). */
const twilioRefusal = (code: number, message: string) =>
  ApplicationFailure.create({ message, type: 'TwilioError', nonRetryable: true, details: [{ code, status: 400, message, moreInfo: null }] });

interface Recorded {
  status: TollfreeStatus;
  problems?: TollfreeProblem[];
  message?: string;
}

/**
 * Twilio as the workflow sees it: a review of `days`, rejected `rejections` times, each rejection editable for seven
 * days; `refuse` names an activity Twilio answers with a definitive 4xx; `duringEdit` runs while Twilio has an edit.
 */
function fakeTwilio(script: { days: number; rejections?: number; refuse?: keyof Activities; duringEdit?: () => Promise<void> }) {
  let submittedAt = 0;
  let rejections = script.rejections ?? 0;
  let rejectedAt: number | null = null;
  const log: string[] = [];
  const statuses: TollfreeStatus[] = [];
  const records: Recorded[] = [];
  const now = async () => Number(await ts.env.currentTimeMs());
  const refusing = (name: keyof Activities) => {
    if (script.refuse === name) throw twilioRefusal(21608, `${name}: the resource was refused`);
  };
  const activities = {
    async tollfreeSubmit() {
      refusing('tollfreeSubmit');
      log.push('submit');
      submittedAt = await now();
      return { verificationSid: 'HH-1' };
    },
    async tollfreeReviewStatus(): Promise<TollfreeReview> {
      refusing('tollfreeReviewStatus');
      log.push('poll');
      const t = await now();
      return review(t);
    },
    tollfreeEdit: async ({ edit }: { edit: { editReason: string } }) => {
      if (rejectedAt === null) return; // a retried attempt: Twilio took the first one
      await script.duringEdit?.();
      log.push(`edit ${edit.editReason}`);
      rejectedAt = null;
      submittedAt = await now();
    },
    async tollfreeWithdraw({ reason }: { reason?: string }) {
      log.push(reason ? `withdraw (${reason})` : 'withdraw');
    },
    tollfreeRecord: async (r: Recorded) => void (statuses.push(r.status), records.push(r)),
  } satisfies Partial<Activities>;
  function review(t: number): TollfreeReview {
    if (rejectedAt !== null) return { outcome: 'rejected', twilioStatus: 'TWILIO_REJECTED', problems: [{ field: null, code: 'twilio_rejection', message: 'Disallowed: Cryptocurrency', twilioCode: 30464 }], editAllowed: t < rejectedAt + 7 * day, editExpiration: rejectedAt + 7 * day };
    if (t - submittedAt < script.days * day) return { outcome: 'pending', twilioStatus: 'IN_REVIEW', problems: [], editAllowed: false, editExpiration: null };
    if (rejections > 0) {
      rejections -= 1;
      rejectedAt = t;
      return review(t);
    }
    return { outcome: 'approved', twilioStatus: 'TWILIO_APPROVED', problems: [], editAllowed: false, editExpiration: null };
  }
  return { activities, log, statuses, records, rejectedAt: () => rejectedAt };
}

async function start(fake: ReturnType<typeof fakeTwilio>, deadlineMs = 21 * day) {
  const taskQueue = `tollfree-${randomUUID()}`;
  const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: { code: ts.bundle }, activities: fake.activities });
  const input: TollfreeInput = { verificationId: randomUUID(), tenantId: 't', timings: { firstPollMs: hour, maxPollMs: 12 * hour, deadlineMs } };
  const handle = await ts.env.client.workflow.start(tollfreeVerification, { taskQueue, workflowId: `tollfree-${randomUUID()}`, args: [input] });
  return { worker, handle };
}
async function until(fake: ReturnType<typeof fakeTwilio>, status: TollfreeStatus) {
  for (let i = 0; i < 120 && fake.statuses.at(-1) !== status; i++) await ts.env.sleep(6 * hour);
  expect(fake.statuses.at(-1)).toBe(status);
}

it('a 16-day review: polled with back-off, flagged past its 14-day deadline, approved', async () => {
  const fake = fakeTwilio({ days: 16 });
  const { worker, handle } = await start(fake, 14 * day);
  expect(await worker.runUntil(handle.result())).toBe('completed');
  expect(fake.statuses).toEqual(['submitting', 'in_review', 'needs_attention', 'completed']);
  expect(fake.log.filter((l) => l === 'poll').length).toBeLessThan(45);
  await recordHistory('tollfree-approved', handle);
});

it('rejected, edited within the window (an Update), reviewed again and approved', async () => {
  const fake = fakeTwilio({ days: 3, rejections: 1 });
  const { worker, handle } = await start(fake);
  await worker.runUntil(async () => {
    await until(fake, 'action_required');
    await ts.env.sleep(2 * day);
    expect(await handle.executeUpdate(tollfreeEditUpdate, { args: [{ editReason: 'removed the crypto offer' }] })).toBe('in_review');
    await expect(handle.executeUpdate(tollfreeEditUpdate, { args: [{ editReason: 'again' }] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    expect(await handle.result()).toBe('completed');
  });
  expect(fake.log.filter((l) => l.startsWith('edit'))).toEqual(['edit removed the crypto offer']);
  await recordHistory('tollfree-rejected-edited', handle);
});

it('not edited within Twilio’s seven days: failed, with 30824 and the reasons', async () => {
  const fake = fakeTwilio({ days: 3, rejections: 1 });
  const { worker, handle } = await start(fake);
  const startedAt = Number(await ts.env.currentTimeMs());
  expect(await worker.runUntil(handle.result())).toBe('failed');
  expect(Number(await ts.env.currentTimeMs()) - startedAt).toBeGreaterThanOrEqual(10 * day);
  expect(fake.statuses.slice(-2)).toEqual(['action_required', 'failed']);
});

it('cancelled while rejected: withdrawn at Twilio', async () => {
  const fake = fakeTwilio({ days: 3, rejections: 1 });
  const { worker, handle } = await start(fake);
  await worker.runUntil(async () => {
    await until(fake, 'action_required');
    await handle.signal(tollfreeCancelSignal);
    expect(await handle.result()).toBe('cancelled');
  });
  expect(fake.log.at(-1)).toBe('withdraw (cancelled)');
});

it('an edit Twilio still has when the edit window closes is let land: the verification is reviewed again, not failed', async () => {
  let handle!: Awaited<ReturnType<typeof start>>['handle'];
  const timersFired = async () => (await handle.fetchHistory()).events!.filter((e) => e.timerFiredEventAttributes).length;
  let firedBeforeEdit = 0;
  let landedAfterWindowClosed = false;
  // Twilio holds the edit until the window's timer has fired. Time does not skip while an activity is out, so
  // virtual time runs at real speed; the activity heartbeats while it waits.
  const fake = fakeTwilio({
    days: 3,
    rejections: 1,
    duringEdit: async () => {
      await waitFor(async () => (Context.current().heartbeat(), (await timersFired()) > firedBeforeEdit), 'the edit window’s timer to fire', 60_000);
      landedAfterWindowClosed = true;
    },
  });
  const started = await start(fake);
  handle = started.handle;
  await started.worker.runUntil(async () => {
    await until(fake, 'action_required');
    const closesAt = fake.rejectedAt()! + 7 * day;
    await ts.env.sleep(closesAt - 10_000 - Number(await ts.env.currentTimeMs()));
    firedBeforeEdit = await timersFired();
    const edit = await handle.startUpdate(tollfreeEditUpdate, { args: [{ editReason: 'last-minute fix' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
    // Before issue #21 the timer ended it failed while Twilio had the edit.
    expect(await handle.result()).toBe('completed');
    expect(await edit.result()).toBe('in_review');
  });
  expect(landedAfterWindowClosed).toBe(true);
  expect(fake.log.filter((l) => l.startsWith('edit'))).toEqual(['edit last-minute fix']);
  expect(fake.statuses.slice(-3)).toEqual(['in_review', 'in_review', 'completed']);
  expect(fake.statuses).not.toContain('failed');
  await recordHistory('tollfree-lifecycle-edit-lands-after-window', handle);
});

it('a step Twilio refuses, whichever it is, ends the verification failed with Twilio’s code and message', async () => {
  for (const refuse of ['tollfreeSubmit', 'tollfreeReviewStatus'] as const) {
    const fake = fakeTwilio({ days: 3, refuse });
    const { worker, handle } = await start(fake);
    expect(await worker.runUntil(handle.result()), refuse).toBe('failed');
    expect(fake.records.at(-1), refuse).toEqual({
      verificationId: expect.any(String),
      status: 'failed',
      problems: [{ field: null, code: 'twilio_refusal', message: `${refuse}: the resource was refused`, twilioCode: 21608 }],
      message: `${refuse} was refused (Twilio 21608): ${refuse}: the resource was refused; start a new verification once the cause is fixed`,
    });
    expect(fake.log.at(-1), refuse).toBe('withdraw (failed)');
    await recordHistory(`tollfree-lifecycle-refused-${refuse}`, handle);
  }
});

it('a cancel from Temporal, in review or in the edit window, withdraws the verification and ends it cancelled', async () => {
  for (const [waitFor, rejections] of [['in_review', 0], ['action_required', 1]] as const) {
    const fake = fakeTwilio({ days: 3, rejections });
    const { worker, handle } = await start(fake);
    await worker.runUntil(async () => {
      await until(fake, waitFor);
      await handle.cancel();
      expect(await handle.result(), waitFor).toBe('cancelled');
    });
    expect(fake.log.at(-1), waitFor).toBe('withdraw (cancelled)');
    expect(fake.records.at(-1), waitFor).toMatchObject({ status: 'cancelled', message: 'cancelled through Temporal' });
    await recordHistory(`tollfree-lifecycle-temporal-cancel-${waitFor}`, handle);
  }
});
