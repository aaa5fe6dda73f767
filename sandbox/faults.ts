import { createHash } from 'node:crypto';
import { z } from 'zod';

export const FaultSettings = z
  .object({
    latencyMs: z.number().min(0).max(60_000),
    latencyJitterMs: z.number().min(0).max(60_000),
    /** Requests in flight per account; beyond it Twilio answers 429 / 20429. 0 = unlimited. */
    concurrencyLimit: z.number().int().min(0).nullable(),
    errorRate5xx: z.number().min(0).max(1),
    /** Writes that are applied and then lose their response. */
    timeoutAfterCommitRate: z.number().min(0).max(1),
    timeoutMode: z.enum(['drop', 'hang']),
    hangMs: z.number().min(0).max(120_000),
    /** Twilio's 1 request/second for brand and campaign writes; 0 turns the pacing off. */
    a2pPacingMs: z.number().int().min(0).max(60_000),
    seed: z.number().int(),
  })
  .strict();
export type FaultSettings = z.infer<typeof FaultSettings>;

export const noFaults = (seed: number): FaultSettings => ({
  latencyMs: 0,
  latencyJitterMs: 0,
  concurrencyLimit: null,
  errorRate5xx: 0,
  timeoutAfterCommitRate: 0,
  timeoutMode: 'drop',
  hangMs: 15_000,
  a2pPacingMs: 1000,
  seed,
});

export interface AccountStats {
  requests: number;
  byStatus: Record<string, number>;
  /** Requests per route, `METHOD /route/:Param` (e.g. `GET /v1/Services`): what tests count a code path's calls by. */
  byRoute: Record<string, number>;
  rejected429: number;
  injected5xx: number;
  /** Requests answered by a rule from `POST /__sandbox/failures`. */
  injectedFailures: number;
  droppedAfterCommit: number;
  inFlight: number;
  maxInFlight: number;
}

export const emptyStats = (): AccountStats => ({
  requests: 0,
  byStatus: {},
  byRoute: {},
  rejected429: 0,
  injected5xx: 0,
  injectedFailures: 0,
  droppedAfterCommit: 0,
  inFlight: 0,
  maxInFlight: 0,
});

/**
 * Fault decisions come from a hash of (seed, account, request fingerprint, n-th occurrence, kind),
 * not from a shared random stream, so the same requests get the same faults whatever their interleaving.
 */
export class FaultDecider {
  private readonly occurrences = new Map<string, number>();

  occurrence(fingerprint: string): number {
    const n = (this.occurrences.get(fingerprint) ?? 0) + 1;
    this.occurrences.set(fingerprint, n);
    return n;
  }

  static roll(seed: number, fingerprint: string, n: number, kind: string): number {
    return createHash('sha256').update(`${seed}|${fingerprint}|${n}|${kind}`).digest().readUInt32BE(0) / 0x100000000;
  }

  reset() {
    this.occurrences.clear();
  }
}

/** Method, path and the sorted query and body: what makes two requests "the same request". */
export function fingerprint(account: string, method: string, url: string, body: unknown): string {
  const [path, qs = ''] = url.split('?');
  const query = [...new URLSearchParams(qs).entries()].sort().map(([k, v]) => `${k}=${v}`).join('&');
  const form =
    body && typeof body === 'object'
      ? Object.entries(body as Record<string, unknown>)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join('&')
      : '';
  return `${account} ${method} ${path}?${query} ${form}`;
}
