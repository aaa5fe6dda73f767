import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../../db/kit/pool';
import { recordRegistrationEvent } from '../../db/kit/registration-events';
import {
  finishNumberTransfer,
  handOverNumber,
  markTransferItemDetached,
  markTransferItemFailed,
  plainLoss,
  setTransferItemLosses,
  transferItemOf,
} from '../../db/platform/number-transfers';
import { bindingOf } from '../../db/platform/twilio-bindings';
import type { TransferLoss } from '../../schemas/platform/number-transfer';
import { asParent, recordParentWrite } from '../kit/audit';
import type { MembershipKind, MembershipRegistry } from '../kit/memberships';
import type { TwilioClient } from '../kit/twilio-client';
import { definitiveTwilioAnswerOf, failOnDefinitive, isDefinitiveTwilioError, isTwilioNotFound, twilioErrorOf } from '../kit/twilio-errors';
import { RowMissing } from '../kit/row-missing';

/** One number of a transfer; the tenants and accounts are read from the transfer's row, never taken from here. */
export interface TransferNumberInput {
  transferId: string;
  phoneNumber: string;
  twilioSid: string;
}

/** The detach runs as the losing tenant (its account holds the trunk, the services, the trust products). */
export interface DetachForTransferInput extends TransferNumberInput {
  tenantId: string;
}

/**
 * Moving numbers between tenants' accounts (issue #24 §4). Twilio moves a number inside one hierarchy with the
 * parent's credentials (`AccountSid` on the IncomingPhoneNumber), and nothing else goes with it: its trunk, its
 * Messaging Services (so its A2P campaign), its trust products, its toll-free verification. So each number is
 * first detached — through the number memberships registry, exactly as a release detaches it — then moved, then
 * handed over in PostgreSQL.
 */
