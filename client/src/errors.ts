/** What the API answers on every error: `{ error: { code, message, fields?, twilio? } }`. */
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    /** The request fields at fault, each with why. */
    fields?: { field: string; message: string }[];
    /** Twilio's own error, when Twilio refused the work. */
    twilio?: { code: number | null; status: number | null; message: string; moreInfo: string | null };
  };
}

/**
 * An error answer of the API (or no answer at all: `status` 0, `code` "network_error"), with the API's
 * code, the fields at fault, Twilio's code when Twilio refused, the request id to quote, and Retry-After.
 */
export class TwilioProError extends Error {
  override readonly name = 'TwilioProError';
  readonly status: number;
  readonly code: string;
  readonly fields: { field: string; message: string }[];
  readonly twilio: ApiErrorBody['error']['twilio'] | null;
  readonly requestId: string | null;
  /** Seconds the API asked to wait (429, 503), when it said. */
  readonly retryAfterSeconds: number | null;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    fields?: { field: string; message: string }[];
    twilio?: ApiErrorBody['error']['twilio'] | null;
    requestId?: string | null;
    retryAfterSeconds?: number | null;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.fields = init.fields ?? [];
    this.twilio = init.twilio ?? null;
    this.requestId = init.requestId ?? null;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }

  /** The message for one field (as the API names it, e.g. "business.ein"), if the API named it. */
  fieldMessage(field: string): string | undefined {
    return this.fields.find((f) => f.field === field)?.message;
  }

  static fromResponse(response: Response, body: unknown): TwilioProError {
    const e = isApiErrorBody(body) ? body.error : null;
    const retryAfter = Number(response.headers.get('retry-after'));
    return new TwilioProError({
      status: response.status,
      code: e?.code ?? `http_${response.status}`,
      message: e?.message ?? (response.statusText || `HTTP ${response.status}`),
      fields: e?.fields,
      twilio: e?.twilio ?? null,
      requestId: response.headers.get('x-request-id'),
      retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    });
  }

  static network(cause: unknown): TwilioProError {
    return new TwilioProError({ status: 0, code: 'network_error', message: `the API did not answer: ${String((cause as Error)?.message ?? cause)}`, cause });
  }
}

function isApiErrorBody(body: unknown): body is ApiErrorBody {
  const e = (body as ApiErrorBody | null)?.error;
  return typeof e === 'object' && e !== null && typeof e.code === 'string' && typeof e.message === 'string';
}
