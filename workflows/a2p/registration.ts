import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { RegistrationDraft } from '../../schemas/a2p/registration';
import { refusalOf } from '../kit/activity-refusal';
import {
  afterUpdatesFinish,
  awaitReviewDecision,
  awaitUntilDeadline,
  cleanUpRefusedMessage,
  DAY_MS,
  DEFAULT_CORRECTIONS_DEADLINE_MS,
  isCancel,
  nextPollInterval,
  refusalOfStep,
  RegistrationAbandoned,
  RegistrationLifecycle,
  spelledDuration,
  stepInWords,
  updatesFinished,
  WakeUps,
} from '../kit/reviewed-registration';
import { a2p as twilio } from './activities';
import { TENANT_SCOPED_NAMES } from '../kit/patches';
import type {
  A2pCorrections,
  A2pRegistrationInput,
  A2pState,
  A2pStatusEvent,
  A2pStep,
  CustomerAction,
  ReviewKind,
  ReviewStatus,
  VerificationKind,
} from '../../schemas/a2p/workflow';

export const a2pStatusSignal = defineSignal<[A2pStatusEvent]>('a2pStatus');
export const a2pCancelSignal = defineSignal('a2pCancel');
export const a2pCorrectionsUpdate = defineUpdate<A2pState, [A2pCorrections]>('a2pCorrections');
export const a2pStateQuery = defineQuery<A2pState>('a2pState');
/** Sends the OTP or the Authentication+ e-mail again while the registration waits for its customer. */
export const a2pResendVerificationUpdate = defineUpdate<A2pState, []>('a2pResendVerification');

/** Twilio allows three brand updates; a campaign resubmission costs a vetting fee. */
export const MAX_BRAND_RESUBMISSIONS = 3;
/** A Sole Proprietor's OTP is valid for 24 hours from sending (30752 after that). */
export const OTP_VALIDITY_MS = DAY_MS;
/** How long a customer has for the OTP or Authentication+ unless timings say otherwise. */
export const CUSTOMER_VERIFICATION_DEADLINE_MS = 30 * DAY_MS;
/** How long a registration parked in action_required waits for corrections unless timings say otherwise. */
export const CORRECTIONS_DEADLINE_MS = DEFAULT_CORRECTIONS_DEADLINE_MS;

/**
 * Issue #21's patch ids (docs/operations/upgrading-workflows.md). Corrections accepted while the registration is
 * parked are all applied, merged in the order they were accepted, in one resubmission (before: the last one won).
 */
export const A2P_CORRECTIONS_QUEUED = 'a2p-corrections-queued';
/** A registration parked for corrections past its deadline ends failed as abandoned, cleaned up as a cancel is. */
export const A2P_CORRECTIONS_DEADLINE = 'a2p-corrections-deadline';
/**
 * The end is recorded once the Updates in flight have finished, whatever cancels the workflow meanwhile, and any
 * activity that gave up (not only a definitive Twilio answer) ends the registration failed with its reason.
 */
export const A2P_FINAL_BOOKKEEPING = 'a2p-final-bookkeeping';
/**
 * The corrections Update answers once the workflow has taken its corrections and recorded the registration
 * running again, so the caller's next read shows it resubmitting (before: it answered at once, and a read right
 * after still said action_required, which a console takes for a registration waiting for someone).
 */
export const A2P_CORRECTIONS_ANSWER_RECORDED = 'a2p-corrections-answer-recorded';

/** No corrections arrived before the deadline: the registration ends failed, cleaned up as a cancel is. */
type Abandoned = RegistrationAbandoned<{ step: A2pStep; reasons: ReviewStatus['reasons'] }>;

/** Two corrections as one: fields of the later one win, and a fee approved by either is approved. */
function mergeCorrections(earlier: A2pCorrections, later: A2pCorrections): A2pCorrections {
  return {
    ...(earlier.business || later.business ? { business: { ...earlier.business, ...later.business } } : {}),
    ...(earlier.campaign || later.campaign ? { campaign: { ...earlier.campaign, ...later.campaign } } : {}),
    ...(earlier.approveCampaignResubmissionFee || later.approveCampaignResubmissionFee ? { approveCampaignResubmissionFee: true } : {}),
  };
}

