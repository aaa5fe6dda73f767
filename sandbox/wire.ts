import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/** Twilio SIDs: a two-letter prefix and 32 hex characters. */
export const newSid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

/** A SID that is the same for the same input (fixed dev accounts). */
export const stableSid = (prefix: string, seed: string) =>
  `${prefix}${createHash('sha256').update(seed).digest('hex').slice(0, 32)}`;

/** The 2010 API's date format: "Thu, 30 Jul 2015 23:19:04 +0000". */
export const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', '+0000');

export const moreInfo = (code: number) => `https://www.twilio.com/docs/errors/${code}`;

/** Twilio's error body: `{code, message, more_info, status}` with the HTTP status. */
export function sendTwilioError(reply: FastifyReply, status: number, code: number, message: string) {
  return reply.code(status).send({ code, message, more_info: moreInfo(code), status });
}

export class TwilioError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** 2010-style page: relative URIs, `page`, `page_size`, `start`, `end`. */
export function page2010<T>(
  key: string,
  all: T[],
  basePath: string,
  query: Record<string, string | undefined>,
): Record<string, unknown> {
  const pageSize = Math.min(1000, Math.max(1, Number(query.PageSize ?? 50) || 50));
  const page = Math.max(0, Number(query.Page ?? 0) || 0);
  const start = page * pageSize;
  const items = all.slice(start, start + pageSize);
  const keep = Object.entries(query).filter(([k, v]) => v !== undefined && !['Page', 'PageSize', 'PageToken'].includes(k));
  const uriFor = (p: number) => {
    const qs = new URLSearchParams([...keep.map(([k, v]) => [k, v!] as [string, string]), ['PageSize', String(pageSize)], ['Page', String(p)]]);
    if (p > 0) qs.set('PageToken', `PT${p}`);
    return `${basePath}?${qs.toString()}`;
  };
  return {
    [key]: items,
    end: start + Math.max(items.length - 1, 0),
    first_page_uri: uriFor(0),
    next_page_uri: start + pageSize < all.length ? uriFor(page + 1) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 ? uriFor(page - 1) : null,
    start,
    uri: uriFor(page),
  };
}

/** Form values arrive as strings (or arrays for repeated keys); Twilio booleans are "true"/"false". */
export const formBool = (v: unknown): boolean | undefined =>
  v === undefined ? undefined : String(Array.isArray(v) ? v[0] : v).toLowerCase() === 'true';

export const formString = (v: unknown): string | undefined =>
  v === undefined ? undefined : String(Array.isArray(v) ? v[v.length - 1] : v);

/** v1 APIs' dates: ISO 8601 without milliseconds, as Twilio sends them. */
export const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** v1 page: `{<key>: [...], meta: {key, page, page_size, first/previous/next_page_url, url}}` with absolute URLs. */
export function pageV1<T>(key: string, all: T[], origin: string, path: string, query: Record<string, string | undefined>) {
  const pageSize = Math.min(1000, Math.max(1, Number(query.PageSize ?? 50) || 50));
  const page = Math.max(0, Number(query.Page ?? 0) || 0);
  const keep = Object.entries(query).filter(([k, v]) => v !== undefined && !['Page', 'PageSize', 'PageToken'].includes(k));
  const urlFor = (p: number) => {
    const qs = new URLSearchParams([...keep.map(([k, v]) => [k, v!] as [string, string]), ['PageSize', String(pageSize)], ['Page', String(p)]]);
    return `${origin}${path}?${qs.toString()}`;
  };
  const start = page * pageSize;
  return {
    [key]: all.slice(start, start + pageSize),
    meta: {
      page,
      page_size: pageSize,
      first_page_url: urlFor(0),
      previous_page_url: page > 0 ? urlFor(page - 1) : null,
      url: urlFor(page),
      next_page_url: start + pageSize < all.length ? urlFor(page + 1) : null,
      key,
    },
  };
}

/** The scheme and host the client used, for absolute URLs in v1 bodies. */
export const originOf = (req: { protocol: string; headers: { host?: string } }) => `${req.protocol}://${req.headers.host ?? '127.0.0.1'}`;

/** Twilio sends `Attributes` as a JSON string. */
export function formJson(v: unknown): Record<string, unknown> {
  const raw = formString(v);
  if (raw === undefined || raw === '') return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw new TwilioError(400, 20001, 'Attributes must be a JSON object');
}
