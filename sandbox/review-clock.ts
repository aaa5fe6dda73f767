import { AsyncLocalStorage } from 'node:async_hooks';
import { z } from 'zod';

/** How long each kind of review takes, in virtual milliseconds. */
export const ReviewDurations = z
  .object({
    customerProfile: z.number().min(0),
    trustProduct: z.number().min(0),
    brand: z.number().min(0),
    campaign: z.number().min(0),
    tollfreeVerification: z.number().min(0),
  })
  .strict();
export type ReviewDurations = z.infer<typeof ReviewDurations>;

const day = 86_400_000;
/** Realistic defaults: profiles ~2 days, brands ~5 days, campaigns ~12 days, toll-free verifications ~2 weeks. */
export const realisticDurations: ReviewDurations = { customerProfile: 2 * day, trustProduct: 1 * day, brand: 5 * day, campaign: 12 * day, tollfreeVerification: 14 * day };
/** Fast mode for integration tests and demos: seconds. */
export const fastDurations: ReviewDurations = { customerProfile: 1500, trustProduct: 1000, brand: 2000, campaign: 2500, tollfreeVerification: 2000 };

interface Pending {
  dueAt: number;
  run: () => void;
}

/**
 * What products see of virtual time. The sandbox hands them one that follows the current account
 * (see AccountWorlds.clock), so each account's reviews run on its own clock.
 */
export interface ReviewClock {
  now(): Date;
  /** Runs `run` once virtual time reaches now + delayMs. */
  schedule(delayMs: number, run: () => void): void;
  readonly durations: ReviewDurations;
}

/**
 * Virtual time for reviews: now() is wall time plus an offset the control API can advance, so a
 * test can jump days ahead. Due reviews complete on a short tick.
 */
export class VirtualClock implements ReviewClock {
  private offsetMs = 0;
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout;
  durations: ReviewDurations;

  constructor(durations: ReviewDurations) {
    this.durations = durations;
    this.timer = setInterval(() => this.tick(), 100);
    this.timer.unref();
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Runs `run` once virtual time reaches now + delayMs, in the async context that scheduled it (its account's). */
  schedule(delayMs: number, run: () => void) {
    this.pending.push({ dueAt: this.now().getTime() + delayMs, run: AsyncLocalStorage.bind(run) });
  }

  advance(ms: number) {
    this.offsetMs += ms;
    this.tick();
  }

  tick() {
    const now = this.now().getTime();
    const due = this.pending.filter((p) => p.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
    this.pending = this.pending.filter((p) => p.dueAt > now);
    for (const p of due) p.run();
  }

  reset() {
    this.pending = [];
    this.offsetMs = 0;
  }

  stop() {
    clearInterval(this.timer);
  }
}
