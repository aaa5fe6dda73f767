import { parseArgs } from 'node:util';
import { ConfigSchema } from '../config/env';
import { rotateSecrets, secretsStatus } from '../db/platform/secret-rotation';
import { KeyRing } from '../config/key-ring';
import { withCliDb } from './db';

/**
 * The sealed secrets (SIP passwords, webhook signing secrets) and the key ring, from the command line, as JSON.
 * Run with the same SECRETS_KEY / SECRETS_KEYS (and TWILIO_AUTH_TOKEN) as the API and the workers:
 *   npm run secrets -- status                       → how many values are sealed under each key id
 *   npm run secrets -- rotate [--batch-size 500]    → re-seals every value under the current (first) key
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'batch-size': { type: 'string', default: '500' } },
});
const command = positionals[0];
const batchSize = Number(values['batch-size']);
if (!command || !['status', 'rotate'].includes(command) || !Number.isInteger(batchSize) || batchSize < 1) {
  console.error('usage: npm run secrets -- status|rotate [--batch-size <rows, default 500>]');
  process.exit(2);
}

/** The ring from the environment, checked as the API and the workers check it. */
function ringFromEnv(): KeyRing {
  const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.pick({ SECRETS_KEY: true, SECRETS_KEYS: true }).extend({ TWILIO_AUTH_TOKEN: ConfigSchema.shape.TWILIO_AUTH_TOKEN.optional() }).safeParse(env);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  if (parsed.data.SECRETS_KEY && parsed.data.SECRETS_KEYS) throw new Error('set SECRETS_KEY or SECRETS_KEYS, not both');
  return KeyRing.fromConfig(parsed.data);
}

let ring: KeyRing;
try {
  ring = ringFromEnv();
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
await withCliDb(async (db) => {
  if (command === 'status') return console.log(JSON.stringify(await secretsStatus(db, ring)));
  const report = await rotateSecrets(db, ring, { batchSize });
  console.log(JSON.stringify(report));
  // A value left unopenable is the operator's to look at: the exit code says so too.
  if (report.sipPasswords.unopenable.length || report.webhookSecrets.unopenable.length || report.twilioCredentials.unopenable.length || report.previousTwilioTokens.unopenable.length) process.exitCode = 1;
});
