import { createHash } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { SecretBox } from '../../db/platform/secrets';
import { callbackTokensOf } from '../../db/platform/twilio-bindings';
import type { ApiDeps } from '../kit/deps';
import { HttpError } from '../kit/errors';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH, tooDeep } from '../kit/plugins/json-depth';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

/** What a product did with a callback: the registration it is about and whether its workflow was woken. */
export interface CallbackDelivery {
  registrationId: string | null;
  signalled: boolean;
}

/** An Event Streams event a product recognised: what it is about (the delivery log's) and how to deliver it. */
export interface RecognisedEvent {
  sid: string;
  status: string;
  /** Wakes the workflow it is about; false when there is none to wake. `via` says how it came, for the timeline. */
  deliver(via: string): Promise<boolean>;
}

/**
 * One product's share of Twilio's callbacks (composed in api/app.ts). The platform verifies and deduplicates
 * each delivery, then asks the products in order; the first that recognises it handles it.
 */
export interface TwilioCallbackHandler {
  /** A Trust Hub status callback about `sid` (a bundle); null when that bundle is not this product's. */
  statusCallback?(deps: ApiDeps, sid: string, status: string): Promise<CallbackDelivery | null>;
  /** An Event Streams CloudEvent; null when it is not about this product. */
  event?(deps: ApiDeps, type: string, data: Record<string, string>): Promise<RecognisedEvent | null>;
}

/**
 * Twilio's callbacks are a few KiB (a status form post; one CloudEvent, as sinks are made unbatched): anything
 * far larger is refused (413) before it is read, as every /v1 body is.
 */
const CALLBACK_BODY_LIMIT = 64 * 1024;

/** How long identical signed status callbacks count as one delivery (Twilio's retries come within minutes). */
export const CALLBACK_REPLAY_WINDOW_S = 600;

/**
 * What X-Twilio-Signature covers — the URL and every form field (a repeated field's values deduplicated and
 * sorted, as Twilio signs them) — as one digest: two deliveries with the same one are the same callback.
 */
export function signedContentDigest(url: string, params: Record<string, string | string[]>): string {
  const fields = Object.keys(params).sort().map((name) => {
    const v = params[name]!;
    return [name, typeof v === 'string' ? v : [...new Set(v)].sort()];
  });
  return createHash('sha256').update(JSON.stringify([url, fields])).digest('hex');
}

/**
 * Twilio's webhooks: Trust Hub StatusCallbacks (form posts) and Event Streams (JSON CloudEvents).
 * Each is verified with X-Twilio-Signature against the auth token of the account that owns the resource — the
 * deployment's, or a tenant's subaccount or own account (issue #24), whose previous token still verifies during a
 * rotation — (403 otherwise, nothing signalled), deduplicated, and handed to the product it is about, which
 * signals its registration's workflow.
 */