export function createNumberTransferActivities({ db, twilio, memberships }: { db: Db; twilio: TwilioClient; memberships: MembershipRegistry }) {

  /** The Twilio account a tenant's numbers live in: the deployment's for a shared tenant, its subaccount's otherwise. */
  async function accountOf(tenantId: string): Promise<string> {
    const binding = await bindingOf(db, tenantId);
    if (binding.kind === 'shared') return twilio.accountSid;
    if (binding.kind === 'byo' || !binding.accountSid) {
      throw ApplicationFailure.create({ type: 'TransferRefused', nonRetryable: true, message: `tenant ${tenantId}'s numbers are not in the deployment's hierarchy (${binding.kind}, ${binding.status})` });
    }
    return binding.accountSid;
  }

  const audit = (tenantId: string, action: string, sid: string, params: Record<string, unknown>, path: string) =>
    recordParentWrite(db, { tenantId, action, resourceSid: sid, httpStatus: 200, method: 'POST', path, params });

  async function itemOf(transferId: string, twilioSid: string) {
    const item = await transferItemOf(db, transferId, twilioSid);
    if (!item) throw new RowMissing(`transfer ${transferId} has no number ${twilioSid}`);
    return item;
  }

  return {
    /**
     * Takes the number out of everything that doesn't move with it, product by product (each product's timeline
     * says why), and notes it on an approved toll-free verification's. What was detached is recorded on the item.
     * A repeat finds nothing left to detach.
     */
    async detachNumberForTransfer({ transferId, phoneNumber, twilioSid }: DetachForTransferInput): Promise<{ detached: number }> {
      const item = await itemOf(transferId, twilioSid);
      if (item.status !== 'pending') return { detached: 0 };
      const n = { tenantId: item.from_tenant_id, phoneNumber, twilioSid };
      const found = await memberships.membershipsOf(n);
      for (const m of found) await memberships.provider(m.kind).leave(m, { kind: 'transfer', transferId });
      await recordTollfreeNote(
        item.from_tenant_id,
        twilioSid,
        `${phoneNumber} moved to another tenant (transfer ${transferId}): Twilio’s approval stays with this account, the number must be verified again by its new tenant`,
      );
      const losses: TransferLoss[] = [...item.losses];
      for (const m of found) if (!losses.some((l) => l.kind === m.kind && l.sid === m.containerSid)) losses.push(plainLoss(m.kind, m.containerSid));
      await markTransferItemDetached(db, transferId, twilioSid, losses);
      return { detached: found.length };
    },

    /**
     * Moves the number to the gaining tenant's account with the deployment's credentials, then hands its row over.
     * Twilio is read first (the number already in the gaining account: an earlier attempt's answer was lost), so a
     * retry moves nothing twice. Twilio's refusal (21613: the gaining account needs an Address…) fails the number,
     * not the transfer: it is recorded on the item with its code, and the number stays with the losing tenant.
     */
    async moveNumberToTenant({ transferId, twilioSid }: TransferNumberInput): Promise<{ moved: boolean }> {
      const item = await itemOf(transferId, twilioSid);
      if (item.status === 'moved') return { moved: true };
      if (item.status === 'failed') return { moved: false };
      const [losing, gaining] = await Promise.all([accountOf(item.from_tenant_id), accountOf(item.to_tenant_id)]);
      if (losing !== gaining && !(await inAccount(gaining, twilioSid))) {
        const path = `/2010-04-01/Accounts/${losing}/IncomingPhoneNumbers/${twilioSid}.json`;
        try {
          await asParent(() => twilio.api.v2010.accounts(losing).incomingPhoneNumbers(twilioSid).update({ accountSid: gaining }));
        } catch (err) {
          if (!isDefinitiveTwilioError(err)) throw err;
          const { code, message } = twilioErrorOf(err)!;
          await markTransferItemFailed(db, transferId, twilioSid, { code, message });
          return { moved: false };
        }
        await audit(item.from_tenant_id, 'POST IncomingPhoneNumbers', twilioSid, { AccountSid: gaining, transferId }, path);
        await audit(item.to_tenant_id, 'POST IncomingPhoneNumbers', twilioSid, { AccountSid: gaining, transferId }, path);
      }
      await handOverNumber(db, transferId, twilioSid);
      return { moved: true };
    },

    /**
     * A number that did not move (Twilio refused it, or its detach was refused half-way) stays the losing tenant's:
     * it is put back in each container it was detached from (or was planned to leave), each provider reading Twilio
     * before it writes, so a repeat changes nothing. What could not be rejoined (the container refused it) stays in
     * the item's losses, with the refusal in words; an empty list says the number is as it was.
     */
    async restoreUnmovedTransferNumber({ transferId, tenantId, phoneNumber, twilioSid }: DetachForTransferInput): Promise<{ restored: number; notRestored: number }> {
      const item = await itemOf(transferId, twilioSid);
      if (item.status !== 'failed' || item.from_tenant_id !== tenantId) return { restored: 0, notRestored: 0 };
      const n = { tenantId, phoneNumber, twilioSid };
      const kept: TransferLoss[] = [];
      let restored = 0;
      for (const loss of item.losses) {
        // A toll-free verification's approval never left the number: only what a membership provider holds is rejoined.
        const provider = memberships.providers.find((p) => p.kind === (loss.kind as MembershipKind));
        if (!provider) continue;
        try {
          await provider.join(n, loss.sid);
          restored++;
        } catch (err) {
          const refused = definitiveTwilioAnswerOf(err);
          if (!refused) throw err;
          kept.push({ ...loss, what: `${loss.what} — not restored after the refused move: Twilio ${refused.code}: ${refused.message}` });
        }
      }
      await recordTollfreeNote(item.from_tenant_id, twilioSid, `${phoneNumber} did not move (transfer ${transferId}): it stays with this tenant and its approval still applies`);
      await setTransferItemLosses(db, transferId, twilioSid, kept);
      return { restored, notRestored: kept.length };
    },

    /** A number the workflow gave up on (an activity failed for good): the item says why. */
    async failTransferItem({ transferId, twilioSid, code, message }: TransferNumberInput & { code: number | null; message: string }): Promise<void> {
      await markTransferItemFailed(db, transferId, twilioSid, { code, message });
    },

    /** Ends the transfer's row from its items (stoppedBecause: it was stopped before reaching every number). */
    async finishNumberTransfer({ transferId, stoppedBecause }: { transferId: string; stoppedBecause?: string }): Promise<void> {
      await finishNumberTransfer(db, transferId, stoppedBecause);
    },
  };

  /** A line on each approved toll-free verification of the number (its timeline says what the transfer did to it). */
  async function recordTollfreeNote(tenantId: string, twilioSid: string, message: string): Promise<void> {
    const { rows } = await db.query<{ id: string }>(
      `SELECT id FROM tollfree_verifications WHERE tenant_id = $1 AND number_sid = $2 AND status = 'completed'`,
      [tenantId, twilioSid],
    );
    for (const v of rows) await recordRegistrationEvent(db, { product: 'tollfree', registrationId: v.id, type: 'number', message });
  }

  /** Whether the account (read with the deployment's credentials) has the number. */
  async function inAccount(accountSid: string, twilioSid: string): Promise<boolean> {
    return asParent(() => twilio.api.v2010.accounts(accountSid).incomingPhoneNumbers(twilioSid).fetch()).then(
      () => true,
      (err) => (isTwilioNotFound(err) ? false : failOnDefinitive(err)),
    );
  }
}
