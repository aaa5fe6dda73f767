import { pino, type Logger } from 'pino';

/** Paths redacted from every log line: tokens and keys must never reach logs. */
export const redactPaths = [
  'authToken', '*.authToken', 'TWILIO_AUTH_TOKEN', '*.TWILIO_AUTH_TOKEN',
  'apiKey', '*.apiKey', 'req.headers.authorization', 'headers.authorization', 'password', '*.password', 'SECRETS_KEY', '*.SECRETS_KEY',
];

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths: redactPaths, censor: '[redacted]' } });
}