export const webhookRoutes: FastifyPluginAsync<ApiDeps & { callbacks: readonly TwilioCallbackHandler[] }> = async (app, options) => {
  const { callbacks, ...deps } = options;
  await app.register(formbody);
  // Event Streams signs the raw body's SHA-256: keep it. The app's JSON parser is replaced here, depth bound included.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    req.rawBody = body as string;
    if (jsonNestsDeeperThan(body as string, MAX_JSON_DEPTH)) return done(tooDeep(), undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new HttpError(400, 'invalid_json', 'body is not JSON'), undefined);
    }
  });
  const base = (deps.config.PUBLIC_BASE_URL ?? `http://${deps.config.API_HOST}:${deps.config.API_PORT}`).replace(/\/$/, '');
  const box = SecretBox.fromConfig(deps.config, 'twilio-credential');
  const publicUrl = (req: FastifyRequest) => `${base}${req.url}`;

  /**
   * The auth tokens that may have signed a delivery about `accountSid`'s resources (the delivery names it; it is
   * trusted only once a token of that very account verifies the signature). None for an account no tenant is
   * bound to, or one bound with an API key (Twilio signs with the auth token): such deliveries are refused and the
   * registration's polling finds the change instead.
   */
  async function tokensFor(accountSid: string | undefined): Promise<string[]> {
    if (!accountSid || accountSid === deps.config.TWILIO_ACCOUNT_SID) return [deps.config.TWILIO_AUTH_TOKEN];
    return callbackTokensOf(deps.db, box, accountSid);
  }

  function verify(req: FastifyRequest, tokens: string[], valid: (token: string, signature: string) => boolean) {
    const signature = req.headers['x-twilio-signature'];
    if (typeof signature !== 'string' || !signature || !tokens.some((token) => valid(token, signature))) {
      req.log.warn({ url: req.url }, 'rejected a webhook with a missing or invalid signature');
      throw new HttpError(403, 'invalid_signature', 'X-Twilio-Signature is missing or invalid');
    }
  }

  /** Records a delivery once; false when it was seen before. */
  async function firstTime(key: string, kind: string, sid: string | null, status: string | null) {
    const { rowCount } = await deps.db.query(
      'INSERT INTO webhook_events (key, kind, resource_sid, status) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING',
      [key, kind, sid, status],
    );
    return rowCount === 1;
  }

  /**
   * Records a status callback; false when it is a replay. Only what the signature covers identifies one
   * (the unsigned I-Twilio-Idempotency-Token can be changed by anyone replaying a captured callback), and
   * Trust Hub's signed params (AccountSid, BundleSid, Status, FailureReason) carry no event id or time, so a
   * genuine repeat (rejected, resubmitted, rejected again) looks exactly like a replay. So identical signed
   * content is a replay only while it is recent (CALLBACK_REPLAY_WINDOW_S) and nothing else was heard
   * about the resource since; otherwise it is news. At worst a replay wakes the workflow for one more
   * status check, which re-reads Twilio; a dropped genuine callback would leave it waiting for its poll.
   */
  async function freshCallback(digest: string, sid: string, status: string | null) {
    const { rowCount } = await deps.db.query(
      `INSERT INTO webhook_events AS seen (key, kind, resource_sid, status) VALUES ($1, 'status-callback', $2, $3)
       ON CONFLICT (key) DO UPDATE SET received_at = now()
        WHERE seen.received_at < now() - make_interval(secs => $4)
           OR EXISTS (SELECT 1 FROM webhook_events other
                       WHERE other.kind = 'status-callback' AND other.resource_sid = seen.resource_sid
                         AND other.key <> seen.key AND other.received_at > seen.received_at)`,
      [`callback:${digest}`, sid, status, CALLBACK_REPLAY_WINDOW_S],
    );
    return rowCount === 1;
  }

  /** The first product's reading of an Event Streams event; null when none recognises it. */
  async function recognise(type: string, data: Record<string, string>): Promise<RecognisedEvent | null> {
    for (const product of callbacks) {
      const event = await product.event?.(deps, type, data);
      if (event) return event;
    }
    return null;
  }

  /** Refuses a body of another media type than the webhook's own, before anything reads it. */
  function requireMediaType(req: FastifyRequest, type: string) {
    const sent = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (sent !== type) throw new HttpError(415, 'unsupported_media_type', `this webhook accepts ${type} bodies only`);
  }

  app.post('/webhooks/twilio/status-callback', { schema: { hide: true }, bodyLimit: CALLBACK_BODY_LIMIT }, async (req) => {
    // Twilio posts status callbacks form-encoded: fields are strings (a repeated field, a list of them).
    requireMediaType(req, 'application/x-www-form-urlencoded');
    const params = (req.body ?? {}) as Record<string, string | string[]>;
    const field = Object.entries(params).find(([, v]) => typeof v !== 'string' && !(Array.isArray(v) && v.every((x) => typeof x === 'string')));
    if (field) throw new HttpError(400, 'invalid_request', `${field[0]}: is not a form field value`, { fields: [{ field: field[0], message: 'is not a form field value' }] });
    const value = (name: string) => (typeof params[name] === 'string' ? (params[name] as string) : undefined);
    verify(req, await tokensFor(value('AccountSid')), (token, sig) => twilio.validateRequest(token, sig, publicUrl(req), params));
    const sid = value('BundleSid') ?? '';
    const status = value('Status');
    if (!(await freshCallback(signedContentDigest(publicUrl(req), params), sid, status ?? null))) return { accepted: true, duplicate: true, signalled: false };
    for (const product of callbacks) {
      const delivered = await product.statusCallback?.(deps, sid, status ?? '');
      if (delivered) return { accepted: true, duplicate: false, signalled: delivered.signalled, registrationId: delivered.registrationId };
    }
    return { accepted: true, duplicate: false, signalled: false, registrationId: null };
  });

  app.post('/webhooks/twilio/events', { schema: { hide: true }, bodyLimit: CALLBACK_BODY_LIMIT }, async (req) => {
    requireMediaType(req, 'application/json');
    const events = Array.isArray(req.body) ? (req.body as { id?: string; type?: string; data?: Record<string, string> }[]) : [];
    // A sink belongs to one account, so a batch is one account's: the events name it.
    const accounts = new Set(events.map((e) => (typeof e?.data?.accountsid === 'string' ? e.data.accountsid : undefined)));
    if (accounts.size > 1) throw new HttpError(400, 'invalid_request', 'the events of one delivery name different accounts');
    verify(req, await tokensFor([...accounts][0]), (token, sig) => twilio.validateRequestWithBody(token, sig, publicUrl(req), req.rawBody ?? ''));
    let signalled = 0;
    let duplicates = 0;
    for (const e of events) {
      const data = e.data ?? {};
      const type = String(e.type ?? '');
      const event = await recognise(type, data);
      if (!(await firstTime(`event:${e.id ?? JSON.stringify(e)}`, type || 'unknown', event?.sid ?? null, event?.status ?? null))) {
        duplicates += 1;
        continue;
      }
      if (event && (await event.deliver(`Event Streams ${type.split('.').at(-1)}`))) signalled += 1;
    }
    return { accepted: events.length, duplicates, signalled };
  });
};
