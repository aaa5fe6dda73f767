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

/** A network failure (timeout, dropped connection) with nothing but its code and message. */
export class TwilioTransportError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'TwilioTransportError';
  }
}

/**
 * The SDK's own HTTP client, with one change: transport errors are replaced by a bare error.
 * The original carries the request config, Basic-auth credentials included, and would end up in
 * logs and in workflow histories.
 */
class CredentialSafeRequestClient extends twilio.RequestClient {
  override async request<T>(opts: Parameters<twilio.RequestClient['request']>[0]) {
    try {
      return await super.request<T>(opts as never);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      throw new TwilioTransportError(e.code, `${opts.method?.toUpperCase()} ${new URL(opts.uri).pathname}: ${e.code ?? ''} ${e.message ?? 'request failed'}`.trim());
    }
  }
}

/**
 * The official SDK, unchanged except where it sends requests. 429s (never processed by Twilio)
 * are retried by the SDK's client with jittered back-off; everything else surfaces to the activity.
 */
export function createTwilioClient(s: TwilioSettings): TwilioClient {
  const httpClient = new CredentialSafeRequestClient({
    autoRetry: true,
    maxRetries: 8,
    maxRetryDelay: 2000,
    timeout: s.timeoutMs,
    keepAlive: true,
  });
  const client = twilio(s.accountSid, s.authToken, { httpClient });
  if (s.baseUrl) {
    const base = s.baseUrl.replace(/\/$/, '');
    for (const d of domains) (client[d] as unknown as { baseUrl: string }).baseUrl = base;
  }
  return client;
}
