import { createSandbox, defaultAccount } from './server';

/** `npm run sandbox`: the Twilio sandbox as its own process. Never prints the auth token. */
const sandbox = await createSandbox({ accounts: [defaultAccount()] });
const url = await sandbox.listen(Number(process.env.SANDBOX_PORT ?? 4010), process.env.SANDBOX_HOST ?? '127.0.0.1');
console.log(JSON.stringify({ event: 'sandbox.listening', url, accountSid: defaultAccount().sid }));
if (sandbox.requests.disabledReason) console.warn(JSON.stringify({ event: 'sandbox.requests_unvalidated', reason: sandbox.requests.disabledReason }));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
