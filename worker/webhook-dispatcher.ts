import { Webhook } from 'standardwebhooks';
import type { Db } from '../db/pool';
import type { SecretBox } from '../db/secrets';

/** Attempts before a delivery is given up (with the default 5 s base: 5 s, 10 s, 20 s … about 21 minutes in all). */
const MAX_ATTEMPTS = 8;

/**
 * Delivers tenants' webhook events (queued in webhook_deliveries by triggers), signed the Standard Webhooks
 * way — `webhook-id`, `webhook-timestamp`, `webhook-signature` (HMAC-SHA256 over id, timestamp and body) —
 * so receivers verify with an off-the-shelf library and reject replays. Every worker runs one; a due
 * delivery is taken with SKIP LOCKED and a lease, so each attempt is made by one of them. A failed attempt
 * is tried again with exponential back-off; after MAX_ATTEMPTS it is marked failed (and can be resent).
 */
export function startWebhookDispatcher(deps: { db: Db; box: SecretBox; retryBaseMs?: number; pollMs?: number; timeoutMs?: number }) {
  const base = deps.retryBaseMs ?? 5_000;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  async function attempt(d: { id: string; url: string; secret_box: string; payload: unknown; attempts: number }) {
    const body = JSON.stringify(d.payload);
    const timestamp = new Date();
    const signature = new Webhook(deps.box.open(d.secret_box)).sign(d.id, timestamp, body);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': d.id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
          'user-agent': 'twilio-pro-webhooks/1',
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
      });
      status = res.status;
      await res.body?.cancel();
      if (res.status < 200 || res.status >= 300) error = `answered ${res.status}`;
    } catch (err) {
      error = (err as Error).message;
    }
    const attempts = d.attempts + 1;
    if (!error) {
      await deps.db.query(`UPDATE webhook_deliveries SET status = 'delivered', attempts = $2, last_status = $3, last_error = NULL, delivered_at = now() WHERE id = $1`, [d.id, attempts, status]);
    } else if (attempts >= MAX_ATTEMPTS) {
      await deps.db.query(`UPDATE webhook_deliveries SET status = 'failed', attempts = $2, last_status = $3, last_error = $4 WHERE id = $1`, [d.id, attempts, status, error]);
    } else {
      await deps.db.query(
        `UPDATE webhook_deliveries SET attempts = $2, last_status = $3, last_error = $4, next_attempt_at = now() + make_interval(secs => $5) WHERE id = $1`,
        [d.id, attempts, status, error, (base * 2 ** (attempts - 1)) / 1000],
      );
    }
  }

  async function round() {
    // Taken with a lease: a worker that dies mid-attempt leaves the delivery due again in a minute.
    const { rows } = await deps.db.query(
      `WITH due AS (
         SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
          ORDER BY next_attempt_at LIMIT 20 FOR UPDATE SKIP LOCKED)
       UPDATE webhook_deliveries d SET next_attempt_at = now() + interval '60 seconds'
         FROM due, webhook_endpoints e WHERE d.id = due.id AND e.id = d.endpoint_id
       RETURNING d.id, d.payload, d.attempts, e.url, e.secret_box`,
    );
    await Promise.all(rows.map((d) => attempt(d).catch(() => undefined)));
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
