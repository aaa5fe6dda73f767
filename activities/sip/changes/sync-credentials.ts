import { ApplicationFailure } from '@temporalio/common';
import { readSecret, UnopenableSecretError } from '../../../db/platform/secrets';
import { failOnDefinitive, goneIsDone } from '../../kit/twilio-errors';
import { describeAs, describeUndoAs, type SipChangeModule, type SipReversal } from './change';

/**
 * A password no key of this worker's ring opens stays unopenable however often it is retried: the step
 * fails for good (the saga rolls back, the operation ends with the reason) instead of retrying forever.
 */
function unopenableIsRefusal(err: unknown, username: string): never {
  if (!(err instanceof UnopenableSecretError)) throw err;
  throw ApplicationFailure.nonRetryable(`the password for ${username} can't be opened: ${err.message}`, 'SecretUnopenable');
}

export const deleteAddedCredentials: SipReversal<'delete_credentials'> = {
  kind: 'delete_credentials',
  async run({ account }, u) {
    for (const sid of u.credentialSids) await account().sip.credentialLists(u.listSid).credentials(sid).remove().catch(goneIsDone);
  },
  describe: describeUndoAs<'delete_credentials'>(),
};

/** Makes a credential list hold exactly the desired usernames; passwords sent with this operation are set. */
export const syncCredentials: SipChangeModule<'sync_credentials', 'delete_credentials'> = {
  kind: 'sync_credentials',
  async apply(ctx, trunkId, { list }) {
    const listSid = await ctx.ownListSid(trunkId, 'credential_list', list.friendlyName);
    const creds = ctx.account().sip.credentialLists(listSid).credentials;
    const existing = await creds.list({ pageSize: 1000 });
    const created: { sid: string; username: string }[] = [];
    let updated = 0;
    for (const c of list.credentials) {
      const password = await readSecret(ctx.db, ctx.secrets, c.passwordRef).catch((err) => unopenableIsRefusal(err, c.username));
      const found = existing.find((e) => e.username === c.username);
      if (found) {
        // A password can't be read back; a fresh one is always set (idempotent), a wiped one left as it is.
        if (password) {
          await creds(found.sid).update({ password }).catch(failOnDefinitive);
          updated += 1;
        }
        continue;
      }
      if (!password) throw ApplicationFailure.nonRetryable(`the password for ${c.username} is no longer held; send the credential list again`, 'SecretGone');
      const made = await creds.create({ username: c.username, password }).catch(failOnDefinitive);
      created.push({ sid: made.sid, username: c.username });
    }
    const removed = existing.filter((e) => !list.credentials.some((c) => c.username === e.username));
    for (const e of removed) await creds(e.sid).remove().catch(goneIsDone);
    return {
      detail: `${created.length} added, ${updated} password${updated === 1 ? '' : 's'} set, ${removed.length} removed`,
      undo: created.length ? { kind: 'delete_credentials', listSid, credentialSids: created.map((c) => c.sid), usernames: created.map((c) => c.username) } : null,
    };
  },
  undo: deleteAddedCredentials,
  describe: describeAs<'sync_credentials'>(),
};
