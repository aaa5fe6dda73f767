import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import type { Activities } from '../../activities';
import type { TollfreeInput, TollfreeReview, TollfreeStatus } from '../../schemas/tollfree';
import { tollfreeCancelSignal, tollfreeEditUpdate } from '../../workflows/tollfree';
import { tollfreeVerification } from '../../workflows';
import { recordHistory } from '../helpers/record-history';
import { timeSkippingEnvironment } from '../helpers/time-skipping';

/** Weeks-long toll-free reviews and Twilio's seven-day edit window in seconds, with Twilio faked in activities. */
const ts = timeSkippingEnvironment();
const hour = 3_600_000;
const day = 24 * hour;

/** Twilio as the workflow sees it: a review of `days`, rejected `rejections` times, each rejection editable for seven days. */
function fakeTwilio(script: { days: number; rejections?: number }) {
  let submittedAt = 0;
  let rejections = script.rejections ?? 0;
  let rejectedAt: number | null = null;
  const log: string[] = [];
  const statuses: TollfreeStatus[] = [];
  const now = async () => Number(await ts.env.currentTimeMs());
  const activities = {
    tollfreeSubmit: async () => (log.push('submit'), (submittedAt = await now()), { verificationSid: 'HH-1' }),
    async tollfreeReviewStatus(): Promise<TollfreeReview> {
      log.push('poll');
      const t = await now();
      return review(t);
    },
    tollfreeEdit: async ({ edit }: { edit: { editReason: string } }) => {
      log.push(`edit ${edit.editReason}`);
      rejectedAt = null;
      submittedAt = await now();
    },
    tollfreeWithdraw: async () => void log.push('withdraw'),
    tollfreeRecord: async ({ status }: { status: TollfreeStatus }) => void statuses.push(status),
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
  return { activities, log, statuses };
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
  expect(fake.log.at(-1)).toBe('withdraw');
});
