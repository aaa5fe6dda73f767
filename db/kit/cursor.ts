/**
 * Keyset pagination over (created_at DESC, id DESC): stable while rows are added.
 * The timestamp travels as PostgreSQL's own text form so no microseconds are lost.
 */
export interface Cursor {
  ts: string;
  id: string;
}

const tsPattern = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d{1,6})?(?:([+-])(\d\d)(?::?(\d\d))?|Z)$/;

/**
 * Our own cursors carry PostgreSQL's text form of a real instant. A forged one shaped right but naming
 * an impossible one (February 30th, hour 25) must be refused here: PostgreSQL would fail the query.
 */
function isRealTimestamp(ts: string): boolean {
  const m = tsPattern.exec(ts);
  if (!m) return false;
  const [year, month, day, hour, minute, second, , , offH, offM] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const date = new Date(Date.UTC(year!, month! - 1, day!));
  const dayExists = date.getUTCFullYear() === year && date.getUTCMonth() === month! - 1 && date.getUTCDate() === day;
  return year! >= 1 && dayExists && hour! < 24 && minute! < 60 && second! < 60 && offH! <= 15 && offM! < 60;
}

/**
 * The kind of id a list pages over: a cursor must carry one of that kind (anything else was not returned
 * by this API), and its SQL type is what the id column is compared as.
 */
export interface IdForm {
  pattern: RegExp;
  sqlType: 'uuid' | 'text';
}
export const uuidIds: IdForm = { pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, sqlType: 'uuid' };

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not one this API returned');
  }
}

export const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify([c.ts, c.id])).toString('base64url');

export function decodeCursor(raw: string, ids: IdForm = uuidIds): Cursor {
  try {
    const [ts, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (typeof ts === 'string' && typeof id === 'string' && isRealTimestamp(ts) && ids.pattern.test(id)) return { ts, id };
  } catch {
    /* fall through */
  }
  throw new InvalidCursorError();
}

/** SQL condition continuing after the cursor; `first` is the number of its first bind parameter. */
export function afterCursor(raw: string | undefined, first: number, ids: IdForm = uuidIds): { sql: string; params: unknown[] } {
  if (raw === undefined) return { sql: 'TRUE', params: [] };
  const c = decodeCursor(raw, ids);
  return { sql: `(created_at, id) < ($${first}::timestamptz, $${first + 1}::${ids.sqlType})`, params: [c.ts, c.id] };
}

/** Rows were fetched with limit + 1 and carry `cursor_ts` (created_at::text). */
export function pageOf<T extends { cursor_ts: string; id: string }>(rows: T[], limit: number) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last ? encodeCursor({ ts: last.cursor_ts, id: last.id }) : null };
}