/** When the current OTP stops working (24 hours after sending); Twilio states no lifetime for the Auth+ e-mail. */
function validUntil(kind: VerificationKind, sentAt: number): string | null {
  return kind === 'sole_proprietor_otp' ? new Date(sentAt + OTP_VALIDITY_MS).toISOString() : null;
}

/**
 * US A2P 10DLC registration for one customer, as one workflow that may run for weeks:
 * secondary customer profile → A2P trust product → brand → Messaging Service → campaign → numbers.
 * Each review is awaited on a durable timer that polls Twilio with back-off and wakes at once when a
 * webhook signals a status change. A rejection is a state (action_required) that a Temporal Update
 * with corrections resolves; the workflow then resubmits.
 */
export async function a2pRegistration(input: A2pRegistrationInput): Promise<A2pState> {
  const { timings, registrationId } = input;
  // Twilio objects are named after the tenant and this workflow (registrations started earlier keep tp:<id>).
  const owner = { tenantId: input.tenantId, registrationId, ...(patched(TENANT_SCOPED_NAMES) ? { nameScope: workflowInfo().workflowId } : {}) };
  let draft: RegistrationDraft = JSON.parse(JSON.stringify(input.draft));
  const state: A2pState = {
    status: 'running',
    step: 'customer_profile',
    sids: {},
    actionRequired: null,
    brandResubmissions: 0,
    campaignSubmissions: 0,
  };
  const lifecycle = new RegistrationLifecycle();
  // SIDs a webhook reported since their last check; a report that arrives before its wait begins still counts.
  const wakeUps = new WakeUps();
  /** Corrections accepted while parked, in the order accepted; the workflow takes them all at once. */
  const pendingCorrections: A2pCorrections[] = [];
  /** Set from taking corrections until the next wait: they are being applied and resubmitted. */
  let applyingCorrections = false;
  /** Corrections accepted so far, and how many of them were taken and recorded as the registration running. */
  let correctionsAccepted = 0;
  let correctionsRecorded = 0;
  /** Set by a resend while waiting for the customer: the wait restarts its clock and looks again at once. */
  let resentAt: number | null = null;

  setHandler(a2pStateQuery, () => state);
  setHandler(a2pCancelSignal, lifecycle.cancel);
  // Duplicated, late or unrelated deliveries cause at most one more (idempotent) status check.
  setHandler(a2pStatusSignal, (event) => wakeUps.add(event.sid));
  setHandler(
    a2pCorrectionsUpdate,
    // Queued, not applied here: the workflow applies what was accepted in one resubmission, so a second
    // correction sent before the workflow took the first is not lost. The answer waits until they were taken and
    // the registration recorded running (or it is ending), so the caller's next read shows where it went.
    async (c) => {
      pendingCorrections.push(c);
      const mine = ++correctionsAccepted;
      if (patched(A2P_CORRECTIONS_ANSWER_RECORDED)) await condition(() => correctionsRecorded >= mine || lifecycle.ending);
      return state;
    },
    {
      validator: (c) => {
        if (lifecycle.ending) throw new Error(`nothing to correct: the registration is ending (${state.status})`);
        if (applyingCorrections) {
          throw new Error('the corrections sent earlier are being applied and resubmitted; send more if the next review rejects them');
        }
        if (state.status !== 'action_required' || !state.actionRequired) throw new Error(`nothing to correct: the registration is ${state.status}`);
        const step = state.actionRequired.step;
        if ((step === 'customer_profile' || step === 'trust_product' || step === 'brand') && !c.business) {
          throw new Error(`the ${step} step needs corrections under "business"`);
        }
        if (step === 'campaign') {
          if (!c.campaign) throw new Error('the campaign step needs corrections under "campaign"');
          if (state.campaignSubmissions > 0 && c.approveCampaignResubmissionFee !== true) {
            throw new Error('resubmitting a campaign is charged a vetting fee again: set approveCampaignResubmissionFee to true');
          }
        }
      },
    },
  );

  setHandler(
    a2pResendVerificationUpdate,
    async () => {
      const action = state.customerAction!;
      await twilio.a2pResendVerification({ brandSid: state.sids.brand!, kind: action.kind });
      resentAt = Date.now();
      Object.assign(action, { state: 'pending', code: null, message: null, resends: action.resends + 1, expiresAt: validUntil(action.kind, resentAt) });
      await record();
      return state;
    },
    {
      validator: () => {
        if (lifecycle.ending || state.status !== 'waiting_for_customer' || !state.customerAction || !state.sids.brand) {
          throw new Error(`nothing to resend: the registration is ${state.status}, not waiting for its customer`);
        }
      },
    },
  );

  const record = () => twilio.a2pRecordState({ registrationId, state });
  /** A cancel takes effect before the next Twilio side effect, not only during waits. */
  const checkpoint = () => lifecycle.checkpoint();
  const move = async (step: A2pStep) => {
    checkpoint();
    applyingCorrections = false;
    state.step = step;
    state.status = 'running';
    await record();
  };

  /** Polls with back-off (durable timers) until Twilio decides; a signal for this SID cuts the wait short. */
  async function awaitReview(kind: ReviewKind, sid: string, serviceSid?: string): Promise<ReviewStatus> {
    applyingCorrections = false;
    state.status = 'waiting_for_review';
    await record();
    return awaitReviewDecision({
      firstPollMs: timings.firstPollMs,
      maxPollMs: timings.maxPollMs,
      deadlineMs: timings.deadlines[kind],
      lifecycle,
      wakeUp: wakeUps.of(sid),
      look: () => twilio.a2pReviewStatus({ kind, sid, serviceSid }),
      // Still polling, but visibly overdue.
      flagOverdue: async () => {
        state.status = 'needs_attention';
        await record();
      },
    });
  }

  /**
   * Parks the registration until the tenant sends corrections (validated by the Update's validator), or until
   * the corrections deadline, when it is abandoned.
   */
  async function awaitCorrections(step: A2pStep, review: ReviewStatus, hint: string): Promise<A2pCorrections> {
    state.status = 'action_required';
    state.actionRequired = { step, reasons: review.reasons, hint };
    applyingCorrections = false;
    await record();
    await parkedUntilCorrected(step, review);
    const takenUpTo = correctionsAccepted;
    const c = takeCorrections();
    applyingCorrections = true;
    state.actionRequired = null;
    draft = {
      ...draft,
      business: { ...draft.business, ...c.business },
      campaign: { ...draft.campaign, ...c.campaign },
    } as RegistrationDraft;
    state.status = 'running';
    await record();
    correctionsRecorded = takenUpTo;
    return c;
  }

  async function parkedUntilCorrected(step: A2pStep, review: ReviewStatus): Promise<void> {
    const arrived = () => pendingCorrections.length > 0 || lifecycle.cancelled;
    if (!patched(A2P_CORRECTIONS_DEADLINE)) {
      await condition(arrived);
    } else {
      const within = timings.deadlines.corrections ?? CORRECTIONS_DEADLINE_MS;
      // Corrections accepted in the same moment the deadline passed were promised to their caller: they count.
      if (!(await awaitUntilDeadline(arrived, within))) throw new RegistrationAbandoned({ step, reasons: review.reasons }, within);
    }
    checkpoint();
  }

  /** Every correction accepted so far, merged in the order accepted (registrations started earlier keep the last only). */
  function takeCorrections(): A2pCorrections {
    const accepted = pendingCorrections.splice(0);
    const taken = patched(A2P_CORRECTIONS_QUEUED) ? accepted : accepted.slice(-1);
    return taken.reduce(mergeCorrections);
  }

  /**
   * Waits for the customer's own step on an approved brand (the OTP reply, or the Authentication+ e-mail),
   * visibly: status waiting_for_customer with what to do and until when. A brand status event wakes it; a
   * lapsed OTP or e-mail is a state whose fix is a resend, not a failure. Returns the reason when the
   * registration's deadline passes first.
   */
  async function awaitCustomerVerification(kind: VerificationKind, brandSid: string): Promise<ReviewStatus | null> {
    const wakeUp = wakeUps.of(brandSid);
    const startedAt = Date.now();
    const deadline = startedAt + (timings.deadlines.customer_verification ?? CUSTOMER_VERIFICATION_DEADLINE_MS);
    let sentAt = startedAt;
    let interval = timings.firstPollMs;
    for (;;) {
      if (resentAt !== null) {
        sentAt = resentAt;
        resentAt = null;
        interval = timings.firstPollMs;
      }
      const identity = await twilio.a2pBrandIdentity({ brandSid });
      if (identity.state === 'verified') {
        state.customerAction = null;
        return null;
      }
      const action: CustomerAction = {
        kind,
        state: identity.state,
        instructions: instructionsFor(kind),
        expiresAt: validUntil(kind, sentAt),
        deadline: new Date(deadline).toISOString(),
        code: identity.code,
        message: identity.message,
        resends: state.customerAction?.resends ?? 0,
      };
      if (state.status !== 'waiting_for_customer' || JSON.stringify(action) !== JSON.stringify(state.customerAction)) {
        state.status = 'waiting_for_customer';
        state.customerAction = action;
        await record();
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const what = kind === 'sole_proprietor_otp' ? 'confirm the one-time password' : 'complete Authentication+';
        return { outcome: 'terminal', twilioStatus: 'CUSTOMER_VERIFICATION_EXPIRED', reasons: [{ code: identity.code, message: `the customer did not ${what} in time`, fields: [] }] };
      }
      await condition(() => wakeUp.pending() || lifecycle.cancelled || resentAt !== null, Math.min(interval, left));
      checkpoint();
      wakeUp.take();
      interval = nextPollInterval(interval, timings.maxPollMs);
    }
  }

  function instructionsFor(kind: VerificationKind): string {
    if (draft.brandType === 'sole_proprietor') {
      return `Twilio texts a one-time password to ${draft.soleProprietor.mobilePhoneNumber}: the owner replies YES within 24 hours. If it lapsed or never arrived, resend it.`;
    }
    const contact = kind === 'authentication_plus' && 'company' in draft ? draft.company.brandContactEmail : 'the brand contact';
    return `Twilio e-mails ${contact} (Authentication+): someone there opens the link, signs in and confirms the brand. If the e-mail lapsed or never arrived, resend it.`;
  }

  /**
   * Records the registration's end. Registrations started since A2P_FINAL_BOOKKEEPING first let every accepted
   * Update finish (so none is cut off mid-way and none records after the end), and record even when Temporal
   * cancels the workflow meanwhile.
   */
  async function finish(): Promise<A2pState> {
    lifecycle.ending = true;
    if (!patched(A2P_FINAL_BOOKKEEPING)) {
      await record();
      return state;
    }
    return afterUpdatesFinish(async () => {
      await record();
      return state;
    });
  }

  const fail = async (review: ReviewStatus, why: string, step: A2pStep = state.step) => {
    state.status = 'failed';
    state.actionRequired = { step, reasons: review.reasons, hint: why };
    return finish();
  };

  /**
   * What a cancel deletes at Twilio (unsubmitted bundles, the campaign and its Messaging Service), once no Update
   * runs. Since A2P_FINAL_BOOKKEEPING a clean-up Twilio refuses is returned as a reason, so the end is still recorded.
   */
  async function cleanUp(): Promise<ReviewStatus['reasons']> {
    lifecycle.ending = true;
    const cleanUpCancelled = async () => {
      state.cleanup = await twilio.a2pCleanUpCancelled({ registrationId, sids: state.sids });
    };
    if (!patched(A2P_FINAL_BOOKKEEPING)) {
      await cleanUpCancelled();
      return [];
    }
    await updatesFinished();
    const refusal = await refusalOfStep(cleanUpCancelled);
    return refusal ? [{ code: refusal.code, message: cleanUpRefusedMessage('clean-up', refusal), fields: [] }] : [];
  }

  /** Parked past the corrections deadline: cleaned up as a cancel is, then failed with the reason. */
  async function abandon(parked: Abandoned): Promise<A2pState> {
    return CancellationScope.nonCancellable(async () => {
      const refused = await cleanUp();
      const why = `abandoned: no corrections were sent within ${spelledDuration(parked.afterMs)} of the rejection`;
      return fail(
        { outcome: 'terminal', twilioStatus: 'CORRECTIONS_DEADLINE_PASSED', reasons: [{ code: null, message: why, fields: [] }, ...parked.detail.reasons, ...refused] },
        'the corrections deadline passed; what a cancel deletes was deleted; start a new registration with the corrections',
        parked.detail.step,
      );
    });
  }

  /** A Trust Hub bundle: submit, await review, on rejection take corrections and resubmit. */
  async function reviewBundle(kind: 'customer_profile' | 'trust_product', sid: string, profileSid: string): Promise<ReviewStatus> {
    checkpoint();
    await twilio.a2pSubmitBundle({ kind, sid });
    for (;;) {
      const review = await awaitReview(kind, sid);
      if (review.outcome !== 'rejected') return review;
      const c = await awaitCorrections(kind, review, 'correct the business information; the profile is resubmitted');
      checkpoint();
      await twilio.a2pUpdateBusinessInformation({ customerProfileSid: profileSid, business: c.business ?? {} });
      await twilio.a2pSubmitBundle({ kind, sid });
    }
  }

  const hooks = input.webhookBaseUrl?.replace(/\/$/, '');
  const statusCallback = hooks ? `${hooks}/webhooks/twilio/status-callback` : undefined;

  try {
    await record();
    checkpoint(); // cancelled before it began (signal-with-start): nothing at Twilio to undo
    if (hooks) await twilio.a2pEnsureEventStreams({ destination: `${hooks}/webhooks/twilio/events` });
    // 1. Secondary customer profile.
    const profile = await twilio.a2pCreateCustomerProfile({ ...owner, draft, statusCallback });
    state.sids.customerProfile = profile.sid;
    let review = await reviewBundle('customer_profile', profile.sid, profile.sid);
    if (review.outcome === 'terminal') return await fail(review, 'the customer profile cannot be approved');

    // 2. A2P trust product.
    await move('trust_product');
    const product = await twilio.a2pCreateTrustProduct({ ...owner, draft, customerProfileSid: profile.sid, statusCallback });
    state.sids.trustProduct = product.sid;
    review = await reviewBundle('trust_product', product.sid, profile.sid);
    if (review.outcome === 'terminal') return await fail(review, 'the A2P trust product cannot be approved');

    // 3. Brand (TCR).
    await move('brand');
    const brand = await twilio.a2pRegisterBrand({
      ...owner,
      customerProfileSid: profile.sid,
      trustProductSid: product.sid,
      lowVolume: draft.brandType === 'low_volume_standard',
      soleProprietor: draft.brandType === 'sole_proprietor',
    });
    state.sids.brand = brand.sid;
    for (;;) {
      review = await awaitReview('brand', brand.sid);
      if (review.outcome === 'approved') break;
      if (review.outcome === 'terminal') return await fail(review, 'the brand is suspended or cannot be registered; contact Twilio support');
      if (state.brandResubmissions >= MAX_BRAND_RESUBMISSIONS) return await fail(review, 'the brand was rejected after the maximum number of updates');
      const c = await awaitCorrections('brand', review, `correct the business information; the brand is resubmitted (${MAX_BRAND_RESUBMISSIONS - state.brandResubmissions} updates left)`);
      checkpoint();
      await twilio.a2pUpdateBusinessInformation({ customerProfileSid: profile.sid, business: c.business ?? {} });
      await twilio.a2pResubmitBrand({ sid: brand.sid });
      state.brandResubmissions += 1;
    }

    // 3a. The customer's own step on the approved brand: a Sole Proprietor's OTP, a public company's Authentication+.
    const verification: VerificationKind | null =
      draft.brandType === 'sole_proprietor' ? 'sole_proprietor_otp' : draft.company.type === 'public' ? 'authentication_plus' : null;
    if (verification && patched('brand-customer-verification')) {
      const lapsed = await awaitCustomerVerification(verification, brand.sid);
      if (lapsed) return await fail(lapsed, 'the customer verification deadline passed; start a new registration when the customer is ready');
    }

    // 3b. A political campaign's Campaign Verify token, imported on the approved brand before the campaign.
    while (draft.campaign.usecase === 'POLITICAL' && patched('political-campaign-verify')) {
      const vetting = await twilio.a2pImportCampaignVerifyToken({ brandSid: brand.sid, token: draft.campaign.campaignVerifyToken ?? '' });
      if (vetting.ok) break;
      await awaitCorrections(
        'campaign',
        { outcome: 'rejected', twilioStatus: 'VETTING_FAILED', reasons: [{ code: vetting.code, message: vetting.message, fields: ['campaign.campaignVerifyToken'] }] },
        'send a valid Campaign Verify token (campaignverify.org) for this organization',
      );
    }

    // 4. Messaging Service and use-case check.
    await move('messaging_service');
    const service = await twilio.a2pEnsureMessagingService({ ...owner, friendlyName: draft.profile.friendlyName });
    state.sids.messagingService = service.sid;
    for (;;) {
      const usecase = await twilio.a2pCheckUsecase({ serviceSid: service.sid, brandSid: brand.sid, usecase: draft.campaign.usecase });
      if (usecase.allowed) break;
      await awaitCorrections('campaign', { outcome: 'rejected', twilioStatus: 'USECASE_NOT_ALLOWED', reasons: [{ code: null, message: usecase.message, fields: ['campaign.usecase'] }] }, 'choose a use case this brand may register');
    }

    // 5. Campaign.
    await move('campaign');
    const campaign = await twilio.a2pCreateCampaign({ ...owner, serviceSid: service.sid, brandSid: brand.sid, campaign: draft.campaign });
    state.sids.campaign = campaign.sid;
    state.campaignSubmissions = 1;
    for (;;) {
      review = await awaitReview('campaign', campaign.sid, service.sid);
      if (review.outcome === 'approved') break;
      if (review.outcome === 'terminal') return await fail(review, 'the campaign is ineligible for resubmission');
      await awaitCorrections('campaign', review, 'correct the campaign; resubmitting charges the vetting fee again, so approve it explicitly');
      checkpoint();
      await twilio.a2pUpdateCampaign({ serviceSid: service.sid, sid: campaign.sid, campaign: draft.campaign });
      state.campaignSubmissions += 1;
    }

    // 6. Numbers.
    await move('numbers');
    // A number refused here (released meanwhile, or in another service) is reported, not fatal: the campaign stands.
    if (draft.phoneNumbers.length > 0) state.numbers = await twilio.a2pAddNumbers({ tenantId: input.tenantId, serviceSid: service.sid, phoneNumbers: draft.phoneNumbers });
    state.step = 'done';
    state.status = 'completed';
    return await finish();
  } catch (err) {
    if (err instanceof RegistrationAbandoned) return await abandon(err as Abandoned);
    // A definitive refusal (Twilio's 4xx, a noncompliant evaluation, missing ISV setup) ends the
    // registration visibly as failed, with the reason, instead of leaving it "running"; since
    // A2P_FINAL_BOOKKEEPING so does any activity that gave up (a failure no retry can change, a timeout).
    const refusal = refusalOf(err);
    const definitive = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable;
    if (refusal && (definitive || patched(A2P_FINAL_BOOKKEEPING))) {
      const type = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.type : null;
      return await fail(
        { outcome: 'terminal', twilioStatus: type ?? 'Error', reasons: [{ code: refusal.code, message: refusal.message, fields: [] }] },
        `the ${stepInWords(state.step)} step was refused; start a new registration once the cause is fixed`,
      );
    }
    // Our cancel endpoint signals; a cancel from Temporal itself (UI, CLI) is honoured the same way.
    if (!isCancel(err)) throw err;
    return await CancellationScope.nonCancellable(async () => {
      const refused = await cleanUp();
      state.status = 'cancelled';
      // A refused clean-up is what is left to do by hand.
      state.actionRequired = refused.length ? { step: state.step, reasons: refused, hint: 'delete what is left of this registration at Twilio by hand' } : null;
      await record();
      return state;
    });
  }
}

