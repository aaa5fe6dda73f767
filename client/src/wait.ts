export interface WaitOptions<T> {
  /** Called with each state read, before deciding whether to wait on. */
  onProgress?: (state: T) => void;
  /** First pause between reads (ms); it grows by half each time nothing changed, up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** Give up (TwilioProError code "wait_timeout") after this long; default: never. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Reads `read()` until `done(state)`, with back-off: the pause grows while the state stays the same and
 * drops back to the first interval when it moves, so a busy job is followed closely and a multi-day review
 * is not hammered.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (state: T) => boolean,
  opts: WaitOptions<T>,
  onTimeout: (last: T) => Error,
): Promise<T> {
  const first = opts.intervalMs ?? 500;
  const max = opts.maxIntervalMs ?? 10_000;
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  let pause = first;
  let previous = '';
  for (;;) {
    opts.signal?.throwIfAborted();
    const state = await read();
    opts.onProgress?.(state);
    if (done(state)) return state;
    const seen = JSON.stringify(state);
    pause = seen === previous ? Math.min(max, Math.round(pause * 1.5)) : first;
    previous = seen;
    if (Date.now() + pause > deadline) throw onTimeout(state);
    await sleep(pause, opts.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
