import { condition, defineSignal, defineUpdate, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { VoiceTrustCorrections, type VoiceTrustInput, type VoiceTrustProblem, type VoiceTrustStatus } from '../schemas/voice-trust';
import { voiceTrust as twilio } from './activities';
import { TENANT_SCOPED_NAMES } from './patches';

/** A Trust Hub status callback for the registration's trust product: look again now. */
export const voiceTrustStatusSignal = defineSignal('voiceTrustStatus');
export const voiceTrustCancelSignal = defineSignal('voiceTrustCancel');
export const voiceTrustCorrectionsUpdate = defineUpdate<VoiceTrustStatus, [VoiceTrustCorrections]>('voiceTrustCorrections');

class Cancelled extends Error {}

/**
 * A voice trust registration (SHAKEN/STIR, CNAM or Voice Integrity) for some of the tenant's numbers, as one
 * workflow that may run for days: numbers onto the business profile → trust product (with its end user and
 * the profile) → numbers onto the trust product → evaluate and submit → Twilio's review. The review is
 * awaited on durable timers that poll with back-off and wake at once on a status callback. A rejection or a
 * failed evaluation parks it in action_required until corrections arrive (a validated Update); then it
 * resubmits. A cancel, at any step, takes the numbers off the trust product and deletes what it made.
 */
export async function voiceTrustRegistration({ registrationId, product, timings, statusCallback }: VoiceTrustInput): Promise<VoiceTrustStatus> {
  let status: VoiceTrustStatus = 'running';
  let cancelled = false;
  let woken = false;
  /** Set once the tenant's corrections were applied at Twilio: the parked registration resubmits. */
  let corrected = false;
  let parkedAt = '';
  let applying = false;

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
      await twilio.voiceTrustApplyCorrections({ registrationId, corrections: c });
      await record('running', parkedAt, { problems: [] });
      corrected = true;
      return status;
    },
    {
      validator: (c) => {
        if (status !== 'action_required' || applying) throw new Error(`nothing to correct: the registration is ${applying ? 'taking corrections already' : status}`);
        VoiceTrustCorrections.parse(c);
        if (c.displayName !== undefined && product !== 'cnam') throw new Error('displayName: only a CNAM registration has a display name');
        const vi = ['useCase', 'employeeCount', 'averageDailyCallVolume', 'notes'] as const;
        const stray = vi.find((k) => c[k] !== undefined);
        if (stray && product !== 'voice_integrity') throw new Error(`${stray}: only a Voice Integrity registration has it`);
      },
    },
  );

  const record = async (next: VoiceTrustStatus, step: string, extra: { problems?: VoiceTrustProblem[]; message?: string } = {}) => {
    status = next;
    await twilio.voiceTrustRecord({ registrationId, status: next, step, ...extra });
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

  /** Parks the registration until the tenant's corrections have been applied (by the Update). */
  async function awaitCorrections(step: string, problems: VoiceTrustProblem[]) {
    parkedAt = step;
    corrected = false;
    applying = false;
    await record('action_required', step, { problems });
    await condition(() => corrected || cancelled);
    checkpoint();
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
        return status;
      }
      await awaitCorrections('review', review.problems);
    }
  } catch (err) {
    if (!(err instanceof Cancelled)) throw err;
    await twilio.voiceTrustCleanUp({ registrationId });
    await record('cancelled', 'done');
    return status;
  }
}
