import { ActivityFailure, allHandlersFinished, ApplicationFailure, CancellationScope, condition, defineSignal, defineUpdate, isCancellation, patched, setHandler } from '@temporalio/workflow';
import type { TollfreeEdit, TollfreeInput, TollfreeProblem, TollfreeStatus } from '../../schemas/tollfree/verification';
import { refusalOf, type Refusal } from '../kit/activity-refusal';
import { tollfree as twilio } from './activities';

export const tollfreeCancelSignal = defineSignal('tollfreeCancel');
export const tollfreeEditUpdate = defineUpdate<TollfreeStatus, [TollfreeEdit]>('tollfreeEdit');

/**
 * Issue #21: whatever ends a verification (a step Twilio refused, a cancel from Temporal) leaves its row final
 * with the reason, and an edit in flight when the edit window closes is let land (and resubmits) before the
 * window is judged closed. Asked for only where the old and new paths part, so verifications already running
 * get each fix they have not yet passed.
 */
export const TOLLFREE_LIFECYCLE = 'tollfree-lifecycle';

/** Twilio's code for an edit after the window closed; the verification must then be made anew. */
const EDIT_TIME_EXPIRED = 30824;

class Cancelled extends Error {}

/**
 * A toll-free number's verification, as one workflow that may run for weeks: submit (its preflight passed at
 * the API) → Twilio's review, polled with back-off and flagged past its deadline → approved, or rejected with
 * reasons. A rejected verification waits in action_required until it is edited (an Update that sends the
 * edit to Twilio, which reviews it again) or until Twilio's edit window closes, which fails it: a new
 * verification is then needed (30824). The window is what keeps an abandoned verification from waiting forever.
 * A cancel (ours or Temporal's) withdraws it at Twilio; so does a step Twilio refuses, which fails it.
 */
