import { CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import { db, twilio } from '../kit/activities';
import { refusalOf } from '../kit/activity-refusal';
import { TRANSFER_RESTORES_REFUSED } from '../kit/patches';

export interface NumbersTransferInput {
  transferId: string;
  /** The losing tenant: its account holds what each number is detached from. */
  fromTenantId: string;
  numbers: { phoneNumber: string; twilioSid: string }[];
}

/**
 * Moves numbers from one tenant's Twilio account to another's (issue #24 §4), one number at a time: detach it
 * from what does not move with it (its trunk, its Messaging Services, its trust products), move it at Twilio,
 * hand its row over. A number Twilio refuses (21613: the gaining account needs an Address) is recorded as failed
 * with Twilio's code, put back in what it was detached from, and the transfer goes on to the next; whatever stops
 * the workflow, its row ends with the reason.
 */
export async function numbersTransfer({ transferId, fromTenantId, numbers }: NumbersTransferInput): Promise<void> {
  let stoppedBecause: string | undefined;
  try {
    for (const n of numbers) {
      let moved = false;
      try {
        await twilio.detachNumberForTransfer({ transferId, tenantId: fromTenantId, ...n });
        moved = (await twilio.moveNumberToTenant({ transferId, ...n })).moved;
      } catch (err) {
        const refusal = refusalOf(err);
        if (!refusal) throw err;
        await db.failTransferItem({ transferId, ...n, code: refusal.code, message: `${refusal.activity}: ${refusal.message}` });
      }
      // A number that stays where it was is put back in what it was detached from (asked for only then). Should that
      // give up, the item keeps its losses and the transfer goes on.
      if (!moved && patched(TRANSFER_RESTORES_REFUSED)) {
        await twilio.restoreUnmovedTransferNumber({ transferId, tenantId: fromTenantId, ...n }).catch((err) => {
          if (!refusalOf(err)) throw err;
        });
      }
    }
  } catch (err) {
    stoppedBecause = isCancellation(err) ? 'cancelled through Temporal before every number was reached' : `stopped: ${(err as Error).message}`;
    throw err;
  } finally {
    await CancellationScope.nonCancellable(() => db.finishNumberTransfer({ transferId, stoppedBecause }));
  }
}
