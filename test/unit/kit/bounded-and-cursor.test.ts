import { describe, expect, it } from 'vitest';
import { forEachBounded } from '../../../workflows/kit/bounded';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../../../db/kit/cursor';

describe('forEachBounded', () => {
  it('never runs more than the limit at once and visits every item once', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachBounded([...Array(25).keys()], 4, async (i) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, (i % 3) * 2));
      seen.push(i);
      inFlight -= 1;
    });
    expect(peak).toBe(4);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(25).keys()]);
  });
});

describe('cursor', () => {
  it('round-trips and rejects anything else', () => {
    const c = { ts: '2026-11-24 01:02:03.123456+00', id: '0b7c1f9e-5b1a-4c1e-9a51-5f0e1f2a3b4c' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(() => decodeCursor('garbage')).toThrow(InvalidCursorError);
    expect(() => decodeCursor(Buffer.from('["x","y"]').toString('base64url'))).toThrow(InvalidCursorError);
  });

  it('refuses a cursor shaped right that names an impossible instant (PostgreSQL would fail the query)', () => {
    const id = '0b7c1f9e-5b1a-4c1e-9a51-5f0e1f2a3b4c';
    const forged = (ts: string) => Buffer.from(JSON.stringify([ts, id])).toString('base64url');
    for (const ts of ['2024-02-30 00:00:00+00', '2023-02-29 00:00:00+00', '2026-13-01 00:00:00+00', '2026-11-24 24:00:00+00', '2026-11-24 01:61:00+00', '0000-01-01 00:00:00+00', '2026-11-24 01:02:03+16']) {
      expect(() => decodeCursor(forged(ts)), ts).toThrow(InvalidCursorError);
    }
    for (const ts of ['2024-02-29 23:59:59.999999+00', '2026-11-24 01:02:03-05:30', '2026-11-24T01:02:03Z']) {
      expect(decodeCursor(forged(ts)).ts).toBe(ts);
    }
  });
});
