import type { Client } from '@temporalio/client';

/** Temporal did not answer in time (down, restarting, unreachable): the API says so instead of hanging. */
export class TemporalUnavailableError extends Error {
  constructor(cause: unknown) {
    super('Temporal is not reachable right now', { cause });
  }
}

const grpcUnavailable = /DEADLINE_EXCEEDED|UNAVAILABLE|ECONNREFUSED|Deadline exceeded|No connection established/i;

/**
 * A Temporal call on a request's path (starting a workflow, signalling one), bounded by `ms`: the client
 * retries an unreachable server for a long time on its own, and an HTTP caller must get an answer.
 */
export async function boundedTemporalCall<R>(client: Client, ms: number, fn: () => Promise<R>): Promise<R> {
  try {
    return await client.withDeadline(Date.now() + ms, fn);
  } catch (err) {
    if (isUnreachable(err)) throw new TemporalUnavailableError(err);
    throw err;
  }
}

/** gRPC's DEADLINE_EXCEEDED (4) or UNAVAILABLE (14), on the error or in its causes (the client wraps them). */
function isUnreachable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code === 4 || e.code === 14 || grpcUnavailable.test(String(e.message ?? ''))) return true;
  }
  return false;
}

/**
 * Starts the workflow of a row written just before (job, registration, trunk operation). When Temporal
 * doesn't answer in time the row stays `queued` and the request still succeeds: the queued-work sweep
 * starts it once Temporal is back (the workflow id is the row's, so it starts once).
 */
export async function startOrLeaveQueued(
  deps: { temporal: Client; timeoutMs: number; log: { warn: (o: object, m: string) => void } },
  what: { kind: string; id: string },
  start: () => Promise<unknown>,
): Promise<void> {
  try {
    await boundedTemporalCall(deps.temporal, deps.timeoutMs, start);
  } catch (err) {
    if (!(err instanceof TemporalUnavailableError)) throw err;
    deps.log.warn({ [`${what.kind}Id`]: what.id }, `Temporal is unreachable: the ${what.kind} stays queued until the sweep starts it`);
  }
}
