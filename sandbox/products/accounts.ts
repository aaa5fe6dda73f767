import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { subaccountsOf, type Account, type SandboxState } from '../state';
import { formString, newSid, page2010, rfc2822, TwilioError } from '../wire';

type Form = Record<string, unknown>;
type Query = Record<string, string | undefined>;
type Status = NonNullable<Account['status']>;

/** The subresources the spec's Account example lists, each under the account's 2010 path. */
const subresources: Record<string, string> = {
  available_phone_numbers: 'AvailablePhoneNumbers.json', calls: 'Calls.json', conferences: 'Conferences.json',
  incoming_phone_numbers: 'IncomingPhoneNumbers.json', notifications: 'Notifications.json', outgoing_caller_ids: 'OutgoingCallerIds.json',
  recordings: 'Recordings.json', transcriptions: 'Transcriptions.json', addresses: 'Addresses.json', signing_keys: 'SigningKeys.json',
  connect_apps: 'ConnectApps.json', sip: 'SIP.json', authorized_connect_apps: 'AuthorizedConnectApps.json', usage: 'Usage.json',
  keys: 'Keys.json', applications: 'Applications.json', short_codes: 'SMS/ShortCodes.json', queues: 'Queues.json',
  messages: 'Messages.json', balance: 'Balance.json',
};

/** Twilio's name for a new account's first project; configured sandbox accounts have no name of their own. */
const defaultTopLevelName = 'My first Twilio account';

/** Twilio's default subaccount name: "SubAccount Created at {YYYY-MM-DD HH:MM meridian}". */
function defaultSubaccountName(d: Date): string {
  const h = d.getUTCHours();
  const hh = String(h % 12 === 0 ? 12 : h % 12).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `SubAccount Created at ${d.toISOString().slice(0, 10)} ${hh}:${mm} ${h < 12 ? 'am' : 'pm'}`;
}

export function serializeAccount(a: Account, startedAt: Date) {
  const base = `/2010-04-01/Accounts/${a.sid}`;
  const created = a.dateCreated ?? startedAt;
  return {
    auth_token: a.authToken,
    date_created: rfc2822(created),
    date_updated: rfc2822(a.dateUpdated ?? created),
    friendly_name: a.friendlyName ?? defaultTopLevelName,
    // "The OwnerAccountSid of a parent account is its own sid."
    owner_account_sid: a.ownerAccountSid ?? a.sid,
    sid: a.sid,
    status: a.status ?? 'active',
    subresource_uris: Object.fromEntries(Object.entries(subresources).map(([k, p]) => [k, `${base}/${p}`])),
    type: 'Full',
    uri: `${base}.json`,
  };
}

/**
 * Core API 2010 Accounts: a top-level account creates subaccounts (its own credentials, world and inventory lane,
 * as any account), lists itself and them, fetches and updates them. Who may reach which account is the Twilio
 * pipeline's work (sandbox/twilio-scope.ts): `req.accountSid` is the account in the path, `req.credentialAccountSid`
 * the one whose credentials were used.
 */
export const accountsProduct: FastifyPluginAsync<{ state: SandboxState }> = async (app, { state }) => {
  const root = '/2010-04-01/Accounts';
  const serialize = (a: Account) => serializeAccount(a, state.startedAt);

  app.post(`${root}.json`, async (req, reply) => {
    const created = createSubaccount(state, req.accountSid, formString((req.body as Form | undefined)?.FriendlyName));
    return reply.code(201).send(serialize(created));
  });

  app.get(`${root}.json`, async (req) => {
    const q = req.query as Query;
    const caller = state.accounts.get(req.accountSid)!;
    const listed = [caller, ...subaccountsOf(state, caller.sid)]
      .filter((a) => !q.FriendlyName || (a.friendlyName ?? defaultTopLevelName) === q.FriendlyName)
      .filter((a) => !q.Status || (a.status ?? 'active') === q.Status);
    return page2010('accounts', listed.map(serialize), `${root}.json`, q);
  });

  /** The account of `/Accounts/{Sid}.json`: the pipeline already refused what the caller can't see. */
  const pathAccount = (req: FastifyRequest): Account => {
    const { Sid } = req.params as { Sid: string };
    const account = state.accounts.get(req.accountSid);
    if (!account || Sid !== `${account.sid}.json`) throw new TwilioError(404, 20404, `The requested resource ${root}/${Sid} was not found`);
    return account;
  };

  app.get(`${root}/:Sid`, async (req) => serialize(pathAccount(req)));
  app.post(`${root}/:Sid`, async (req) => {
    const account = pathAccount(req);
    updateAccount(state, account, req.credentialAccountSid, (req.body ?? {}) as Form);
    return serialize(account);
  });
};

/** Only a top-level account creates subaccounts (21101), at most `state.subaccountLimit` of them (21480). */
function createSubaccount(state: SandboxState, parentSid: string, friendlyName: string | undefined): Account {
  const parent = state.accounts.get(parentSid)!;
  if (parent.ownerAccountSid) throw new TwilioError(400, 21101, 'Subaccounts cannot create subaccounts: nesting is not allowed');
  // Closed subaccounts count too: Twilio keeps them (30 days) until it deletes them.
  if (subaccountsOf(state, parentSid).length >= state.subaccountLimit) {
    throw new TwilioError(400, 21480, `Reached the maximum number of subaccounts (${state.subaccountLimit})`);
  }
  const now = new Date();
  const account: Account = {
    sid: newSid('AC'),
    authToken: randomBytes(16).toString('hex'),
    ownerAccountSid: parentSid,
    friendlyName: (friendlyName || defaultSubaccountName(now)).slice(0, 64),
    status: 'active',
    dateCreated: now,
    dateUpdated: now,
  };
  state.accounts.set(account.sid, account);
  return account;
}

/**
 * `FriendlyName` and `Status`. Only the parent changes a subaccount's status (20403 otherwise, a top-level
 * account's own status included); closing retires every number the subaccount owns (released for good, never
 * offered again) and is final: any later change is 21479.
 */
function updateAccount(state: SandboxState, account: Account, callerSid: string, form: Form) {
  const status = formString(form.Status) as Status | undefined;
  const friendlyName = formString(form.FriendlyName);
  if (status === undefined && friendlyName === undefined) return;
  if (account.status === 'closed') throw new TwilioError(400, 21479, 'A closed account cannot be changed: closing is irreversible');
  if (status !== undefined && account.ownerAccountSid !== callerSid) {
    throw new TwilioError(403, 20403, "Only the parent account can change a subaccount's status");
  }
  if (status === 'closed') state.retireNumbersOf(account.sid);
  if (status !== undefined) account.status = status;
  if (friendlyName !== undefined) account.friendlyName = friendlyName.slice(0, 64);
  account.dateUpdated = new Date();
}
