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
  /**
   * The Twilio account whose slots the request takes, and how many it has (issue #24 §3): a tenant's own
   * account (`byo`), or a subaccount given its own pool. Absent: the deployment's account (LimiterSettings).
   */
  pool?: AccountPoolSettings;
}

/** One Twilio account's concurrency: requests in flight for it, across every worker process. */
export interface AccountPoolSettings {
  accountSid: string;
  slots: number;
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

export interface LimiterSettings extends AccountPoolSettings {
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

/** One account's slots as this process sees them: its waiters, its pump, the releases it batches, its figures. */
class AccountPool {
  /** This process's requests waiting for a slot: first come first served within a tenant, tenants in turn. */
  readonly queue = new RoundRobinLines();
  pumping = false;
  wake: (() => void) | null = null;
  /** A release was announced since the pump last looked: look again at once (none is lost mid-query). */
  released = false;
  reapedAt = 0;
  /** Slots given back in this turn of the event loop, and the statement that will free them. */
  readonly releasing: number[] = [];
  releaseFlush: Promise<void> | null = null;
  /** Since start: requests sent, and the time they waited for a slot (flushed to twilio_limiter_stats). */
  readonly stats = { requests: 0, waitedMs: 0, startedAt: new Date() };
  /** The account's slot rows exist (made once per process and size). */
  seeded: Promise<void> | null = null;

  constructor(
    readonly accountSid: string,
    public slots: number,
  ) {}

  /** Woken by a release announced for this account. */
  notify() {
    this.released = true;
    this.wake?.();
  }
}

/**
 * The account-wide limiter in PostgreSQL, which every worker already shares. Each process keeps one
 * dedicated connection: its backend pid marks the slots the process holds, so the slots of a process
 * that dies (SIGKILL included) are free as soon as PostgreSQL sees its connection close — no lease to
 * wait out — and it LISTENs for releases so a waiting request is woken at once. Leases are the last
 * resort for a holder that hangs with its connection open.
 *
 * Each Twilio account has its own slots (issue #24 §3): the deployment's, and those of the accounts requests
 * name (a tenant's own, a subaccount given its own pool), made on first use. One connection and one pump per
 * account and process; a release announces its account, so only that account's waiters look again.
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
  private readonly pools = new Map<string, AccountPool>();
  private readonly main: AccountPool;
  private flushTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly db: Db,
    s: LimiterSettings,
  ) {
    this.leaseMs = s.leaseMs ?? 60_000;
    this.pacingMs = s.pacingMs ?? 1050;
    this.pollMs = s.pollMs ?? 50;
    this.main = this.poolOf(s);
  }

  static async start(db: Db, connectionString: string, s: LimiterSettings): Promise<PgTwilioLimiter> {
    const limiter = new PgTwilioLimiter(db, s);
    await limiter.connect(connectionString);
    limiter.flushTimer = setInterval(() => void limiter.flush(), STATS_EVERY_MS);
    limiter.flushTimer.unref();
    await limiter.seed(limiter.main);
    return limiter;
  }

  /** The account's pool in this process; a changed size (the operator's cap) applies from the next request. */
  private poolOf(p: AccountPoolSettings): AccountPool {
    let pool = this.pools.get(p.accountSid);
    if (!pool) this.pools.set(p.accountSid, (pool = new AccountPool(p.accountSid, p.slots)));
    else if (pool.slots !== p.slots) {
      pool.slots = p.slots;
      pool.seeded = null;
    }
    return pool;
  }

  /** The account's slot rows, once per process and size (a larger cap adds rows; a smaller one stops using some). */
  private seed(pool: AccountPool): Promise<void> {
    pool.seeded ??= this.db
      .query(`INSERT INTO twilio_slots (account_sid, slot) SELECT $1, g FROM generate_series(0, $2 - 1) g ON CONFLICT DO NOTHING`, [pool.accountSid, pool.slots])
      .then(
        () => undefined,
        (err: unknown) => {
          pool.seeded = null; // asked again by the next request
          throw err;
        },
      );
    return pool.seeded;
  }

  private async connect(connectionString: string) {
    const client = new pg.Client({ connectionString });
    client.on('error', () => undefined); // a dropped presence connection only frees our slots early
    client.on('notification', (n) => {
      // The payload names the account whose slots were freed; an empty one (older workers) wakes every pool.
      const pool = n.payload ? this.pools.get(n.payload) : undefined;
      if (pool) pool.notify();
      else if (!n.payload) for (const p of this.pools.values()) p.notify();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.presencePid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    this.presence = client;
  }

  /** Takes up to `n` free slots of the account in one statement. */
  private async tryAcquire(pool: AccountPool, n: number): Promise<number[]> {
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
      [pool.accountSid, this.presencePid, this.leaseMs / 1000, pool.slots, n],
    );
    return rows.map((r) => r.slot);
  }

  /**
   * Frees the slots of processes that are gone (their presence connection left pg_stat_activity): asked
   * only while requests wait, so a crashed worker's slots come back within a second, not a lease.
   */
  private async reap(pool: AccountPool) {
    pool.reapedAt = Date.now();
    await this.db
      .query(
        `WITH freed AS (
           UPDATE twilio_slots SET holder_pid = NULL, lease_until = NULL
            WHERE account_sid = $1 AND holder_pid IS NOT NULL AND holder_pid <> ALL (ARRAY(SELECT pid FROM pg_stat_activity))
           RETURNING 1)
         SELECT pg_notify('${CHANNEL}', $1) FROM freed LIMIT 1`,
        [pool.accountSid],
      )
      .catch(() => undefined);
  }

  /** A release of the account's announced anywhere (NOTIFY), or pollMs, whichever comes first. */
  private nextChance(pool: AccountPool): Promise<void> {
    if (pool.released) {
      pool.released = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        pool.released = false;
        pool.wake = null;
        resolve();
      };
      timer = setTimeout(done, this.pollMs);
      pool.wake = done;
    });
  }

