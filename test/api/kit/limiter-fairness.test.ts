import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgTwilioLimiter } from '../../../activities/kit/twilio-limiter';
import { createPool, type Db } from '../../../db/kit/pool';
import { stack } from '../../helpers/stack';

/**
 * Fairness among tenants inside the account's slots (issue #24 §3), by order rather than timing: with one slot
 * held, the requests that queue behind it are served one tenant at a time, in turn.
 */
let db: Db;
const started: PgTwilioLimiter[] = [];
const account = () => `AC${randomBytes(16).toString('hex')}`;
const uri = 'https://api.twilio.com/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json';

/** A limiter with one slot, and a request of `tenant` holding it until `release()`. */
async function oneSlotHeld(tenant: string | null) {
  const limiter = await PgTwilioLimiter.start(db, stack.databaseUrl, { accountSid: account(), slots: 1 });
  started.push(limiter);
  let release!: () => void;
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const done = limiter.run({ method: 'POST', uri, tenant }, () => {
    holding();
    return new Promise<void>((resolve) => (release = resolve));
  });
  await held; // the slot is taken and its waiter served before anything else queues
  return { limiter, release: () => (release(), done) };
}

beforeAll(() => {
  db = createPool(stack.databaseUrl, 10);
});
afterAll(async () => {
  for (const l of started) await l.close();
  await db.end();
});

describe('tenants waiting for the account’s slots', () => {
  it('are served in turn, each tenant’s requests first come first served, behind a backlog queued before them', async () => {
    const { limiter, release } = await oneSlotHeld('A');
    const order: string[] = [];
    const request = (tenant: string | null, label: string) => limiter.run({ method: 'POST', uri, tenant }, async () => void order.push(label));
    // A's backlog queues first, then B's two, then one request of no tenant's, then C's one.
    const queued = [
      ...[1, 2, 3, 4, 5].map((i) => request('A', `A${i}`)),
      request('B', 'B1'),
      request('B', 'B2'),
      request(null, 'none1'),
      request('C', 'C1'),
    ];
    await release();
    await Promise.all(queued);
    // One slot: each freed slot goes to the next tenant in turn, so B waits behind one of A's, not five.
    expect(order).toEqual(['A1', 'B1', 'none1', 'C1', 'A2', 'B2', 'A3', 'A4', 'A5']);
  });

  it('a single tenant (or none) is served first come first served, as before', async () => {
    const { limiter, release } = await oneSlotHeld(null);
    const order: number[] = [];
    const queued = [1, 2, 3, 4, 5, 6].map((i) => limiter.run({ method: 'GET', uri }, async () => void order.push(i)));
    await release();
    await Promise.all(queued);
    expect(order).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
