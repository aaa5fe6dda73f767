import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from '../../db/kit/pool';

/**
 * What an activity has done since it started, so its keepalive heartbeat can tell a working activity
 * from a hung one (activity-wrappers.ts). Two kinds of evidence:
 * - steps: something finished — a Twilio answer came back, a PostgreSQL query ended (either way);
 * - waits: the activity is waiting on something that is alive and bounded — its turn at the account's
 *   Twilio limiter, or a Twilio request in flight (the SDK's timeout ends it).
 * An activity with neither (a promise that never settles, no calls) is hung: it stops heartbeating.
 */
export class ActivityProgress {
  private steps = 0;
  private waits = 0;
  private stepsSeen = 0;

  step(): void {
    this.steps += 1;
  }

  async waitingFor<T>(wait: () => Promise<T>): Promise<T> {
    this.waits += 1;
    try {
      return await wait();
    } finally {
      this.waits -= 1;
      this.steps += 1; // the wait ending is a step too: a wait that ends between two looks is not lost
    }
  }

  /** True when the activity moved since the last look, or is waiting on something alive. */
  movedSinceLastLook(): boolean {
    const moved = this.steps !== this.stepsSeen || this.waits > 0;
    this.stepsSeen = this.steps;
    return moved;
  }
}

const current = new AsyncLocalStorage<ActivityProgress>();

/** Runs an activity with its progress carried to the Twilio client, the limiter and the pool it calls. */
export function withProgress<T>(progress: ActivityProgress, fn: () => Promise<T>): Promise<T> {
  return current.run(progress, fn);
}

/**
 * For activities that heartbeat their own details on a timer (purchase and release groups): whether the activity
 * running here moved since it last asked, so a hung one stops heartbeating too. True outside an activity.
 */
export function movedSinceLastLook(): boolean {
  return current.getStore()?.movedSinceLastLook() ?? true;
}

/** Runs `wait` counting it as a sign of life for the activity running here. */
export function whileWaiting<T>(wait: () => Promise<T>): Promise<T> {
  const progress = current.getStore();
  return progress ? progress.waitingFor(wait) : wait();
}

type QueryFn = (...args: unknown[]) => unknown;

/** A query function that reports a step to the activity that called it once the query settles. */
function reportingQuery(query: QueryFn, self: object): QueryFn {
  return (...args: unknown[]) => {
    // Captured at the call: pg may settle the query in another client's context (its pool's queue).
    const progress = current.getStore();
    if (!progress) return query.apply(self, args);
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as (...a: unknown[]) => void;
      args[last] = (...a: unknown[]) => {
        progress.step();
        callback(...a);
      };
      return query.apply(self, args);
    }
    const result = query.apply(self, args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(() => progress.step(), () => progress.step());
    }
    return result;
  };
}

/** A checked-out client whose queries report steps; everything else is the client's own. */
function reportingClient<C extends object>(client: C): C {
  return new Proxy(client, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return prop === 'query' ? reportingQuery(value as QueryFn, target) : value.bind(target);
    },
  });
}

/**
 * The pool as activities see it: every query that settles (through `query` or a checked-out client) is a
 * step of the activity that made it. The pool itself is shared and unchanged.
 */
export function reportingProgress(db: Db): Db {
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop === 'query') return reportingQuery(value as QueryFn, target);
      if (prop === 'connect') {
        return (...args: unknown[]) => {
          if (args.length > 0) return (value as QueryFn).apply(target, args); // callback form: left as it is
          return (target.connect() as Promise<object>).then((client) => reportingClient(client));
        };
      }
      return value.bind(target);
    },
  });
}
