import { ActivityFailure, ApplicationFailure, defineSignal, defineUpdate, patched, setHandler } from '@temporalio/workflow';
import type { TollfreeEdit, TollfreeInput, TollfreeProblem, TollfreeStatus } from '../../schemas/tollfree/verification';
import type { Refusal } from '../kit/activity-refusal';
import {
  awaitReviewDecision,
  awaitUntilDeadline,
  CANCELLED_THROUGH_TEMPORAL,
  cleanUpRefusedMessage,
  CorrectionsInUpdate,
  endAfterStop,
  letUpdatesFinish,
  REVIEW_OVERDUE,
  refusedMessage,
  RegistrationCancelled,
  RegistrationLifecycle,
  updatesFinished,
  type StopReason,
} from '../kit/reviewed-registration';
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

/** Twilio's code on a refused edit, whatever the failure's type. */
function editRefusalCode(err: unknown): number | undefined {
  const details = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? (err.cause.details?.[0] as { code?: number } | undefined) : undefined;
  return details?.code;
}

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
  let editUntil = 0;
  /** Twilio refused an edit because its window had closed (its clock is the judge, not ours). */
  let windowClosed = false;
  const lifecycle = new RegistrationLifecycle();
  const edits = new CorrectionsInUpdate(lifecycle, { verb: 'edit', noun: 'verification', busy: 'being edited already' });

  setHandler(tollfreeCancelSignal, lifecycle.cancel);
  setHandler(
    tollfreeEditUpdate,
    // Sent to Twilio inside the Update, so its caller gets the verification back in review (or Twilio's refusal).
    async (edit) => {
      await edits.apply(
        () => twilio.tollfreeEdit({ verificationId, edit }),
        () => record('in_review', { problems: [] }),
        (err) => {
          if (editRefusalCode(err) === EDIT_TIME_EXPIRED) windowClosed = true;
        },
      );
      return status;
    },
    {
      validator: (_edit: TollfreeEdit) =>
        edits.refuseUnlessOpen(status, () => {
          if (Date.now() >= editUntil) throw new Error('Twilio’s edit window has closed: start a new verification');
        }),
    },
  );

  const record = async (next: TollfreeStatus, extra: { problems?: TollfreeProblem[]; message?: string } = {}) => {
    status = next;
    await twilio.tollfreeRecord({ verificationId, status: next, ...extra });
  };

  /** Toll-free has no status callbacks: the review is polled only. */
  async function awaitReview() {
    await record('in_review');
    return awaitReviewDecision({
      firstPollMs: timings.firstPollMs,
      maxPollMs: timings.maxPollMs,
      deadlineMs: timings.deadlineMs,
      lifecycle,
      look: () => twilio.tollfreeReviewStatus({ verificationId }),
      flagOverdue: () => record('needs_attention', { message: REVIEW_OVERDUE }),
    });
  }

  /** Waits in action_required until an edit lands, a cancel, or Twilio's edit window closes. */
  async function awaitEdit(problems: TollfreeProblem[]) {
    edits.reopen();
    await record('action_required', { problems });
    // An edit accepted before the window closed may still be on its way to Twilio: let it land, then judge.
    await awaitUntilDeadline(() => edits.landedOrCancelled() || windowClosed, editUntil - Date.now(), async () => {
      if (patched(TOLLFREE_LIFECYCLE)) await updatesFinished();
    });
    lifecycle.checkpoint();
  }

  /** The end's last record: cancelled, or failed with Twilio's code and message; a refused withdrawal with it. */
  async function recordEnd(why: StopReason, withdrawRefused: Refusal | null): Promise<TollfreeStatus> {
    const alsoRefused: TollfreeProblem[] = withdrawRefused
      ? [{ field: null, code: 'withdrawal_refused', message: cleanUpRefusedMessage('withdrawal', withdrawRefused), twilioCode: withdrawRefused.code }]
      : [];
    if (why.kind === 'cancelled') {
      const how = why.throughTemporal ? { message: CANCELLED_THROUGH_TEMPORAL } : {};
      await record('cancelled', { ...how, ...(alsoRefused.length ? { problems: alsoRefused } : {}) });
    } else if (why.kind === 'refused') {
      // (Never abandoned: Twilio's edit window, not a deadline of ours, ends a verification nobody edits.)
      const { code, message: reason } = why.refusal;
      const message = refusedMessage(why.refusal.activity, why.refusal, 'verification');
      await record('failed', { problems: [{ field: null, code: 'twilio_refusal', message: reason, twilioCode: code }, ...alsoRefused], message });
    }
    return status;
  }

  /** Whatever stopped it: withdrawn at Twilio, the row final. */
  const end = (err: unknown) =>
    endAfterStop<TollfreeStatus>(err, {
      lifecycle,
      cleanUp: (why) => twilio.tollfreeWithdraw({ verificationId, reason: why.kind === 'cancelled' ? 'cancelled' : 'failed' }),
      record: recordEnd,
    });

  /** As a cancel ended a verification before issue #21 (the histories recorded then replay through here); anything else failed the workflow. */
  async function endAsBefore(err: unknown): Promise<TollfreeStatus> {
    if (!(err instanceof RegistrationCancelled)) throw err;
    await twilio.tollfreeWithdraw({ verificationId });
    await record('cancelled');
    return status;
  }

  /** Lets an Update accepted before the end finish, so its caller gets an answer. */
  async function settled(): Promise<TollfreeStatus> {
    await letUpdatesFinish(TOLLFREE_LIFECYCLE);
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
      await awaitEdit(review.problems);
      if (!edits.landed) {
        const closed = { field: null, code: 'edit_window_closed', message: 'not edited within Twilio’s seven-day window: start a new verification', twilioCode: EDIT_TIME_EXPIRED };
        await record('failed', { problems: [...review.problems, closed] });
        return await settled();
      }
    }
  } catch (err) {
    return patched(TOLLFREE_LIFECYCLE) ? await end(err) : await endAsBefore(err);
  }
}
