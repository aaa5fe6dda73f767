import { Context } from '@temporalio/activity';
import { auditScope, scopeOf } from './audit';

/** Activities that heartbeat their own progress (details a retry resumes from): never overwritten here. */
const HEARTBEAT_THEIR_OWN = new Set(['purchaseNumbers', 'releaseNumbers', 'purchaseNumbersFromSearch']);

/**
 * Heartbeats every second while an activity runs (waiting for a Twilio slot included), so when its
 * worker dies Temporal notices within the heartbeat timeout and retries elsewhere, instead of waiting
 * out the whole start-to-close timeout. Outside an activity (unit tests) the function runs as it is.
 */
function withKeepalive<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    let ctx: Context;
    try {
      ctx = Context.current();
    } catch {
      return fn(...args);
    }
    // Nothing for an activity done within the second (most are): no extra call to Temporal.
    const timer = setInterval(() => ctx.heartbeat(), 1_000);
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
    }
  };
}

/** Runs the activity in its audit scope (whose work its Twilio writes are), taken from its input. */
function withAuditScope<A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args: A) => {
    return auditScope.run(scopeOf(name, args[0]), () => fn(...args));
  };
}

/**
 * Every activity in its audit scope, and with a keepalive heartbeat except those that heartbeat their
 * own progress.
 */
export function wrapActivities<T extends Record<string, unknown>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => {
      if (typeof fn !== 'function') return [name, fn];
      const scoped = withAuditScope(name, fn as (...a: unknown[]) => Promise<unknown>);
      return [name, HEARTBEAT_THEIR_OWN.has(name) ? scoped : withKeepalive(scoped)];
    }),
  ) as T;
}
