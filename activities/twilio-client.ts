import twilio from 'twilio';

export type TwilioClient = ReturnType<typeof twilio>;

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  /** The sandbox's URL; unset for real Twilio. */
  baseUrl?: string;
  timeoutMs: number;
}

// Every product domain the service talks to; all are re-pointed at the sandbox together.
const domains = ['api', 'trunking', 'trusthub', 'messaging', 'lookups', 'events'] as const;

/**
 * The official SDK, unchanged except where it sends requests. 429s (never processed by Twilio)
 * are retried by the SDK itself with jittered back-off; everything else surfaces to the activity.
 */
export function createTwilioClient(s: TwilioSettings): TwilioClient {
  const client = twilio(s.accountSid, s.authToken, {
    autoRetry: true,
    maxRetries: 8,
    maxRetryDelay: 2000,
    timeout: s.timeoutMs,
    keepAlive: true,
  } as Parameters<typeof twilio>[2]);
  if (s.baseUrl) {
    const base = s.baseUrl.replace(/\/$/, '');
    for (const d of domains) (client[d] as unknown as { baseUrl: string }).baseUrl = base;
  }
  return client;
}
