import pg from 'pg';
import type { Db } from '../../db/kit/pool';
import { whileWaiting } from './progress';

/** What the Twilio client asks before each HTTP request it sends. */
export interface TwilioLimiter {
  /**
   * Runs `send` holding one of the account's request slots (and its pacing turn, for paced writes). `tenant`
   * is whose work the request is: tenants waiting for slots are served in turn.
   */
  run<T>(request: LimitedRequest, send: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface LimitedRequest {
  method?: string;
  uri: string;
  /** Whose work the request is part of; null (or absent) when no tenant's. */
  tenant?: string | null;
}

interface Waiter {
  resolve: (slot: number) => void;
  reject: (err: Error) => void;
}

/**
 * A process's requests waiting for a slot: one first-come-first-served line per tenant, the lines served in
 * turn. A tenant with a thousand requests waiting then delays another tenant's request by at most one of its
 * own per freed slot, instead of by its whole backlog (issue #24 §3). The turns are kept per process: across
 * worker processes, each takes the account's free slots as before, and serves its own waiters in turn.
 */
class RoundRobinLines {
  /** Lines in the order of their next turn (a Map keeps insertion order): the first one goes next. */
  private readonly lines = new Map<string, Waiter[]>();
  private waiting = 0;

  get size() {
    return this.waiting;
  }

  push(tenant: string, waiter: Waiter) {
    const line = this.lines.get(tenant);
    if (line) line.push(waiter);
    else this.lines.set(tenant, [waiter]);
    this.waiting += 1;
  }

  /** The first waiter of the line whose turn it is; that line goes to the back, or away once empty. */
  shift(): Waiter | undefined {
    const next = this.lines.entries().next();
    if (next.done) return undefined;
    const [tenant, line] = next.value;
    this.lines.delete(tenant);
    const waiter = line.shift()!;
    if (line.length) this.lines.set(tenant, line);
    this.waiting -= 1;
    return waiter;
  }

  /** Every waiter, emptying the lines. */
  drain(): Waiter[] {
    const all = [...this.lines.values()].flat();
    this.lines.clear();
    this.waiting = 0;
    return all;
  }
}

/** Twilio asks ISVs for at most 1 brand or campaign registration write per second (per account). */
const PACED_WRITES = [/^\/v1\/a2p\/BrandRegistrations(\/[^/]+)?$/, /^\/v1\/Services\/[^/]+\/Compliance\/Usa2p(\/[^/]+)?$/];
export const isPacedWrite = (method: string | undefined, uri: string) =>
  (method ?? 'GET').toUpperCase() === 'POST' && PACED_WRITES.some((p) => p.test(new URL(uri, 'http://x').pathname));

export interface LimiterSettings {
  accountSid: string;
  /** Requests in flight for the whole account, across every worker process. */
  slots: number;
  /** A slot whose holder neither released it nor vanished is taken back after this long. */
  leaseMs?: number;
  /** Spacing of paced writes; a little over Twilio's second, so network jitter can't bring two closer. */
  pacingMs?: number;
  /** How often a waiting request looks again when no release was announced (lease expiries, lost notifies). */
  pollMs?: number;
}

const CHANNEL = 'twilio_slot_released';
/** How often a process with waiting requests looks for slots held by processes that are gone. */
const REAP_EVERY_MS = 500;
const STATS_EVERY_MS = 2_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The account-wide limiter in PostgreSQL, which every worker already shares. Each process keeps one
 * dedicated connection: its backend pid marks the slots the process holds, so the slots of a process
 * that dies (SIGKILL included) are free as soon as PostgreSQL sees its connection close — no lease to
 * wait out — and it LISTENs for releases so a waiting request is woken at once. Leases are the last
 * resort for a holder that hangs with its connection open.
 *
 * Why PostgreSQL rather than a dedicated task queue: a Twilio call happens inside an activity that makes
 * several (reconciling reads, then the write), so the unit to limit is the HTTP request, not the
 * activity; Temporal limits activities per worker or by rate, not requests in flight per account.
 */
export class PgTwilioLimiter implements TwilioLimiter {
  private presence: pg.Client | null = null;
  private presencePid = 0;
  private closed = false;
  private readonly leaseMs: number;
  private readonly pacingMs: number;
  private readonly pollMs: number;
  /** This process's requests waiting for a slot: first come first served within a tenant, tenants in turn. */
  private readonly queue = new RoundRobinLines();
  private pumping = false;
  private wake: (() => void) | null = null;
  /** A release was announced since the pump last looked: look again at once (none is lost mid-query). */
  private released = false;
  private reapedAt = 0;
  /** Slots given back in this turn of the event loop, and the statement that will free them. */
  private readonly releasing: number[] = [];
  private releaseFlush: Promise<void> | null = null;
  /** Since start: requests sent, and the time they waited for a slot (flushed to twilio_limiter_stats). */
  private readonly stats = { requests: 0, waitedMs: 0, startedAt: new Date() };
  private flushTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly db: Db,
    private readonly s: LimiterSettings,
  ) {
    this.leaseMs = s.leaseMs ?? 60_000;
    this.pacingMs = s.pacingMs ?? 1050;
    this.pollMs = s.pollMs ?? 50;
  }

  static async start(db: Db, connectionString: string, s: LimiterSettings): Promise<PgTwilioLimiter> {
    const limiter = new PgTwilioLimiter(db, s);
    await limiter.connect(connectionString);
    limiter.flushTimer = setInterval(() => void limiter.flush(), STATS_EVERY_MS);
    limiter.flushTimer.unref();
    await db.query(
      `INSERT INTO twilio_slots (account_sid, slot) SELECT $1, g FROM generate_series(0, $2 - 1) g ON CONFLICT DO NOTHING`,
      [s.accountSid, s.slots],
    );
    return limiter;
  }

  private async connect(connectionString: string) {
    const client = new pg.Client({ connectionString });
    client.on('error', () => undefined); // a dropped presence connection only frees our slots early
    client.on('notification', () => {
      this.released = true;
      this.wake?.();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.presencePid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    this.presence = client;
  }

  /** Takes up to `n` free slots in one statement. */
  private async tryAcquire(n: number): Promise<number[]> {
    // The pick is materialised: a LIMIT … SKIP LOCKED subquery inlined into the UPDATE may run more than once.
    const { rows } = await this.db.query<{ slot: number }>(
      `WITH picked AS MATERIALIZED (
         SELECT slot FROM twilio_slots
          WHERE account_sid = $1 AND slot < $4
            AND (holder_pid IS NULL OR lease_until < now())
          ORDER BY slot LIMIT $5 FOR UPDATE SKIP LOCKED)
       UPDATE twilio_slots t SET holder_pid = $2, lease_until = now() + make_interval(secs => $3)
         FROM picked WHERE t.account_sid = $1 AND t.slot = picked.slot
       RETURNING t.slot`,
      [this.s.accountSid, this.presencePid, this.leaseMs / 1000, this.s.slots, n],
    );
    return rows.map((r) => r.slot);
  }

  /**
   * Frees the slots of processes that are gone (their presence connection left pg_stat_activity): asked
   * only while requests wait, so a crashed worker's slots come back within a second, not a lease.
   */
  private async reap() {
    this.reapedAt = Date.now();
    await this.db
      .query(
        `WITH freed AS (
           UPDATE twilio_slots SET holder_pid = NULL, lease_until = NULL
            WHERE account_sid = $1 AND holder_pid IS NOT NULL AND holder_pid <> ALL (ARRAY(SELECT pid FROM pg_stat_activity))
           RETURNING 1)
         SELECT pg_notify('${CHANNEL}', '') FROM freed LIMIT 1`,
        [this.s.accountSid],
      )
      .catch(() => undefined);
  }

  /** A release announced anywhere (NOTIFY), or pollMs, whichever comes first. */
  private nextChance(): Promise<void> {
    if (this.released) {
      this.released = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.released = false;
        this.wake = null;
        resolve();
      };
      timer = setTimeout(done, this.pollMs);
      this.wake = done;
    });
  }

  /** One loop per process hands free slots to the waiting requests in turn, asking PostgreSQL once per round. */
  private async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.size && !this.closed) {
        let slots: number[] = [];
        const asked = this.queue.size;
        try {
          slots = await this.tryAcquire(asked);
        } catch {
          /* the database is briefly away: look again shortly */
        }
        if (slots.length === 0 && Date.now() - this.reapedAt > REAP_EVERY_MS) await this.reap();
        for (const slot of slots) {
          const waiter = this.queue.shift();
          if (waiter) waiter.resolve(slot);
          else await this.release(slot); // never more than asked for, but never keep one nobody waits for
        }
        // Everything asked for was free, so requests that queued meanwhile may find free slots too: ask
        // again at once. Otherwise the account is at its cap until a release (or a lease expiry).
        if (this.queue.size && slots.length < asked) await this.nextChance();
      }
      if (this.closed) for (const w of this.queue.drain()) w.reject(new Error('the Twilio limiter is closed'));
    } finally {
      this.pumping = false;
    }
  }

  private acquire(tenant: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push(tenant, { resolve, reject });
      void this.pump();
    });
  }

  /**
   * Gives slots back, those released in the same turn of the event loop in one statement (at hundreds of
   * requests a second, one UPDATE + NOTIFY each would be most of the limiter's cost).
   */
  private release(slot: number): Promise<void> {
    this.releasing.push(slot);
    this.releaseFlush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const slots = this.releasing.splice(0);
      this.releaseFlush = null;
      await this.db
        .query(
          `WITH freed AS (UPDATE twilio_slots SET holder_pid = NULL, lease_until = NULL
                           WHERE account_sid = $1 AND slot = ANY($2::int[]) AND holder_pid = $3 RETURNING 1)
           SELECT pg_notify('${CHANNEL}', '') FROM freed LIMIT 1`,
          [this.s.accountSid, slots, this.presencePid],
        )
        .catch(() => undefined); // the lease, or our connection closing, frees them anyway
    });
    return this.releaseFlush;
  }

  /** Reserves this write's turn (1 per pacingMs for the account) and waits for it. */
  private async pace(key: string) {
    const { rows } = await this.db.query<{ wait_ms: number }>(
      `INSERT INTO twilio_pacing (account_sid, key, next_at) VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (account_sid, key) DO UPDATE SET next_at = GREATEST(twilio_pacing.next_at, now()) + make_interval(secs => $3)
       RETURNING GREATEST(0, extract(epoch FROM (next_at - make_interval(secs => $3) - now())) * 1000)::float8 AS wait_ms`,
      [this.s.accountSid, key, this.pacingMs / 1000],
    );
    const wait = rows[0]!.wait_ms;
    if (wait > 0) await sleep(wait);
  }

  private async flush() {
    await this.db
      .query(
        `INSERT INTO twilio_limiter_stats (presence_pid, account_sid, requests, waited_ms, started_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (presence_pid, account_sid, started_at) DO UPDATE SET requests = $3, waited_ms = $4, updated_at = now()`,
        [this.presencePid, this.s.accountSid, this.stats.requests, this.stats.waitedMs, this.stats.startedAt],
      )
      .catch(() => undefined);
  }

  async run<T>(request: LimitedRequest, send: () => Promise<T>): Promise<T> {
    // Waiting for a turn is alive, not hung: the activity's keepalive heartbeats through it (progress.ts).
    const slot = await whileWaiting(async () => {
      if (isPacedWrite(request.method, request.uri)) await this.pace('a2p-registration');
      const asked = performance.now();
      const taken = await this.acquire(request.tenant ?? '');
      this.stats.waitedMs += performance.now() - asked;
      return taken;
    });
    this.stats.requests += 1;
    try {
      return await send();
    } finally {
      void this.release(slot); // the caller goes on while the slot is given back
    }
  }

  async close() {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.releaseFlush;
    await this.flush();
    this.closed = true;
    this.wake?.();
    await this.presence?.end().catch(() => undefined);
  }
}
