import { pino, type Logger } from 'pino';

/** Paths redacted from every log line: tokens and keys must never reach logs. */
export const redactPaths = [
  'authToken', '*.authToken', 'TWILIO_AUTH_TOKEN', '*.TWILIO_AUTH_TOKEN',
  'apiKey', '*.apiKey', 'req.headers.authorization', 'headers.authorization', 'password', '*.password', 'SECRETS_KEY', '*.SECRETS_KEY',
  'SECRETS_KEYS', '*.SECRETS_KEYS',
  // Console session tokens (POST /v1/sessions answers with `token`), should an answer or a body ever be logged.
  'token', '*.token',
  // Temporal's mTLS private key and Cloud API key, as settings or inside connection options.
  'TEMPORAL_TLS_KEY', '*.TEMPORAL_TLS_KEY', 'TEMPORAL_API_KEY', '*.TEMPORAL_API_KEY', 'tls.clientCertPair.key', '*.tls.clientCertPair.key',
];

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths: redactPaths, censor: '[redacted]' } });
}
