import { ActivityFailure, ApplicationFailure, condition, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';
import type { TollfreeEdit, TollfreeInput, TollfreeProblem, TollfreeStatus } from '../schemas/tollfree';
import { voiceTrust as twilio } from './activities';

export const tollfreeCancelSignal = defineSignal('tollfreeCancel');
export const tollfreeEditUpdate = defineUpdate<TollfreeStatus, [TollfreeEdit]>('tollfreeEdit');

/** Twilio's code for an edit after the window closed; the verification must then be made anew. */
const EDIT_TIME_EXPIRED = 30824;

class Cancelled extends Error {}

/**
 * A toll-free number's verification, as one workflow that may run for weeks: submit (its preflight passed at
 * the API) → Twilio's review, polled with back-off and flagged past its deadline → approved, or rejected with
 * reasons. A rejected verification waits in action_required until it is edited (an Update that sends the
 * edit to Twilio, which reviews it again) or until Twilio's edit window closes, which fails it: a new
 * verification is then needed (30824). A cancel withdraws it at Twilio.
 */
export async function tollfreeVerification({ verificationId, timings }: TollfreeInput): Promise<TollfreeStatus> {
  let status: TollfreeStatus = 'submitting';
  let cancelled = false;
  let edited = false;
  let editing = false;
  let editUntil = 0;
  /** Twilio refused an edit because its window had closed (its clock is the judge, not ours). */
  let windowClosed = false;

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

  try {
    await record('submitting');
    await twilio.tollfreeSubmit({ verificationId });
    for (;;) {
      const review = await awaitReview();
      if (review.outcome === 'approved') {
        await record('completed', { message: 'approved by Twilio: the number can send' });
        return status;
      }
      if (!review.editAllowed || review.editExpiration === null || review.editExpiration <= Date.now()) {
        await record('failed', { problems: review.problems, message: 'rejected and no longer editable: start a new verification' });
        return status;
      }
      editUntil = review.editExpiration;
      edited = false;
      editing = false;
      await record('action_required', { problems: review.problems });
      const inTime = await condition(() => edited || cancelled || windowClosed, editUntil - Date.now());
      if (cancelled) throw new Cancelled();
      if (!inTime || windowClosed) {
        const closed = { field: null, code: 'edit_window_closed', message: 'not edited within Twilio’s seven-day window: start a new verification', twilioCode: EDIT_TIME_EXPIRED };
        await record('failed', { problems: [...review.problems, closed] });
        return status;
      }
    }
  } catch (err) {
    if (!(err instanceof Cancelled)) throw err;
    await twilio.tollfreeWithdraw({ verificationId });
    await record('cancelled');
    return status;
  }
}
