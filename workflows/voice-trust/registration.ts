import { allHandlersFinished, CancellationScope, condition, defineSignal, defineUpdate, isCancellation, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { VoiceTrustCorrections, type VoiceTrustInput, type VoiceTrustProblem, type VoiceTrustStatus } from '../../schemas/voice-trust/registration';
import { refusalOf, type Refusal } from '../kit/activity-refusal';
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
export const DEFAULT_CORRECTIONS_DEADLINE_MS = 30 * 86_400_000;

/** A deadline in words: "30 days", or hours when it is no whole number of days. */
const spelled = (ms: number) => (ms % 86_400_000 === 0 ? `${ms / 86_400_000} days` : `${Math.round(ms / 3_600_000)} hours`);

class Cancelled extends Error {}
/** No corrections arrived before the deadline: the registration ends failed, cleaned up as a cancel is. */
class Abandoned extends Error {
  constructor(
    readonly problems: VoiceTrustProblem[],
    readonly afterMs: number,
  ) {
    super('abandoned');
  }
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
  let cancelled = false;
  let woken = false;
  /** Set once the tenant's corrections were applied at Twilio: the parked registration resubmits. */
  let corrected = false;
  let parkedAt = '';
  let applying = false;
  /** Set once the registration is ending (cancelled, abandoned, refused): corrections are no longer taken. */
  let ending = false;

  setHandler(voiceTrustCancelSignal, () => {
    cancelled = true;
  });
  setHandler(voiceTrustStatusSignal, () => {
    woken = true;
  });
  setHandler(
    voiceTrustCorrectionsUpdate,
    // Applied inside the Update, so its caller gets the registration back running (or Twilio's refusal).
    async (c) => {
      applying = true;
      try {
        await twilio.voiceTrustApplyCorrections({ registrationId, corrections: c });
      } catch (err) {
        // Refused: the registration still waits for corrections, so the next ones must be taken. (Issues no
        // command, so it needs no patch, and registrations stuck by the old code take corrections again.)
        applying = false;
        throw err;
      }
      await record('running', parkedAt, { problems: [] });
      corrected = true;
      return status;
    },
    {
      validator: (c) => {
        if (status !== 'action_required' || applying) throw new Error(`nothing to correct: the registration is ${applying ? 'taking corrections already' : status}`);
        if (ending || cancelled) throw new Error('nothing to correct: the registration is ending');
        VoiceTrustCorrections.parse(c);
        if (c.displayName !== undefined && product !== 'cnam') throw new Error('displayName: only a CNAM registration has a display name');
        const vi = ['useCase', 'employeeCount', 'averageDailyCallVolume', 'notes'] as const;
        const stray = vi.find((k) => c[k] !== undefined);
        if (stray && product !== 'voice_integrity') throw new Error(`${stray}: only a Voice Integrity registration has it`);
      },
    },
  );

  const record = async (next: VoiceTrustStatus, at: string, extra: { problems?: VoiceTrustProblem[]; message?: string } = {}) => {
    status = next;
    step = at;
    await twilio.voiceTrustRecord({ registrationId, status: next, step: at, ...extra });
  };
  /** A cancel takes effect before the next Twilio side effect, not only during waits. */
  const checkpoint = () => {
    if (cancelled) throw new Cancelled();
  };

  /** Polls with back-off until Twilio decides; a status callback cuts the wait short. Overdue is visible, not fatal. */
  async function awaitReview() {
    await record('in_review', 'review');
    const startedAt = Date.now();
    let interval = timings.firstPollMs;
    for (;;) {
      await condition(() => woken || cancelled, interval);
      checkpoint();
      woken = false;
      const review = await twilio.voiceTrustReviewStatus({ registrationId });
      if (review.outcome !== 'pending') return review;
      interval = Math.min(interval * 2, timings.maxPollMs);
      if (status !== 'needs_attention' && Date.now() - startedAt > timings.deadlineMs) await record('needs_attention', 'review', { message: 'the review is past its deadline; still waiting for Twilio' });
    }
  }

  /** Parks the registration until the tenant's corrections have been applied (by the Update), or its deadline. */
  async function awaitCorrections(at: string, problems: VoiceTrustProblem[]) {
    parkedAt = at;
    corrected = false;
    applying = false;
    await record('action_required', at, { problems });
    if (!patched(VOICE_TRUST_LIFECYCLE)) {
      await condition(() => corrected || cancelled);
    } else {
      const deadline = timings.correctionsDeadlineMs ?? DEFAULT_CORRECTIONS_DEADLINE_MS;
      const inTime = await condition(() => corrected || cancelled, deadline);
      // Corrections accepted before the deadline may still be on their way to Twilio: they count; no more are taken.
      if (!inTime) {
        ending = true;
        await condition(allHandlersFinished);
      }
      if (!corrected && !cancelled) throw new Abandoned(problems, deadline);
    }
    checkpoint();
  }

  /** Takes the numbers off the trust product and deletes what the registration made; a refusal is returned, not thrown. */
  async function cleanUp(reason: 'cancelled' | 'abandoned' | 'failed'): Promise<Refusal | null> {
    try {
      await twilio.voiceTrustCleanUp({ registrationId, reason });
      return null;
    } catch (err) {
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      return refusal;
    }
  }

  /** The registration's end after whatever stopped it, recorded final with the reason (a cancel from Temporal included). */
  async function end(err: unknown): Promise<VoiceTrustStatus> {
    const refusal = refusalOf(err);
    const cancel = err instanceof Cancelled || isCancellation(err);
    if (!cancel && !refusal && !(err instanceof Abandoned)) throw err;
    ending = true;
    // Temporal's cancel cancels the workflow's scope; the clean-up and the last record must run all the same.
    return CancellationScope.nonCancellable(async () => {
      // An Update in flight finishes first, so its record can't land after the final one.
      await condition(allHandlersFinished);
      const at = step;
      const cleanUpRefused = await cleanUp(cancel ? 'cancelled' : err instanceof Abandoned ? 'abandoned' : 'failed');
      const alsoRefused: VoiceTrustProblem[] = cleanUpRefused ? [{ field: null, message: `the clean-up at Twilio was refused: ${cleanUpRefused.message}`, code: cleanUpRefused.code }] : [];
      if (cancel) {
        const how = err instanceof Cancelled ? {} : { message: 'cancelled through Temporal' };
        await record('cancelled', 'done', { ...how, ...(alsoRefused.length ? { problems: alsoRefused } : {}) });
      } else if (err instanceof Abandoned) {
        const message = `abandoned: no corrections within ${spelled(err.afterMs)} of action_required; the numbers were taken off the trust product`;
        await record('failed', at, { problems: [...err.problems, { field: null, message, code: null }, ...alsoRefused], message });
      } else {
        const { code, message: why } = refusal!;
        const message = `the ${at.replaceAll('_', ' ')} step was refused${code ? ` (Twilio ${code})` : ''}: ${why}; start a new registration once the cause is fixed`;
        await record('failed', at, { problems: [{ field: null, message: why, code }, ...alsoRefused], message });
      }
      return status;
    });
  }

  /** As a cancel ended a registration before issue #21 (the histories recorded then replay through here); anything else failed the workflow. */
  async function endAsBefore(err: unknown): Promise<VoiceTrustStatus> {
    if (!(err instanceof Cancelled)) throw err;
    await twilio.voiceTrustCleanUp({ registrationId });
    await record('cancelled', 'done');
    return status;
  }

  /** Lets an Update accepted before the end finish, so its caller gets an answer. */
  async function settled(): Promise<VoiceTrustStatus> {
    if (patched(VOICE_TRUST_LIFECYCLE)) await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
    return status;
  }

  try {
    await record('running', 'business_profile_numbers');
    await twilio.voiceTrustAssignToProfile({ registrationId });
    checkpoint();
    await record('running', 'trust_product');
    // Named after the tenant and this workflow (registrations past this step keep their old name).
    const nameScope = patched(TENANT_SCOPED_NAMES) ? { nameScope: workflowInfo().workflowId } : {};
    await twilio.voiceTrustCreateTrustProduct({ registrationId, statusCallback, ...nameScope });
    checkpoint();
    await record('running', 'trust_product_numbers');
    await twilio.voiceTrustAssignToTrustProduct({ registrationId });
    for (;;) {
      checkpoint();
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
