import { parseArgs } from 'node:util';
import { createOperatorKey, revokeOperatorKey } from '../db/platform/operators';
import { withCliDb } from './db';

/**
 * The operator's side of the deployment (issue #24 §4), as JSON:
 *   npm run operator -- key create --label <who>        → an operator key (tpo_…), shown once (DATABASE_URL)
 *   npm run operator -- key revoke <key id>             → it stops working at once (DATABASE_URL)
 *   npm run operator -- tenants list [--limit 50] [--cursor <c>]
 *   npm run operator -- tenants create --name <name> [--binding shared|subaccount]
 *   npm run operator -- tenants suspend <tenant id>
 *   npm run operator -- tenants resume <tenant id>
 *   npm run operator -- tenants close <tenant id>       → the plan (what closing loses) and its confirmation token
 *   npm run operator -- tenants close <tenant id> --confirm <token>   → closes the subaccount at Twilio, for good
 *   npm run operator -- numbers transfer --from <tenant id> --to <tenant id> <E.164>…   → the plan (what each number loses) and its token
 *   npm run operator -- numbers transfer --from <id> --to <id> <E.164>… --confirm <token>  → moves them
 *   npm run operator -- numbers transfer-status <transfer id>
 * The tenant commands call the operator API (TWILIO_PRO_URL, TWILIO_PRO_OPERATOR_KEY): a subaccount is made and
 * suspended by the workers' workflows, which only the API starts, and every change is audited with the operator
 * key that made it — the same path, checks and trail whether a person or a program asks.
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    label: { type: 'string' },
    name: { type: 'string' },
    binding: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    confirm: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
});
const [group, command, id] = positionals;
const usage = `usage: npm run operator -- key create --label <label> | key revoke <key id>
       npm run operator -- tenants list [--limit <n>] [--cursor <c>] | tenants create --name <name> [--binding shared|subaccount] | tenants suspend <id> | tenants resume <id>
       npm run operator -- tenants close <id> [--confirm <token from the plan>]
       npm run operator -- numbers transfer --from <tenant id> --to <tenant id> <E.164>... [--confirm <token from the plan>] | numbers transfer-status <transfer id>`;

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

async function keyCommand() {
  if (command === 'create' && !values.label?.trim()) fail(usage);
  if (command === 'revoke' && !id) fail(usage);
  if (command !== 'create' && command !== 'revoke') fail(usage);
  await withCliDb(async (db) => {
    if (command === 'create') {
      const { key, view } = await createOperatorKey(db, values.label!.trim());
      console.log(JSON.stringify({ ...view, key }));
      return;
    }
    const revoked = /^[0-9a-f-]{36}$/i.test(id!) ? await revokeOperatorKey(db, id!) : null;
    if (!revoked) fail(`no operator key ${id}`, 1);
    console.log(JSON.stringify(revoked));
  });
}

/** One operator API call; its JSON answer printed, a refusal on stderr with exit code 1. */
async function callApi(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}) {
  const base = process.env.TWILIO_PRO_URL;
  const key = process.env.TWILIO_PRO_OPERATOR_KEY;
  if (!base || !key) fail('TWILIO_PRO_URL and TWILIO_PRO_OPERATOR_KEY are required for the tenant commands');
  const res = await fetch(new URL(path, base.replace(/\/?$/, '/')), {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) fail(`${res.status} ${text}`, 1);
  console.log(text);
}

async function tenantsCommand() {
  if (command === 'list') {
    const q = new URLSearchParams(Object.entries({ limit: values.limit, cursor: values.cursor }).filter((e): e is [string, string] => e[1] !== undefined));
    return callApi('GET', `v1/operator/tenants${q.size ? `?${q}` : ''}`);
  }
  if (command === 'create') {
    if (!values.name) fail(usage);
    if (values.binding && !['shared', 'subaccount'].includes(values.binding)) fail('--binding must be shared or subaccount');
    return callApi('POST', 'v1/operator/tenants', { name: values.name, ...(values.binding ? { binding: values.binding } : {}) });
  }
  if ((command === 'suspend' || command === 'resume') && id) return callApi('POST', `v1/operator/tenants/${encodeURIComponent(id)}/${command}`);
  // Without --confirm, a dry run: the plan and the token to confirm it with (nothing changes).
  if (command === 'close' && id) return callApi('POST', `v1/operator/tenants/${encodeURIComponent(id)}/close`, values.confirm ? { confirmationToken: values.confirm } : {});
  fail(usage);
}

async function numbersCommand() {
  if (command === 'transfer') {
    const numbers = positionals.slice(2);
    if (!values.from || !values.to || numbers.length === 0) fail(usage);
    // Without --confirm, a dry run: the plan and the token to confirm it with (nothing changes).
    return callApi('POST', 'v1/operator/numbers/transfer', { fromTenantId: values.from, toTenantId: values.to, numbers, ...(values.confirm ? { confirmationToken: values.confirm } : {}) });
  }
  if (command === 'transfer-status' && id) return callApi('GET', `v1/operator/numbers/transfers/${encodeURIComponent(id)}`);
  fail(usage);
}

if (group === 'key') await keyCommand();
else if (group === 'tenants') await tenantsCommand();
else if (group === 'numbers') await numbersCommand();
else fail(usage);
