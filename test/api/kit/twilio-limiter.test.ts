import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPacedWrite, PgTwilioLimiter } from '../../../activities/kit/twilio-limiter';
import { createPool, type Db } from '../../../db/kit/pool';
import { stack, waitFor } from '../../helpers/stack';

/** Limiters as separate worker processes would have them: each with its own presence connection. */
let db: Db;
const started: PgTwilioLimiter[] = [];
const limiter = async (accountSid: string, slots: number, opts: { leaseMs?: number; pacingMs?: number } = {}, pool: Db = db) => {
  const l = await PgTwilioLimiter.start(pool, stack.databaseUrl, { accountSid, slots, ...opts });
  started.push(l);
  return l;
};
const account = () => `AC${randomBytes(16).toString('hex')}`;
const req = { method: 'GET', uri: 'https://api.twilio.com/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json' };
/** Slots of the account held right now. */
const held = async (sid: string) =>
  (await db.query('SELECT count(*)::int AS n FROM twilio_slots WHERE account_sid = $1 AND holder_pid IS NOT NULL', [sid])).rows[0].n as number;
/** The pool, counting the statements in which a limiter looks for free slots (its pump asks once a round). */
function countingSlotLookups(pool: Db) {
  let lookups = 0;
  const counted = new Proxy(pool, {
    get(target, prop) {
      if (prop === 'query')
        return (text: unknown, ...rest: unknown[]) => {
          if (typeof text === 'string' && text.includes('picked AS MATERIALIZED')) lookups += 1;
          return (target.query as (...a: unknown[]) => unknown)(text, ...rest);
        };
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { pool: counted, lookups: () => lookups };
}

/**
 * Work that counts how many run at once: the first ones hold their slots until `cap` are in flight together
 * (however slow the machine), then all go on — so the most seen at once is the cap, or a breach of it.
 */
function inFlightUntil(cap: number) {
  let inFlight = 0;
  let max = 0;
  let fill!: () => void;
  const full = new Promise<void>((resolve) => (fill = resolve));
  const work = async () => {
    inFlight += 1;
    max = Math.max(max, inFlight);
    if (inFlight === cap) fill();
    await full;
    await new Promise((r) => setImmediate(r));
    inFlight -= 1;
    return 'ok';
  };
  return { work, max: () => max };
}

beforeAll(() => {
  db = createPool(stack.databaseUrl, 20);
});
afterAll(async () => {
  for (const l of started) await l.close();
  await db.end();
});

describe('the account-wide Twilio limiter', () => {
  it('never lets more than C requests of the account be in flight across processes, and serves everyone', async () => {
    const sid = account();
    const [a, b, c] = await Promise.all([limiter(sid, 3), limiter(sid, 3), limiter(sid, 3)]);
    const tracker = inFlightUntil(3);
    const results = await Promise.all([...Array(60)].map((_, i) => [a, b, c][i % 3]!.run(req, tracker.work)));
    expect(results).toHaveLength(60);
    expect(tracker.max()).toBe(3);
    // Slots are given back right after each request, in batches, without the caller waiting: all come back.
    await waitFor(async () => (await held(sid)) === 0, 'every slot to be given back', 10_000);
  });

  it('a process that dies with slots in hand gives them back at once, without waiting for the lease', async () => {
    const sid = account();
    const doomed = await limiter(sid, 2, { leaseMs: 600_000 });
    const watched = countingSlotLookups(db);
    const survivor = await limiter(sid, 2, { leaseMs: 600_000 }, watched.pool);
    const forever = new Promise<never>(() => undefined);
    void doomed.run(req, () => forever);
    void doomed.run(req, () => forever);
    await waitFor(async () => (await held(sid)) === 2, 'the doomed process to hold both slots', 10_000);
    let served = false;
    const waiting = survivor.run(req, async () => (served = true));
    // The survivor looked for a free slot a second time, so its first look found none: it is waiting.
    await waitFor(async () => watched.lookups() >= 2, 'the survivor to look for a free slot twice', 10_000);
    expect(served).toBe(false); // both slots are held
    await doomed.close(); // its presence connection closes, as on SIGKILL
    const t0 = Date.now();
    await waiting;
    expect(served).toBe(true);
    // Far sooner than the 10-minute lease: the slots came back because their holder's connection went away.
    expect(Date.now() - t0).toBeLessThan(60_000);
  });

  it('a holder that hangs loses its slot when the lease runs out', async () => {
    const sid = account();
    const hung = await limiter(sid, 1, { leaseMs: 1_000 });
    const other = await limiter(sid, 1, { leaseMs: 1_000 });
    void hung.run(req, () => new Promise<never>(() => undefined));
    await waitFor(async () => (await held(sid)) === 1, 'the hung holder to take the slot', 10_000);
    const t0 = Date.now();
    await other.run(req, async () => undefined);
    // Not before the lease ran out (the holder still has its connection), and not far after it.
    expect(Date.now() - t0).toBeGreaterThan(500);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('paces brand and campaign registration writes to one per interval across processes; other calls are not paced', async () => {
    const sid = account();
    const [a, b] = await Promise.all([limiter(sid, 10, { pacingMs: 300 }), limiter(sid, 10, { pacingMs: 300 })]);
    const brand = { method: 'POST', uri: 'https://messaging.twilio.com/v1/a2p/BrandRegistrations' };
    const campaign = { method: 'POST', uri: 'https://messaging.twilio.com/v1/Services/MG123/Compliance/Usa2p' };
    const times: number[] = [];
    const t0 = Date.now();
    await Promise.all([a, b, a, b].map((l, i) => l.run(i % 2 ? brand : campaign, async () => times.push(Date.now() - t0))));
    times.sort((x, y) => x - y);
    // The k-th write waited for the k-th turn, at least k intervals after the first could go (a late callback on
    // a loaded machine only moves a time later, so this holds however slow the machine is).
    times.forEach((t, k) => expect(t).toBeGreaterThanOrEqual(k * 300 - 5));
    // And the account's turns were reserved one interval apart: the next free turn is four intervals on.
    const { rows } = await db.query(`SELECT extract(epoch FROM next_at) * 1000 AS next_ms FROM twilio_pacing WHERE account_sid = $1 AND key = 'a2p-registration'`, [sid]);
    expect(Number(rows[0].next_ms) - t0).toBeGreaterThanOrEqual(4 * 300 - 5);
    // Other calls never queue behind the pacing: with an interval longer than the test, the second brand write
    // waits for its turn while plain calls go through (an order, not a timing, so a loaded machine cannot fail it).
    const slow = await limiter(account(), 10, { pacingMs: 600_000 });
    const order: string[] = [];
    const paced = [slow.run(brand, async () => order.push('brand')), slow.run(brand, async () => order.push('brand'))];
    for (const p of paced) p.catch(() => undefined); // the second is still waiting for its turn when the limiter closes
    await Promise.all([...Array(5)].map(() => slow.run(req, async () => order.push('plain'))));
    await Promise.race(paced);
    // Whichever brand write won the first turn went at once; the other still waits, and no plain call waited for it.
    expect(order.filter((x) => x === 'plain')).toHaveLength(5);
    expect(order.filter((x) => x === 'brand')).toHaveLength(1);
    expect(isPacedWrite('POST', 'https://messaging.twilio.com/v1/a2p/BrandRegistrations/BN1')).toBe(true);
    expect(isPacedWrite('GET', 'https://messaging.twilio.com/v1/a2p/BrandRegistrations/BN1')).toBe(false);
    expect(isPacedWrite('POST', 'https://messaging.twilio.com/v1/Services/MG1/PhoneNumbers')).toBe(false);
  });

  it('each account has its own slots (issue #24 §3): a full account holds up none of another, whose cap holds across processes', async () => {
    const deployment = account();
    const own = { accountSid: account(), slots: 2 };
    const [a, b] = await Promise.all([limiter(deployment, 1), limiter(deployment, 1)]);
    // The deployment's one slot is held until the end of the test.
    let releaseMain!: () => void;
    const mainHeld = new Promise<void>((resolve) => (releaseMain = resolve));
    let mainEntered!: () => void;
    const entered = new Promise<void>((resolve) => (mainEntered = resolve));
    const main = a.run(req, async () => {
      mainEntered();
      await mainHeld;
    });
    await entered;
    // The own account's requests from both processes go through while the deployment's slot is taken, never more
    // than its two at once; they finish before the deployment's slot is given back, so they did not wait for it.
    const tracker = inFlightUntil(2);
    await Promise.all([...Array(8)].map((_, i) => (i % 2 ? a : b).run({ ...req, pool: own }, tracker.work)));
    expect(tracker.max()).toBe(2);
    await waitFor(async () => (await held(own.accountSid)) === 0, 'the own account’s slots to be given back', 10_000);
    expect(await held(deployment)).toBe(1);
    // The operator raises the cap: three at once from then on.
    let three!: () => void;
    const threeIn = new Promise<void>((resolve) => (three = resolve));
    let n = 0;
    await Promise.all([...Array(3)].map(() => b.run({ ...req, pool: { ...own, slots: 3 } }, async () => {
      if (++n === 3) three();
      await threeIn;
    })));
    releaseMain();
    await main;
  });
});
