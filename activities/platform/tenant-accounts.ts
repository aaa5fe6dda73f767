import type { Db } from '../../db/kit/pool';
import { markTenantClosed, setSubaccountBindingStatus, setTenantSuspended, subaccountBindingOf } from '../../db/platform/operators';
import { SecretBox } from '../../db/platform/secrets';
import { bindAccount } from '../../db/platform/twilio-bindings';
import { asParent, recordParentWrite } from '../kit/audit';
import type { TwilioClient } from '../kit/twilio-client';
import { failOnDefinitive, twilioErrorOf } from '../kit/twilio-errors';
import { RowMissing } from '../kit/row-missing';

/** What the tenant-account workflow names: the tenant only, never a credential (the token stays in PostgreSQL). */
export interface TenantAccountInput {
  tenantId: string;
}

export interface TenantAccountStatusInput extends TenantAccountInput {
  status: 'active' | 'suspended';
}

/** Twilio's answer to a change of an account that is closed already: for a close, that is done. */
const TWILIO_ACCOUNT_CLOSED = 21479;

/**
 * The subaccount's FriendlyName: the tenant's id (what a retry finds it by, unique) and its name (what a person
 * reading Twilio's console recognises). Twilio keeps 64 characters.
 */
export const subaccountFriendlyName = (tenantId: string, name: string) => `twilio-pro ${tenantId} ${name}`.slice(0, 64);

interface AccountLike {
  sid: string;
  authToken: string;
  ownerAccountSid: string;
  status: string;
}

/**
 * The tenants' Twilio subaccounts (issue #24 §4), made and suspended with the deployment's own credentials: only
 * the parent account may make a subaccount or change its status. The calls run outside the activity's tenant
 * scope for that reason — inside it, a bound tenant's requests would be signed as the subaccount itself (and none
 * is sent while it is suspended) — so their audit records are written here, in the tenant's trail.
 */
export function createTenantAccountActivities({ db, twilio, secrets }: { db: Db; twilio: TwilioClient; secrets: SecretBox }) {
  const box = SecretBox.of(secrets.ring, 'twilio-credential');
  const audit = (tenantId: string, action: string, sid: string, httpStatus: number, method: string, path: string, params: Record<string, unknown>) =>
    recordParentWrite(db, { tenantId, action, resourceSid: sid, httpStatus, method, path, params });

  /** Our subaccount for this FriendlyName, if an earlier attempt made it (its answer lost, or a crash before we stored it). */
  async function findMade(friendlyName: string): Promise<AccountLike | null> {
    const listed = (await asParent(() => twilio.api.v2010.accounts.list({ friendlyName, limit: 20 }))) as AccountLike[];
    return listed.find((a) => a.ownerAccountSid === twilio.accountSid && a.sid !== twilio.accountSid && a.status !== 'closed') ?? null;
  }

  return {
    /**
     * Makes the tenant's subaccount, once: the binding row (status `creating`) was written first; a retry finds
     * a subaccount made before by its FriendlyName. Its auth token, as Twilio gave it, is sealed in the binding
     * and the binding becomes active. Returns the account SID (never the token).
     */
    async createTenantSubaccount({ tenantId }: TenantAccountInput): Promise<{ accountSid: string }> {
      const binding = await subaccountBindingOf(db, tenantId);
      if (!binding) throw new RowMissing(`tenant ${tenantId} has no subaccount binding`);
      if (binding.accountSid && binding.status !== 'creating') return { accountSid: binding.accountSid };
      const friendlyName = subaccountFriendlyName(tenantId, binding.name);
      let account = await findMade(friendlyName);
      if (!account) {
        account = (await asParent(() => twilio.api.v2010.accounts.create({ friendlyName })).catch(failOnDefinitive)) as AccountLike;
        await audit(tenantId, 'POST Accounts', account.sid, 201, 'POST', '/2010-04-01/Accounts.json', { FriendlyName: friendlyName });
      }
      await bindAccount(db, box, tenantId, { kind: 'subaccount', accountSid: account.sid, credential: { kind: 'auth_token', authToken: account.authToken } });
      return { accountSid: account.sid };
    },

    /**
     * Sets the tenant's subaccount's Status at Twilio (suspended: Twilio refuses its requests; active again), then
     * the binding's (its work waits while suspended) and the tenant's keys' (read-only while suspended). Twilio's
     * status is read first, so a repeat changes nothing.
     */
    async setTenantSubaccountStatus({ tenantId, status }: TenantAccountStatusInput): Promise<{ accountSid: string | null; status: string }> {
      const binding = await subaccountBindingOf(db, tenantId);
      if (!binding?.accountSid) return { accountSid: null, status: binding?.status ?? 'active' };
      const sid = binding.accountSid;
      const now = (await asParent(() => twilio.api.v2010.accounts(sid).fetch()).catch(failOnDefinitive)) as AccountLike;
      if (now.status !== status) {
        await asParent(() => twilio.api.v2010.accounts(sid).update({ status })).catch(failOnDefinitive);
        await audit(tenantId, 'POST Accounts', sid, 200, 'POST', `/2010-04-01/Accounts/${sid}.json`, { Status: status });
      }
      await setSubaccountBindingStatus(db, tenantId, status);
      // The tenant's keys follow, so a change the API stopped waiting for (202) still completes without it.
      await setTenantSuspended(db, tenantId, status === 'suspended');
      return { accountSid: sid, status };
    },

    /**
     * Closes the tenant's subaccount at Twilio (irreversible: Twilio releases its numbers), then marks the
     * tenant's rows: its numbers released, the binding `closed`. Twilio's status is read first, and a close
     * answered 21479 (closed already: an earlier attempt's answer lost) is done, so a retry changes nothing.
     */
    async closeTenantSubaccount({ tenantId }: TenantAccountInput): Promise<{ accountSid: string | null; releasedNumbers: number }> {
      const binding = await subaccountBindingOf(db, tenantId);
      if (!binding) throw new RowMissing(`tenant ${tenantId} has no subaccount binding`);
      const sid = binding.accountSid;
      if (sid && binding.status !== 'closed') {
        const now = (await asParent(() => twilio.api.v2010.accounts(sid).fetch()).catch(failOnDefinitive)) as AccountLike;
        if (now.status !== 'closed') {
          await asParent(() => twilio.api.v2010.accounts(sid).update({ status: 'closed' })).catch((err: unknown) => {
            if (twilioErrorOf(err)?.code !== TWILIO_ACCOUNT_CLOSED) failOnDefinitive(err);
          });
          await audit(tenantId, 'POST Accounts', sid, 200, 'POST', `/2010-04-01/Accounts/${sid}.json`, { Status: 'closed' });
        }
      }
      return { accountSid: sid, releasedNumbers: await markTenantClosed(db, tenantId) };
    },
  };
}
