import { Context } from '@temporalio/activity';

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
    ctx.heartbeat();
    const timer = setInterval(() => ctx.heartbeat(), 1_000);
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
    }
  };
}

/** Every activity with a keepalive heartbeat, except those that heartbeat their own progress. */
export function keptAlive<T extends Record<string, unknown>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      typeof fn === 'function' && !HEARTBEAT_THEIR_OWN.has(name) ? withKeepalive(fn as (...a: unknown[]) => Promise<unknown>) : fn,
    ]),
  ) as T;
}
