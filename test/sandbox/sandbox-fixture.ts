import twilio from 'twilio';
import { createSandbox, type Sandbox } from '../../sandbox/server';

export const account = { sid: `AC${'5a'.repeat(16)}`, authToken: 'f'.repeat(32) };

/** An in-process sandbox on a free port, plus raw and SDK clients for it. */
export async function startSandbox(seed = 11, opts: { fastReviews?: boolean } = {}) {
  const sandbox: Sandbox = await createSandbox({ seed, accounts: [account], fastReviews: opts.fastReviews });
  const url = await sandbox.listen(0);
  const auth = `Basic ${Buffer.from(`${account.sid}:${account.authToken}`).toString('base64')}`;
  /** A raw Twilio request: form-encoded body, Basic auth, JSON back. */
  const raw = async (method: string, path: string, form?: Record<string, string | string[]>, headers: Record<string, string> = {}) => {
    const body = form ? new URLSearchParams(Object.entries(form).flatMap(([k, v]) => [v].flat().map((x): [string, string] => [k, x]))) : undefined;
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: auth, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...headers },
      body,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
  /** A raw Twilio request with a JSON body (Lookup's batch endpoint takes JSON). */
  const rawJson = async (method: string, path: string, json: unknown) => {
    const res = await fetch(`${url}${path}`, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(json) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
  /** The official SDK, re-pointed only through its public baseUrl; no auto-retry, so 429s are visible. */
  const sdk = (opts: { autoRetry?: boolean } = {}) => {
    const client = twilio(account.sid, account.authToken, opts);
    for (const d of ['api', 'trunking', 'trusthub', 'messaging', 'lookups', 'events'] as const) {
      (client[d] as unknown as { baseUrl: string }).baseUrl = url;
    }
    return client;
  };
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/__sandbox/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- test helper
  };
  const base = `/2010-04-01/Accounts/${account.sid}`;
  return { sandbox, url, raw, rawJson, sdk, control, base, close: () => sandbox.close() };
}
