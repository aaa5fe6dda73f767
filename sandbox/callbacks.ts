import { randomUUID } from 'node:crypto';
import twilio from 'twilio';

/**
 * Delivers a Twilio-style form-encoded webhook: signed with X-Twilio-Signature (the account's auth
 * token over URL + sorted params) and carrying an I-Twilio-Idempotency-Token that stays the same
 * on redelivery. Failures are retried a few times, like Twilio does.
 */
export async function deliverFormCallback(url: string, params: Record<string, string>, authToken: string, log: (m: string) => void) {
  const signature = twilio.getExpectedTwilioSignature(authToken, url, params);
  const token = randomUUID();
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signature,
          'i-twilio-idempotency-token': token,
          'user-agent': 'TwilioProxy/1.1 (twilio-pro sandbox)',
        },
        body: new URLSearchParams(params),
        signal: AbortSignal.timeout(5000),
      });
      if (res.status < 500) return;
    } catch (err) {
      log(`callback to ${url} failed: ${(err as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
}
