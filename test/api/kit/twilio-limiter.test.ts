import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPacedWrite, PgTwilioLimiter } from '../../../activities/kit/twilio-limiter';
import { createPool, type Db } from '../../../db/kit/pool';
import { stack } from '../../helpers/stack';

/** Limiters as separate worker processes would have them: each with its own presence connection. */
let db: Db;
const started: PgTwilioLimiter[] = [];
const limiter = async (accountSid: string, slots: number, opts: { leaseMs?: number; pacingMs?: number } = {}) => {
  const l = await PgTwilioLimiter.start(db, stack.databaseUrl, { accountSid, slots, ...opts });
  started.push(l);
  return l;
};
const account = () => `AC${randomBytes(16).toString('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const req = { method: 'GET', uri: 'https://api.twilio.com/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json' };

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
    let inFlight = 0;
    let max = 0;
    const work = async () => {
      inFlight += 1;
      max = Math.max(max, inFlight);
      await sleep(15);
      inFlight -= 1;
      return 'ok';
    };
    const results = await Promise.all([...Array(60)].map((_, i) => [a, b, c][i % 3]!.run(req, work)));
    expect(results).toHaveLength(60);
    expect(max).toBe(3);
    // Slots are given back right after each request, in batches, without the caller waiting: all come back.
    const held = async () => (await db.query('SELECT count(*)::int AS n FROM twilio_slots WHERE account_sid = $1 AND holder_pid IS NOT NULL', [sid])).rows[0].n as number;
    for (let i = 0; i < 20 && (await held()) > 0; i++) await sleep(50);
    expect(await held()).toBe(0);
  });

  it('a process that dies with slots in hand gives them back at once, without waiting for the lease', async () => {
    const sid = account();
    const doomed = await limiter(sid, 2, { leaseMs: 600_000 });
    const survivor = await limiter(sid, 2, { leaseMs: 600_000 });
    const forever = new Promise<never>(() => undefined);
    void doomed.run(req, () => forever);
    void doomed.run(req, () => forever);
    await sleep(100);
    let served = false;
    const waiting = survivor.run(req, async () => (served = true));
    await sleep(300);
    expect(served).toBe(false); // both slots are held
    await doomed.close(); // its presence connection closes, as on SIGKILL
    const t0 = Date.now();
    await waiting;
    expect(served).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('a holder that hangs loses its slot when the lease runs out', async () => {
    const sid = account();
    const hung = await limiter(sid, 1, { leaseMs: 1_000 });
    const other = await limiter(sid, 1, { leaseMs: 1_000 });
    void hung.run(req, () => new Promise<never>(() => undefined));
    await sleep(50);
    const t0 = Date.now();
    await other.run(req, async () => undefined);
    expect(Date.now() - t0).toBeGreaterThan(500);
    expect(Date.now() - t0).toBeLessThan(3_000);
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
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(280);
    // Other calls never queue behind the pacing: with a long interval, a second brand write is still waiting
    // while plain calls go through (an order, not a timing, so a loaded machine cannot fail it).
    const slow = await limiter(account(), 10, { pacingMs: 2000 });
    const order: string[] = [];
    const paced = [slow.run(brand, async () => order.push('brand 1')), slow.run(brand, async () => order.push('brand 2'))];
    await Promise.all([...Array(5)].map(() => slow.run(req, async () => order.push('plain'))));
    order.push('plain calls done');
    await Promise.all(paced);
    // Whichever brand write won the slot went at once; the other waited out the interval, after every plain call.
    expect(order.at(-2)).toBe('plain calls done');
    expect(order.at(-1)).toMatch(/^brand [12]$/);
    expect(order.filter((x) => x.startsWith('brand'))).toHaveLength(2);
    expect(isPacedWrite('POST', 'https://messaging.twilio.com/v1/a2p/BrandRegistrations/BN1')).toBe(true);
    expect(isPacedWrite('GET', 'https://messaging.twilio.com/v1/a2p/BrandRegistrations/BN1')).toBe(false);
    expect(isPacedWrite('POST', 'https://messaging.twilio.com/v1/Services/MG1/PhoneNumbers')).toBe(false);
  });
});