export async function tollfreeVerification({ verificationId, timings }: TollfreeInput): Promise<TollfreeStatus> {
  let status: TollfreeStatus = 'submitting';
  let cancelled = false;
  let edited = false;
  let editing = false;
  let editUntil = 0;
  /** Twilio refused an edit because its window had closed (its clock is the judge, not ours). */
  let windowClosed = false;
  /** Set once the verification is ending (cancelled, refused): edits are no longer taken. */
  let ending = false;

  setHandler(tollfreeCancelSignal, () => {
    cancelled = true;
  });
  setHandler(
    tollfreeEditUpdate,
    // Sent to Twilio inside the Update, so its caller gets the verification back in review (or Twilio's refusal).
    async (edit) => {
      editing = true;
      try {
        await twilio.tollfreeEdit({ verificationId, edit });
      } catch (err) {
        editing = false;
        const refusal = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? (err.cause.details?.[0] as { code?: number } | undefined) : undefined;
        if (refusal?.code === EDIT_TIME_EXPIRED) windowClosed = true;
        throw err;
      }
      await record('in_review', { problems: [] });
      edited = true;
      return status;
    },
    {
      validator: (_edit: TollfreeEdit) => {
        if (status !== 'action_required' || editing) throw new Error(`nothing to edit: the verification is ${editing ? 'being edited already' : status}`);
        if (Date.now() >= editUntil) throw new Error('Twilio’s edit window has closed: start a new verification');
        if (ending || cancelled) throw new Error('nothing to edit: the verification is ending');
      },
    },
  );

  const record = async (next: TollfreeStatus, extra: { problems?: TollfreeProblem[]; message?: string } = {}) => {
    status = next;
    await twilio.tollfreeRecord({ verificationId, status: next, ...extra });
  };

  async function awaitReview() {
    await record('in_review');
    const startedAt = Date.now();
    let interval = timings.firstPollMs;
    for (;;) {
      await condition(() => cancelled, interval);
      if (cancelled) throw new Cancelled();
      const review = await twilio.tollfreeReviewStatus({ verificationId });
      if (review.outcome !== 'pending') return review;
      interval = Math.min(interval * 2, timings.maxPollMs);
      if (status !== 'needs_attention' && Date.now() - startedAt > timings.deadlineMs) await record('needs_attention', { message: 'the review is past its deadline; still waiting for Twilio' });
    }
  }

  /** Withdraws the verification at Twilio; a refusal is returned, not thrown, so the row still ends final. */
  async function withdraw(reason: 'cancelled' | 'failed'): Promise<Refusal | null> {
    try {
      await twilio.tollfreeWithdraw({ verificationId, reason });
      return null;
    } catch (err) {
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      return refusal;
    }
  }

  /** The verification's end after whatever stopped it, recorded final with the reason (a cancel from Temporal included). */
  async function end(err: unknown): Promise<TollfreeStatus> {
    const refusal = refusalOf(err);
    const cancel = err instanceof Cancelled || isCancellation(err);
    if (!cancel && !refusal) throw err;
    ending = true;
    // Temporal's cancel cancels the workflow's scope; the withdrawal and the last record must run all the same.
    return CancellationScope.nonCancellable(async () => {
      // An edit in flight finishes first, so its record can't land after the final one.
      await condition(allHandlersFinished);
      const withdrawRefused = await withdraw(cancel ? 'cancelled' : 'failed');
      const alsoRefused: TollfreeProblem[] = withdrawRefused
        ? [{ field: null, code: 'withdrawal_refused', message: `the withdrawal at Twilio was refused: ${withdrawRefused.message}`, twilioCode: withdrawRefused.code }]
        : [];
      if (cancel) {
        const how = err instanceof Cancelled ? {} : { message: 'cancelled through Temporal' };
        await record('cancelled', { ...how, ...(alsoRefused.length ? { problems: alsoRefused } : {}) });
      } else {
        const { code, message: why } = refusal!;
        const message = `${refusal!.activity} was refused${code ? ` (Twilio ${code})` : ''}: ${why}; start a new verification once the cause is fixed`;
        await record('failed', { problems: [{ field: null, code: 'twilio_refusal', message: why, twilioCode: code }, ...alsoRefused], message });
      }
      return status;
    });
  }

  /** As a cancel ended a verification before issue #21 (the histories recorded then replay through here); anything else failed the workflow. */
  async function endAsBefore(err: unknown): Promise<TollfreeStatus> {
    if (!(err instanceof Cancelled)) throw err;
    await twilio.tollfreeWithdraw({ verificationId });
    await record('cancelled');
    return status;
  }

  /** Lets an Update accepted before the end finish, so its caller gets an answer. */
  async function settled(): Promise<TollfreeStatus> {
    if (patched(TOLLFREE_LIFECYCLE)) await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
    return status;
  }

  try {
    await record('submitting');
    await twilio.tollfreeSubmit({ verificationId });
    for (;;) {
      const review = await awaitReview();
      if (review.outcome === 'approved') {
        await record('completed', { message: 'approved by Twilio: the number can send' });
        return await settled();
      }
      if (!review.editAllowed || review.editExpiration === null || review.editExpiration <= Date.now()) {
        await record('failed', { problems: review.problems, message: 'rejected and no longer editable: start a new verification' });
        return await settled();
      }
      editUntil = review.editExpiration;
      edited = false;
      editing = false;
      await record('action_required', { problems: review.problems });
      const inTime = await condition(() => edited || cancelled || windowClosed, editUntil - Date.now());
      // An edit accepted before the window closed may still be on its way to Twilio: let it land, then judge.
      if (!inTime && patched(TOLLFREE_LIFECYCLE)) await condition(allHandlersFinished);
      if (cancelled) throw new Cancelled();
      if (!edited) {
        const closed = { field: null, code: 'edit_window_closed', message: 'not edited within Twilio’s seven-day window: start a new verification', twilioCode: EDIT_TIME_EXPIRED };
        await record('failed', { problems: [...review.problems, closed] });
        return await settled();
      }
    }
  } catch (err) {
    return patched(TOLLFREE_LIFECYCLE) ? await end(err) : await endAsBefore(err);
  }
}
