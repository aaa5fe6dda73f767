/**
 * The building blocks of a reviewed registration's workflow (A2P, voice trust, toll-free; porting and regulatory
 * bundles next): submitted to Twilio, its review awaited with back-off and wake-ups and flagged overdue, parked for
 * corrections (Updates with validators) until a deadline, cancelled with a clean-up, and ended final with the reason
 * whatever stops it. Each product's workflow is its business process over these, plus its own words and activities.
 *
 * Determinism: every block issues exactly the commands the hand-written copies did (the replay histories check it);
 * patch markers are asked for by the products, where their paths part, never here.
 */
import { allHandlersFinished, CancellationScope, condition, isCancellation, patched } from '@temporalio/workflow';
import { refusalOf, type Refusal } from './activity-refusal';
import { isOverdue, nextPollInterval, type PollTimings } from './reviewed-registration-timing';

export * from './reviewed-registration-timing';
export * from './reviewed-registration-messages';

/** Thrown at a checkpoint once the product's cancel signal arrived; the workflow's end cleans up and records it. */
export class RegistrationCancelled extends Error {}

/** Parked past the corrections deadline: the registration ends failed as abandoned, cleaned up as a cancel is. */
export class RegistrationAbandoned<Detail> extends Error {
  constructor(
    /** What the product records with the abandonment (e.g. the rejection's reasons). */
    readonly detail: Detail,
    readonly afterMs: number,
  ) {
    super('abandoned');
  }
}

/** Whether a registration was asked to stop, and whether it is ending: what checkpoints and validators read. */
export class RegistrationLifecycle {
  cancelled = false;
  /** Set once the registration is ending: no Update is accepted any more. */
  ending = false;
  /** The product's cancel signal handler. */
  readonly cancel = (): void => {
    this.cancelled = true;
  };
  /** A cancel takes effect before the next Twilio side effect, not only during waits. */
  checkpoint(): void {
    if (this.cancelled) throw new RegistrationCancelled();
  }
}

/** Our cancel (a checkpoint's) or Temporal's (the UI, the CLI, a cancelled activity). */
export const isCancel = (err: unknown): boolean => err instanceof RegistrationCancelled || isCancellation(err);

/** One awaited resource's wake-up: whether a status callback is waiting, and taking it. */
export interface WakeUp {
  pending(): boolean;
  take(): void;
}

/**
 * Status callbacks (the product's status signal) per resource SID. Duplicated, late or unrelated deliveries cause
 * at most one more (idempotent) status check; one that arrives before its wait begins still counts.
 */
export class WakeUps {
  private readonly keys = new Set<string>();
  /** The status signal's handler; a product with one awaited resource needs no key. */
  add(key = ''): void {
    this.keys.add(key);
  }
  of(key = ''): WakeUp {
    return { pending: () => this.keys.has(key), take: () => void this.keys.delete(key) };
  }
}

export interface ReviewWait<Review extends { outcome: string }> extends PollTimings {
  lifecycle: RegistrationLifecycle;
  /** Past this, from the wait's start, the review is flagged overdue (once) and polling goes on. */
  deadlineMs: number;
  /** Absent: polled only (the product has no status callbacks). */
  wakeUp?: WakeUp;
  /** One look at Twilio's review. */
  look(): Promise<Review>;
  /** Records the review as overdue: visible, not fatal. */
  flagOverdue(): Promise<void>;
}

/** Polls with back-off (durable timers) until Twilio decides; a wake-up cuts the wait short, a cancel ends it. */
export async function awaitReviewDecision<Review extends { outcome: string }>(wait: ReviewWait<Review>): Promise<Review> {
  const { lifecycle, wakeUp } = wait;
  const startedAt = Date.now();
  let interval = wait.firstPollMs;
  let flagged = false;
  for (;;) {
    await condition(() => (wakeUp?.pending() ?? false) || lifecycle.cancelled, interval);
    lifecycle.checkpoint();
    wakeUp?.take();
    const review = await wait.look();
    if (review.outcome !== 'pending') return review;
    interval = nextPollInterval(interval, wait.maxPollMs);
    if (!flagged && isOverdue(startedAt, Date.now(), wait.deadlineMs)) {
      flagged = true;
      await wait.flagOverdue();
    }
  }
}

/** Resolves once every Update and signal handler in flight has finished. */
export const updatesFinished = (): Promise<void> => condition(allHandlersFinished);

/**
 * Waits until `arrived`, or until `withinMs` passes; then `atDeadline` runs (e.g. letting corrections accepted in
 * time land) and `arrived` is judged again. True when it arrived: corrections promised to their caller count.
 */
export async function awaitUntilDeadline(arrived: () => boolean, withinMs: number, atDeadline?: () => Promise<void> | void): Promise<boolean> {
  if (await condition(arrived, withinMs)) return true;
  await atDeadline?.();
  return arrived();
}

/** How a product names its corrections in a refused Update: "nothing to correct: the registration is …". */
export interface CorrectionsWording {
  verb: string;
  noun: string;
  /** What the registration is while corrections sent earlier are being applied. */
  busy: string;
}

