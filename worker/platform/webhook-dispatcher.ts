import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Webhook } from 'standardwebhooks';
import { OutboundUrlRefused, pinnedLookup, vetOutboundUrl, type OutboundPolicy, type VettedUrl } from '../../config/outbound-url';
import type { Db } from '../../db/kit/pool';
import { UnopenableSecretError, type SecretBox } from '../../db/platform/secrets';

/** Attempts before a delivery is given up (with the default 5 s base: 5 s, 10 s, 20 s … about 21 minutes in all). */
const MAX_ATTEMPTS = 8;

interface DueDelivery {
  id: string;
  url: string;
  secret_box: string;
  payload: unknown;
  attempts: number;
}

/** One attempt's result; `final` ends the delivery as failed however many attempts are left. */
interface Outcome {
  status: number | null;
  error: string | null;
  final: boolean;
}

/**
 * Delivers tenants' webhook events (queued in webhook_deliveries by triggers), signed the Standard Webhooks
 * way — `webhook-id`, `webhook-timestamp`, `webhook-signature` (HMAC-SHA256 over id, timestamp and body) —
 * so receivers verify with an off-the-shelf library and reject replays. Every worker runs one; a due
 * delivery is taken with SKIP LOCKED and a lease, so each attempt is made by one of them. A failed attempt
 * is tried again with exponential back-off; after MAX_ATTEMPTS it is marked failed (and can be resent).
 * Before every attempt the endpoint's URL is checked against the outbound policy again (its name may
 * resolve elsewhere now) and the request goes to the addresses checked; a refused URL fails at once.
 */
export function startWebhookDispatcher(deps: { db: Db; box: SecretBox; policy: OutboundPolicy; retryBaseMs?: number; pollMs?: number; timeoutMs?: number }) {
  const base = deps.retryBaseMs ?? 5_000;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  async function deliver(d: DueDelivery): Promise<Outcome> {
    const secret = openSecret(d.secret_box);
    // No key of this worker's ring opens it: waiting changes nothing, so nothing is sent and it fails now
    // (left to throw, the delivery would stay pending and be taken again each time its lease ran out).
    if (!secret.ok) return { status: null, error: `not sent: the endpoint's signing secret can't be opened: ${secret.reason}`, final: true };
    let target: VettedUrl;
    try {
      target = await vetOutboundUrl(d.url, deps.policy);
    } catch (err) {
      if (!(err instanceof OutboundUrlRefused)) throw err;
      // A policy refusal (a private address, a port) does not change by waiting: nothing is sent, no retries.
      return { status: null, error: `not sent: ${err.message}`, final: err.kind === 'policy' };
    }
    try {
      const body = JSON.stringify(d.payload);
      const status = await postOnce(target, signedHeaders(d, body, secret.plain), body, deps.timeoutMs ?? 10_000);
      return { status, error: answerError(status), final: false };
    } catch (err) {
      return { status: null, error: (err as Error).message, final: false };
    }
  }

  /** The signing secret, or why no key of this worker's ring opens it. */
  function openSecret(sealed: string): { ok: true; plain: string } | { ok: false; reason: string } {
    try {
      return { ok: true, plain: deps.box.open(sealed) };
    } catch (err) {
      if (err instanceof UnopenableSecretError) return { ok: false, reason: err.message };
      throw err;
    }
  }

  function signedHeaders(d: DueDelivery, body: string, secret: string): OutgoingHttpHeaders {
    const timestamp = new Date();
    return {
      'content-type': 'application/json',
      'webhook-id': d.id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(d.id, timestamp, body),
      'user-agent': 'twilio-pro-webhooks/1',
    };
  }

  async function record(d: DueDelivery, o: Outcome) {
    const attempts = d.attempts + 1;
    if (!o.error) {
      await deps.db.query(`UPDATE webhook_deliveries SET status = 'delivered', attempts = $2, last_status = $3, last_error = NULL, delivered_at = now() WHERE id = $1`, [d.id, attempts, o.status]);
    } else if (o.final || attempts >= MAX_ATTEMPTS) {
      await deps.db.query(`UPDATE webhook_deliveries SET status = 'failed', attempts = $2, last_status = $3, last_error = $4 WHERE id = $1`, [d.id, attempts, o.status, o.error]);
    } else {
      await deps.db.query(
        `UPDATE webhook_deliveries SET attempts = $2, last_status = $3, last_error = $4, next_attempt_at = now() + make_interval(secs => $5) WHERE id = $1`,
        [d.id, attempts, o.status, o.error, (base * 2 ** (attempts - 1)) / 1000],
      );
    }
  }

  async function round() {
    // Taken with a lease: a worker that dies mid-attempt leaves the delivery due again in a minute.
    const { rows } = await deps.db.query<DueDelivery>(
      `WITH due AS (
         SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
          ORDER BY next_attempt_at LIMIT 20 FOR UPDATE SKIP LOCKED)
       UPDATE webhook_deliveries d SET next_attempt_at = now() + interval '60 seconds'
         FROM due, webhook_endpoints e WHERE d.id = due.id AND e.id = d.endpoint_id
       RETURNING d.id, d.payload, d.attempts, e.url, e.secret_box`,
    );
    await Promise.all(rows.map(async (d) => record(d, await deliver(d)).catch(() => undefined)));
    return rows.length;
  }

  const loop = async () => {
    while (!stopped) {
      const n = await round().catch(() => 0);
      if (n === 0) await new Promise((r) => setTimeout(r, deps.pollMs ?? 500));
    }
  };
  running = loop();
  return async () => {
    stopped = true;
    await running;
  };
}

/** A 2xx is delivered; anything else is a failed attempt, a redirect too (following it could lead anywhere). */
function answerError(status: number): string | null {
  if (status >= 200 && status < 300) return null;
  if (status >= 300 && status < 400) return `answered ${status}: redirects are not followed`;
  return `answered ${status}`;
}

/**
 * One POST to a vetted URL, connecting only to its vetted addresses (no second DNS lookup, no redirect
 * followed), on a connection of its own; resolves with the answer's status, its body unread.
 */
export function postOnce(target: VettedUrl, headers: OutgoingHttpHeaders, body: string, timeoutMs: number): Promise<number> {
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target.url,
      { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, lookup: pinnedLookup(target.addresses), agent: false },
      (res) => {
        clearTimeout(timer);
        resolve(res.statusCode ?? 0);
        res.destroy();
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}