  /** One loop per account and process hands free slots to the waiting requests in turn, asking PostgreSQL once per round. */
  private async pump(pool: AccountPool) {
    if (pool.pumping) return;
    pool.pumping = true;
    try {
      while (pool.queue.size && !this.closed) {
        let slots: number[] = [];
        const asked = pool.queue.size;
        try {
          await this.seed(pool);
          slots = await this.tryAcquire(pool, asked);
        } catch {
          /* the database is briefly away: look again shortly */
        }
        if (slots.length === 0 && Date.now() - pool.reapedAt > REAP_EVERY_MS) await this.reap(pool);
        for (const slot of slots) {
          const waiter = pool.queue.shift();
          if (waiter) waiter.resolve(slot);
          else await this.release(pool, slot); // never more than asked for, but never keep one nobody waits for
        }
        // Everything asked for was free, so requests that queued meanwhile may find free slots too: ask
        // again at once. Otherwise the account is at its cap until a release (or a lease expiry).
        if (pool.queue.size && slots.length < asked) await this.nextChance(pool);
      }
      if (this.closed) for (const w of pool.queue.drain()) w.reject(new Error('the Twilio limiter is closed'));
    } finally {
      pool.pumping = false;
    }
  }

  private acquire(pool: AccountPool, tenant: string): Promise<number> {
    return new Promise((resolve, reject) => {
      pool.queue.push(tenant, { resolve, reject });
      void this.pump(pool);
    });
  }

  /**
   * Gives slots back, those released in the same turn of the event loop in one statement (at hundreds of
   * requests a second, one UPDATE + NOTIFY each would be most of the limiter's cost).
   */
  private release(pool: AccountPool, slot: number): Promise<void> {
    pool.releasing.push(slot);
    pool.releaseFlush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const slots = pool.releasing.splice(0);
      pool.releaseFlush = null;
      await this.db
        .query(
          `WITH freed AS (UPDATE twilio_slots SET holder_pid = NULL, lease_until = NULL
                           WHERE account_sid = $1 AND slot = ANY($2::int[]) AND holder_pid = $3 RETURNING 1)
           SELECT pg_notify('${CHANNEL}', $1) FROM freed LIMIT 1`,
          [pool.accountSid, slots, this.presencePid],
        )
        .catch(() => undefined); // the lease, or our connection closing, frees them anyway
    });
    return pool.releaseFlush;
  }

  /** Reserves this write's turn (1 per pacingMs for the account) and waits for it. */
  private async pace(pool: AccountPool, key: string) {
    const { rows } = await this.db.query<{ wait_ms: number }>(
      `INSERT INTO twilio_pacing (account_sid, key, next_at) VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (account_sid, key) DO UPDATE SET next_at = GREATEST(twilio_pacing.next_at, now()) + make_interval(secs => $3)
       RETURNING GREATEST(0, extract(epoch FROM (next_at - make_interval(secs => $3) - now())) * 1000)::float8 AS wait_ms`,
      [pool.accountSid, key, this.pacingMs / 1000],
    );
    const wait = rows[0]!.wait_ms;
    if (wait > 0) await sleep(wait);
  }

  private async flush() {
    for (const pool of this.pools.values()) {
      if (pool !== this.main && pool.stats.requests === 0) continue;
      await this.db
        .query(
          `INSERT INTO twilio_limiter_stats (presence_pid, account_sid, requests, waited_ms, started_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (presence_pid, account_sid, started_at) DO UPDATE SET requests = $3, waited_ms = $4, updated_at = now()`,
          [this.presencePid, pool.accountSid, pool.stats.requests, pool.stats.waitedMs, pool.stats.startedAt],
        )
        .catch(() => undefined);
    }
  }

  async run<T>(request: LimitedRequest, send: () => Promise<T>): Promise<T> {
    const pool = request.pool ? this.poolOf(request.pool) : this.main;
    // Waiting for a turn is alive, not hung: the activity's keepalive heartbeats through it (progress.ts).
    const slot = await whileWaiting(async () => {
      if (isPacedWrite(request.method, request.uri)) await this.pace(pool, 'a2p-registration');
      const asked = performance.now();
      const taken = await this.acquire(pool, request.tenant ?? '');
      pool.stats.waitedMs += performance.now() - asked;
      return taken;
    });
    pool.stats.requests += 1;
    try {
      return await send();
    } finally {
      void this.release(pool, slot); // the caller goes on while the slot is given back
    }
  }

  async close() {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await Promise.all([...this.pools.values()].map((p) => p.releaseFlush));
    await this.flush();
    this.closed = true;
    for (const pool of this.pools.values()) pool.wake?.();
    await this.presence?.end().catch(() => undefined);
  }
}