/**
 * Corrections (or edits) applied inside their Update, so the caller gets the registration back under way or
 * Twilio's refusal. A refusal leaves the registration parked and taking corrections again.
 */
export class CorrectionsInUpdate {
  /** Set while corrections are being sent to Twilio: no others are taken meanwhile. */
  applying = false;
  /** Set once corrections were applied and recorded: the parked registration goes on. */
  landed = false;

  constructor(
    private readonly lifecycle: RegistrationLifecycle,
    private readonly wording: CorrectionsWording,
  ) {}

  /** Parking anew: nothing landed yet, nothing being applied. */
  reopen(): void {
    this.landed = false;
    this.applying = false;
  }

  /** What a parked registration waits for: corrections landed, or a cancel. */
  readonly landedOrCancelled = (): boolean => this.landed || this.lifecycle.cancelled;

  /** The Update's handler: `send` them to Twilio, then `recorded` once accepted; `refused` sees a refusal first. */
  async apply(send: () => Promise<unknown>, recorded: () => Promise<unknown>, refused?: (err: unknown) => void): Promise<void> {
    this.applying = true;
    try {
      await send();
    } catch (err) {
      // Refused: the registration still waits for corrections, so the next ones must be taken.
      this.applying = false;
      refused?.(err);
      throw err;
    }
    await recorded();
    this.landed = true;
  }

  /** The validator's common part: parked, nothing being applied, not ending. `alsoOpen` checks in between. */
  refuseUnlessOpen(status: string, alsoOpen?: () => void): void {
    const { verb, noun, busy } = this.wording;
    if (status !== 'action_required' || this.applying) throw new Error(`nothing to ${verb}: the ${noun} is ${this.applying ? busy : status}`);
    alsoOpen?.();
    if (this.lifecycle.ending || this.lifecycle.cancelled) throw new Error(`nothing to ${verb}: the ${noun} is ending`);
  }
}

/** Why a registration stopped before its business process ended it, or null for a bug (rethrown). */
export type StopReason<Detail = unknown> =
  | { kind: 'cancelled'; throughTemporal: boolean }
  | { kind: 'abandoned'; abandoned: RegistrationAbandoned<Detail> }
  | { kind: 'refused'; refusal: Refusal };

/** `Detail` is what the product's RegistrationAbandoned carries (the product throws it, so it knows). */
export function whyStopped<Detail = unknown>(err: unknown): StopReason<Detail> | null {
  if (isCancel(err)) return { kind: 'cancelled', throughTemporal: !(err instanceof RegistrationCancelled) };
  if (err instanceof RegistrationAbandoned) return { kind: 'abandoned', abandoned: err as RegistrationAbandoned<Detail> };
  const refusal = refusalOf(err);
  return refusal ? { kind: 'refused', refusal } : null;
}

/** What a clean-up activity is told about the end: a refused step failed the registration. */
export const cleanUpReason = (why: StopReason): 'cancelled' | 'abandoned' | 'failed' => (why.kind === 'refused' ? 'failed' : why.kind);

/** Runs a Twilio step whose refusal is an outcome to record, not a failure: returns the refusal, or null. */
export async function refusalOfStep(step: () => Promise<unknown>): Promise<Refusal | null> {
  try {
    await step();
    return null;
  } catch (err) {
    const refusal = refusalOf(err);
    if (!refusal) throw err;
    return refusal;
  }
}

/**
 * Runs `last` (the final bookkeeping) once the Updates in flight have finished, so none is cut off mid-way and none
 * records after the end; outside the workflow's cancellation, since Temporal's cancel must not cancel recording it.
 */
export function afterUpdatesFinish<T>(last: () => Promise<T>): Promise<T> {
  return CancellationScope.nonCancellable(async () => {
    await updatesFinished();
    return last();
  });
}

/** Lets Updates accepted before the end finish, so their callers get an answer (for workflows past `patchId`). */
export async function letUpdatesFinish(patchId: string): Promise<void> {
  if (patched(patchId)) await CancellationScope.nonCancellable(() => updatesFinished());
}

export interface StopHandling<T, Detail> {
  lifecycle: RegistrationLifecycle;
  /** What the end undoes at Twilio; a refusal is passed on to `record`, not thrown, so the row still ends final. */
  cleanUp(why: StopReason<Detail>): Promise<unknown>;
  /** Records the end, final, with the reason. */
  record(why: StopReason<Detail>, cleanUpRefused: Refusal | null): Promise<T>;
}

/**
 * The registration's end after whatever stopped it (a refused step, a cancel — ours or Temporal's —, abandonment):
 * no more Updates, those in flight finish, the clean-up runs, the row is recorded final. Anything else is a bug
 * of the workflow's own code: rethrown, to fix and replay.
 */
export async function endAfterStop<T, Detail = unknown>(err: unknown, handling: StopHandling<T, Detail>): Promise<T> {
  const why = whyStopped<Detail>(err);
  if (!why) throw err;
  handling.lifecycle.ending = true;
  return afterUpdatesFinish(async () => {
    const refused = await refusalOfStep(() => handling.cleanUp(why));
    return handling.record(why, refused);
  });
}
