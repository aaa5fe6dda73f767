import { createHash, randomUUID } from 'node:crypto';
import twilio from 'twilio';
import { z } from 'zod';

export const DeliveryMode = z.enum(['normal', 'drop', 'duplicate', 'reorder']);
export type DeliveryMode = z.infer<typeof DeliveryMode>;

interface Delivery {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** One account's delivery switch and counters. */
export interface DeliveryLedger {
  mode: DeliveryMode;
  sent: number;
  dropped: number;
}

/**
 * Sends webhooks the way Twilio does — form-encoded status callbacks and JSON CloudEvents batches,
 * signed with the account's auth token — with a control switch to drop, duplicate or reorder them.
 */
export class Deliverer {
  private held: { delivery: Delivery; ledger: DeliveryLedger }[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  /** `ledger` gives the sending account's switch and counters (deliveries are made in that account's context). */
  constructor(
    private readonly log: (m: string) => void,
    private readonly ledger: () => DeliveryLedger,
  ) {}

  /** Form POST to a StatusCallback: signature over URL + sorted params. */
  form(url: string, params: Record<string, string>, authToken: string) {
    this.enqueue({
      url,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params),
        'i-twilio-idempotency-token': randomUUID(),
      },
      body: new URLSearchParams(params).toString(),
    });
  }

  /** Event Streams webhook sink: a JSON array of CloudEvents; the URL carries bodySHA256, and is what is signed. */
  events(destination: string, events: unknown[], authToken: string) {
    const body = JSON.stringify(events);
    const hash = createHash('sha256').update(body).digest('hex');
    const url = `${destination}${destination.includes('?') ? '&' : '?'}bodySHA256=${hash}`;
    this.enqueue({
      url,
      headers: {
        'content-type': 'application/json',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, {}),
        'i-twilio-idempotency-token': randomUUID(),
      },
      body,
    });
  }

  private enqueue(d: Delivery) {
    const ledger = this.ledger();
    if (ledger.mode === 'drop') {
      ledger.dropped += 1;
      return;
    }
    if (ledger.mode === 'reorder') {
      this.held.push({ delivery: d, ledger });
      this.flushTimer ??= setTimeout(() => {
        const batch = this.held.reverse();
        this.held = [];
        this.flushTimer = undefined;
        for (const x of batch) void this.send(x.delivery, x.ledger);
      }, 300);
      return;
    }
    void this.send(d, ledger);
    if (ledger.mode === 'duplicate') void this.send(d, ledger);
  }

  private async send(d: Delivery, ledger: DeliveryLedger) {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const res = await fetch(d.url, { method: 'POST', headers: { ...d.headers, 'user-agent': 'TwilioProxy/1.1 (twilio-pro sandbox)' }, body: d.body, signal: AbortSignal.timeout(5000) });
        ledger.sent += 1;
        if (res.status < 500) return;
      } catch (err) {
        this.log(`delivery to ${d.url} failed: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
}
