import { condition, defineSignal, defineUpdate, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { VoiceTrustCorrections, type VoiceTrustInput, type VoiceTrustProblem, type VoiceTrustStatus } from '../../schemas/voice-trust/registration';
import type { Refusal } from '../kit/activity-refusal';
import {
  awaitReviewDecision,
  awaitUntilDeadline,
  CANCELLED_THROUGH_TEMPORAL,
  cleanUpReason,
  cleanUpRefusedMessage,
  CorrectionsInUpdate,
  DEFAULT_CORRECTIONS_DEADLINE_MS,
  endAfterStop,
  letUpdatesFinish,
  REVIEW_OVERDUE,
  refusedMessage,
  RegistrationAbandoned,
  RegistrationCancelled,
  RegistrationLifecycle,
  spelledDuration,
  stepInWords,
  updatesFinished,
  WakeUps,
  type StopReason,
} from '../kit/reviewed-registration';
import { voiceTrust as twilio } from './activities';
import { TENANT_SCOPED_NAMES } from '../kit/patches';

/** A Trust Hub status callback for the registration's trust product: look again now. */
export const voiceTrustStatusSignal = defineSignal('voiceTrustStatus');
export const voiceTrustCancelSignal = defineSignal('voiceTrustCancel');
export const voiceTrustCorrectionsUpdate = defineUpdate<VoiceTrustStatus, [VoiceTrustCorrections]>('voiceTrustCorrections');

/**
 * Issue #21: whatever ends a registration (a step Twilio refused, a cancel from Temporal, no corrections before
 * the deadline) leaves its row final with the reason, and Updates in flight finish before it ends. Asked for
 * only where the old and new paths part, so registrations already running get each fix they have not yet passed.
 */
export const VOICE_TRUST_LIFECYCLE = 'voice-trust-lifecycle';
/** How long a registration waits in action_required for corrections when its input names no deadline. */
export { DEFAULT_CORRECTIONS_DEADLINE_MS };

/** Fields only one product's registration has. */
const VOICE_INTEGRITY_ONLY = ['useCase', 'employeeCount', 'averageDailyCallVolume', 'notes'] as const;

/** The product's own rules for corrections, after the kit's (parked, nothing being applied, not ending). */
function refuseCorrectionsForOtherProducts(product: VoiceTrustInput['product'], c: VoiceTrustCorrections): void {
  VoiceTrustCorrections.parse(c);
  if (c.displayName !== undefined && product !== 'cnam') throw new Error('displayName: only a CNAM registration has a display name');
  const stray = VOICE_INTEGRITY_ONLY.find((k) => c[k] !== undefined);
  if (stray && product !== 'voice_integrity') throw new Error(`${stray}: only a Voice Integrity registration has it`);
}

/**
 * A voice trust registration (SHAKEN/STIR, CNAM or Voice Integrity) for some of the tenant's numbers, as one
 * workflow that may run for days: numbers onto the business profile → trust product (with its end user and
 * the profile) → numbers onto the trust product → evaluate and submit → Twilio's review. The review is
 * awaited on durable timers that poll with back-off and wake at once on a status callback. A rejection or a
 * failed evaluation parks it in action_required until corrections arrive (a validated Update) or the
 * corrections deadline passes; then it resubmits, or ends failed as abandoned. A cancel (ours or Temporal's),
 * abandonment and a step Twilio refuses all take the numbers off the trust product and delete what it made.
 */
export async function voiceTrustRegistration({ registrationId, product, timings, statusCallback }: VoiceTrustInput): Promise<VoiceTrustStatus> {
  let status: VoiceTrustStatus = 'running';
  let step = 'business_profile_numbers';
  let parkedAt = '';
  const lifecycle = new RegistrationLifecycle();
  const wakeUps = new WakeUps();
  const corrections = new CorrectionsInUpdate(lifecycle, { verb: 'correct', noun: 'registration', busy: 'taking corrections already' });

  setHandler(voiceTrustCancelSignal, lifecycle.cancel);
  setHandler(voiceTrustStatusSignal, () => wakeUps.add());
  setHandler(
    voiceTrustCorrectionsUpdate,
    // Applied inside the Update, so its caller gets the registration back running (or Twilio's refusal).
    async (c) => {
      await corrections.apply(
        () => twilio.voiceTrustApplyCorrections({ registrationId, corrections: c }),
        () => record('running', parkedAt, { problems: [] }),
      );
      return status;
    },
    {
      validator: (c) => {
        corrections.refuseUnlessOpen(status);
        refuseCorrectionsForOtherProducts(product, c);
      },
    },
  );

  const record = async (next: VoiceTrustStatus, at: string, extra: { problems?: VoiceTrustProblem[]; message?: string } = {}) => {
    status = next;
    step = at;
    await twilio.voiceTrustRecord({ registrationId, status: next, step: at, ...extra });
  };

  async function awaitReview() {
    await record('in_review', 'review');
    return awaitReviewDecision({
      firstPollMs: timings.firstPollMs,
      maxPollMs: timings.maxPollMs,
      deadlineMs: timings.deadlineMs,
      lifecycle,
      wakeUp: wakeUps.of(),
      look: () => twilio.voiceTrustReviewStatus({ registrationId }),
      flagOverdue: () => record('needs_attention', 'review', { message: REVIEW_OVERDUE }),
    });
  }

  /** Parks the registration until the tenant's corrections have been applied (by the Update), or its deadline. */
  async function awaitCorrections(at: string, problems: VoiceTrustProblem[]) {
    parkedAt = at;
    corrections.reopen();
    await record('action_required', at, { problems });
    if (!patched(VOICE_TRUST_LIFECYCLE)) {
      await condition(corrections.landedOrCancelled);
    } else {
      const deadline = timings.correctionsDeadlineMs ?? DEFAULT_CORRECTIONS_DEADLINE_MS;
      // Corrections accepted before the deadline may still be on their way to Twilio: they count; no more are taken.
      const inTime = await awaitUntilDeadline(corrections.landedOrCancelled, deadline, () => {
        lifecycle.ending = true;
        return updatesFinished();
      });
      if (!inTime) throw new RegistrationAbandoned(problems, deadline);
    }
    lifecycle.checkpoint();
  }

  /** The end's last record: cancelled, abandoned or failed with Twilio's code and message, and a refused clean-up. */
  async function recordEnd(why: StopReason<VoiceTrustProblem[]>, cleanUpRefused: Refusal | null): Promise<VoiceTrustStatus> {
    const at = step;
    const alsoRefused: VoiceTrustProblem[] = cleanUpRefused ? [{ field: null, message: cleanUpRefusedMessage('clean-up', cleanUpRefused), code: cleanUpRefused.code }] : [];
    if (why.kind === 'cancelled') {
      const how = why.throughTemporal ? { message: CANCELLED_THROUGH_TEMPORAL } : {};
      await record('cancelled', 'done', { ...how, ...(alsoRefused.length ? { problems: alsoRefused } : {}) });
    } else if (why.kind === 'abandoned') {
      const message = `abandoned: no corrections within ${spelledDuration(why.abandoned.afterMs)} of action_required; the numbers were taken off the trust product`;
      await record('failed', at, { problems: [...why.abandoned.detail, { field: null, message, code: null }, ...alsoRefused], message });
    } else {
      const { code, message: reason } = why.refusal;
      const message = refusedMessage(`the ${stepInWords(at)} step`, why.refusal, 'registration');
      await record('failed', at, { problems: [{ field: null, message: reason, code }, ...alsoRefused], message });
    }
    return status;
  }

  /** Whatever stopped it: the numbers taken off the trust product, what it made deleted, the row final. */
  const end = (err: unknown) =>
    endAfterStop<VoiceTrustStatus, VoiceTrustProblem[]>(err, {
      lifecycle,
      cleanUp: (why) => twilio.voiceTrustCleanUp({ registrationId, reason: cleanUpReason(why) }),
      record: recordEnd,
    });

  /** As a cancel ended a registration before issue #21 (the histories recorded then replay through here); anything else failed the workflow. */
  async function endAsBefore(err: unknown): Promise<VoiceTrustStatus> {
    if (!(err instanceof RegistrationCancelled)) throw err;
    await twilio.voiceTrustCleanUp({ registrationId });
    await record('cancelled', 'done');
    return status;
  }

  /** Lets an Update accepted before the end finish, so its caller gets an answer. */
  async function settled(): Promise<VoiceTrustStatus> {
    await letUpdatesFinish(VOICE_TRUST_LIFECYCLE);
    return status;
  }

  try {
    await record('running', 'business_profile_numbers');
    await twilio.voiceTrustAssignToProfile({ registrationId });
    lifecycle.checkpoint();
    await record('running', 'trust_product');
    // Named after the tenant and this workflow (registrations past this step keep their old name).
    const nameScope = patched(TENANT_SCOPED_NAMES) ? { nameScope: workflowInfo().workflowId } : {};
    await twilio.voiceTrustCreateTrustProduct({ registrationId, statusCallback, ...nameScope });
    lifecycle.checkpoint();
    await record('running', 'trust_product_numbers');
    await twilio.voiceTrustAssignToTrustProduct({ registrationId });
    for (;;) {
      lifecycle.checkpoint();
      const submitted = await twilio.voiceTrustSubmit({ registrationId });
      if (!submitted.submitted) {
        await awaitCorrections('trust_product', submitted.problems);
        continue;
      }
      const review = await awaitReview();
      if (review.outcome === 'approved') {
        await record('completed', 'done', { message: 'approved by Twilio' });
        return await settled();
      }
      await awaitCorrections('review', review.problems);
    }
  } catch (err) {
    return patched(VOICE_TRUST_LIFECYCLE) ? await end(err) : await endAsBefore(err);
  }
}
