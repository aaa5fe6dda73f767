import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { auditScope, scopeOf } from './audit';
import { ActivityProgress, withProgress } from './progress';
import { isAccountPaused } from './twilio-errors';

/**
 * Activities that heartbeat their own progress (details a retry resumes from): never overwritten here. Those
 * heartbeating on a timer ask movedSinceLastLook() first (activities/kit/progress.ts).
 */
const HEARTBEAT_THEIR_OWN = new Set(['purchaseNumbers', 'releaseNumbers', 'purchaseNumbersFromSearch', 'runHealthPass']);

/** From this attempt on, a retrying activity is logged as a warning each time it starts again. */
export const WARN_FROM_ATTEMPT = 5;

/** How often the keepalive looks for progress (the activities' heartbeat timeout is 5 s). */
const KEEPALIVE_MS = 1_000;

/** Told of every retry (attempt 2 and later): the worker counts them in a Prometheus metric. */
export type RetryObserver = (r: { activity: string; attempt: number }) => void;

export interface WrapOptions {
  observeRetry?: RetryObserver;
}

/** The activity's Temporal context, or null outside one (unit tests call activities directly). */
function activityContext(): Context | null {
  try {
    return Context.current();
  } catch {
    return null;
  }
}

/**
 * Heartbeats while the activity makes progress (activities/kit/progress.ts: a Twilio answer, a finished
 * query, waiting for a Twilio slot or answer), so when its worker dies Temporal notices within the
 * heartbeat timeout and retries elsewhere. An activity that makes no progress (hung on a promise that
 * never settles) stops heartbeating and is retried after the heartbeat timeout, not its start-to-close
 * (up to 12 h).
 */
function withKeepalive<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const ctx = activityContext();
    if (!ctx) return fn(...args);
    const progress = new ActivityProgress();
    // Nothing for an activity done within the second (most are): no extra call to Temporal.
    const timer = setInterval(() => {
      if (progress.movedSinceLastLook()) ctx.heartbeat();
    }, KEEPALIVE_MS);
    try {
      return await withProgress(progress, () => fn(...args));
    } finally {
      clearInterval(timer);
    }
  };
}

/** Carries the activity's progress for its own heartbeats (no keepalive: it heartbeats its details itself). */
function withProgressOnly<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args: A) => withProgress(new ActivityProgress(), () => fn(...args));
}

/**
 * Makes retries visible: unlimited retries are kept where they reconcile Twilio's side effects through an
 * outage, so each retry is counted (observeRetry) and, from attempt 5, logged as a warning with the
 * activity's name and attempt — a retry loop never goes unseen.
 */
function withRetryVisibility<A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>, observeRetry?: RetryObserver): (...args: A) => Promise<R> {
  return (...args: A) => {
    const ctx = activityContext();
    const attempt = ctx?.info.attempt ?? 1;
    if (ctx && attempt > 1) {
      observeRetry?.({ activity: name, attempt });
      if (attempt >= WARN_FROM_ATTEMPT) ctx.log.warn('activity still retrying', { event: 'activity.retrying', activity: name, attempt });
    }
    return fn(...args);
  };
}

/** Runs the activity in its audit scope (whose work its Twilio writes are), taken from its input or its workflow's id. */
function withAuditScope<A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args: A) => {
    return auditScope.run(scopeOf(name, args[0], activityContext()?.info.workflowExecution?.workflowId), () => fn(...args));
  };
}

/**
 * A tenant's paused Twilio account (twilio-errors.ts TwilioAccountPaused) fails the attempt, retryably, with the
 * pause's own delay instead of the proxy's back-off: the workflow waits for the account without knowing of it —
 * no job or registration is failed — and each retry costs one PostgreSQL read, no Twilio request, until new
 * credentials (or a resumed account) let it through. Proxies with unlimited attempts wait for ever; see the
 * proxies in workflows/ for the few that don't.
 */
function withPausedAccountsWaiting<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      if (!isAccountPaused(err)) throw err;
      throw ApplicationFailure.create({
        type: 'TwilioAccountPaused',
        message: err.message,
        nonRetryable: false,
        nextRetryDelay: err.retryAfterMs,
        details: [{ accountSid: err.accountSid, status: err.status }],
      });
    }
  };
}

/**
 * Every activity in its audit scope, with its retries made visible, waiting while its tenant's Twilio account is
 * paused, and with a progress-driven keepalive heartbeat except those that heartbeat their own progress.
 */
export function wrapActivities<T extends Record<string, unknown>>(activities: T, options: WrapOptions = {}): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => {
      if (typeof fn !== 'function') return [name, fn];
      const scoped = withAuditScope(name, withPausedAccountsWaiting(fn as (...a: unknown[]) => Promise<unknown>));
      const kept = HEARTBEAT_THEIR_OWN.has(name) ? withProgressOnly(scoped) : withKeepalive(scoped);
      return [name, withRetryVisibility(name, kept, options.observeRetry)];
    }),
  ) as T;
}
