import { AsyncLocalStorage } from 'node:async_hooks';
import type { DeliveryLedger } from './deliveries';
import { FailureRules } from './failures';
import { emptyStats, FaultDecider, noFaults, type AccountStats, type FaultSettings } from './faults';
import { VirtualClock, type ReviewClock, type ReviewDurations } from './review-clock';
import { TwilioError } from './wire';

/**
 * One sandbox account's own world: its fault settings, failure rules, fault decisions, request stats,
 * review clock, A2P pacing and webhook delivery mode. Test files on different accounts share one
 * sandbox process without seeing each other's. Objects and number ownership are not here: they stay
 * global, as on Twilio.
 */
export class AccountWorld {
  settings: FaultSettings;
  readonly decider = new FaultDecider();
  readonly failures = new FailureRules();
  readonly clock: VirtualClock;
  readonly deliveries: DeliveryLedger = { mode: 'normal', sent: 0, dropped: 0 };
  private requestStats: AccountStats | undefined;
  private lastPacedAt: number | undefined;

  constructor(
    readonly sid: string,
    private readonly seed: number,
    private readonly initialDurations: ReviewDurations,
  ) {
    this.settings = noFaults(seed);
    this.clock = new VirtualClock({ ...initialDurations });
  }

  /** Request counters, created on first use: `GET /__sandbox/stats` lists the accounts that have some. */
  get stats(): AccountStats {
    return (this.requestStats ??= emptyStats());
  }

  get hasStats() {
    return this.requestStats !== undefined;
  }

  /** Zero the counters but requests still in flight (their close handlers will count them down). */
  resetStats() {
    if (this.requestStats) Object.assign(this.requestStats, { ...emptyStats(), inFlight: this.requestStats.inFlight });
  }

  /** Twilio asks ISVs for 1 request/second on brand and campaign writes; faster ones get 429. Measured on this account's clock. */
  pace() {
    const now = this.clock.now().getTime();
    if (this.lastPacedAt !== undefined && now - this.lastPacedAt < this.settings.a2pPacingMs) {
      throw new TwilioError(429, 20429, 'Too Many Requests: brand and campaign registration is limited to 1 request per second');
    }
    this.lastPacedAt = now;
  }

  /**
   * Back to a fresh world: no faults, rules, decisions or stats (the account leaves `GET stats` until its next
   * request); the clock at wall time with no pending
   * reviews (and the starting durations unless `keepDurations`); no pacing history; normal deliveries.
   */
  reset({ keepDurations = false } = {}) {
    this.settings = noFaults(this.seed);
    this.decider.reset();
    this.failures.clear();
    this.requestStats = undefined;
    this.clock.reset();
    if (!keepDurations) this.clock.durations = { ...this.initialDurations };
    this.lastPacedAt = undefined;
    this.deliveries.mode = 'normal';
  }
}

/**
 * The worlds of all accounts, created on first use, and the account the current request or scheduled
 * review runs as (an AsyncLocalStorage: products keep one `clock` and reach the right account's).
 * Outside any account's context (the unscoped control API) the configured account's world applies.
 */
export class AccountWorlds {
  private readonly worlds = new Map<string, AccountWorld>();
  private readonly current = new AsyncLocalStorage<string>();

  constructor(
    private readonly seed: number,
    private readonly initialDurations: ReviewDurations,
    readonly configuredAccount: string,
  ) {}

  of(sid: string): AccountWorld {
    let world = this.worlds.get(sid);
    if (!world) this.worlds.set(sid, (world = new AccountWorld(sid, this.seed, this.initialDurations)));
    return world;
  }

  all(): AccountWorld[] {
    return [...this.worlds.values()];
  }

  /** Runs `fn` as `sid`: the review clock, pacing and deliveries inside it are that account's. */
  run<T>(sid: string, fn: () => T): T {
    return this.current.run(sid, fn);
  }

  /** The world of the account the code runs as. */
  active(): AccountWorld {
    return this.of(this.current.getStore() ?? this.configuredAccount);
  }

  /** The review clock given to products: the active account's. */
  readonly clock: ReviewClock = ((active: () => AccountWorld) => ({
    now: () => active().clock.now(),
    schedule: (delayMs: number, run: () => void) => active().clock.schedule(delayMs, run),
    get durations() {
      return active().clock.durations;
    },
  }))(() => this.active());

  /** Forget an account's world (its account was deleted). */
  drop(sid: string) {
    this.worlds.get(sid)?.clock.stop();
    this.worlds.delete(sid);
  }

  stop() {
    for (const w of this.worlds.values()) w.clock.stop();
  }
}
