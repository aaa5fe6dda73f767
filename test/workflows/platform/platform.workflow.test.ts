/**
 * The operator's workflows on Temporal's time-skipping server, with Twilio and PostgreSQL faked in activities:
 * a number transfer goes number by number (a refused number fails alone and is put back; one cancelled through Temporal still
 * ends the transfer's row, saying why), and the tenant-account workflows. Their histories are recorded for the
 * replay test (RECORD_HISTORIES=1).
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import { numbersTransfer, tenantAccountClose, tenantAccountCreate, tenantAccountStatus } from '../../../workflows/index';
import { recordHistory } from '../../helpers/record-history';
import { timeSkippingEnvironment } from '../../helpers/time-skipping';

const ts = timeSkippingEnvironment();

const twilioRefusal = (code: number, message: string) =>
  ApplicationFailure.create({ message, type: 'TwilioError', nonRetryable: true, details: [{ code, status: 400, message, moreInfo: null }] });

const numbers = ['+15415550101', '+15415550102', '+15415550103'].map((phoneNumber, i) => ({ phoneNumber, twilioSid: `PN${String(i).repeat(32)}` }));

/** What the transfer's activities did, in order, and how its row ended. */
function fakeTransfer(script: { refuseDetachOf?: string; refuseMoveOf?: string; blockMoveOf?: string } = {}) {
  const log: string[] = [];
  const failed: { twilioSid: string; code: number | null; message: string }[] = [];
  let finished: { stoppedBecause?: string } | null = null;
  const activities = {
    async detachNumberForTransfer({ twilioSid }: { twilioSid: string }) {
      if (twilioSid === script.refuseDetachOf) throw twilioRefusal(21220, 'Invalid call state');
      log.push(`detach ${twilioSid}`);
      return { detached: 1 };
    },
    async moveNumberToTenant({ twilioSid }: { twilioSid: string }) {
      // Twilio never answers: the workflow is cancelled while the activity waits (heartbeating, so the cancel reaches it).
      if (twilioSid === script.blockMoveOf) {
        const ctx = Context.current();
        for (;;) {
          ctx.heartbeat();
          await ctx.sleep(500);
        }
      }
      // Twilio's refusal is recorded by the activity itself, which answers that the number did not move.
      if (twilioSid === script.refuseMoveOf) return { moved: false };
      log.push(`move ${twilioSid}`);
      return { moved: true };
    },
    async restoreUnmovedTransferNumber({ twilioSid }: { twilioSid: string }) {
      log.push(`restore ${twilioSid}`);
      return { restored: 1, notRestored: 0 };
    },
    async failTransferItem(f: { twilioSid: string; code: number | null; message: string }) {
      failed.push({ twilioSid: f.twilioSid, code: f.code, message: f.message });
    },
    async finishNumberTransfer(f: { stoppedBecause?: string }) {
      finished = { stoppedBecause: f.stoppedBecause };
    },
  };
  return { activities, log, failed, finished: () => finished };
}

/** A transfer of the three numbers to its end, on a worker of its own with the fake's activities. */
async function runTransfer(script: Parameters<typeof fakeTransfer>[0]) {
  const taskQueue = `platform-${randomUUID()}`;
  const fake = fakeTransfer(script);
  const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: { code: ts.bundle }, activities: fake.activities });
  const handle = await ts.env.client.workflow.start(numbersTransfer, { taskQueue, workflowId: `transfer-${randomUUID()}`, args: [{ transferId: randomUUID(), fromTenantId: randomUUID(), numbers }] });
  await worker.runUntil(handle.result());
  return { fake, handle };
}

it('a transfer goes number by number, detached then moved; a number Twilio refuses fails alone, and the row ends', async () => {
  const { fake, handle } = await runTransfer({ refuseDetachOf: numbers[1]!.twilioSid });
  expect(fake.log).toEqual([
    `detach ${numbers[0]!.twilioSid}`,
    `move ${numbers[0]!.twilioSid}`,
    // What its refused detach had already undone is put back: the number stays, as it was.
    `restore ${numbers[1]!.twilioSid}`,
    `detach ${numbers[2]!.twilioSid}`,
    `move ${numbers[2]!.twilioSid}`,
  ]);
  expect(fake.failed).toEqual([{ twilioSid: numbers[1]!.twilioSid, code: 21220, message: 'detachNumberForTransfer: Invalid call state' }]);
  expect(fake.finished()).toEqual({ stoppedBecause: undefined });
  await recordHistory('numbers-transfer-one-refused', handle);
});

it('a number Twilio refuses to move (21613) is put back in what it was detached from, and the transfer goes on', async () => {
  const { fake, handle } = await runTransfer({ refuseMoveOf: numbers[0]!.twilioSid });
  expect(fake.log).toEqual([
    `detach ${numbers[0]!.twilioSid}`,
    `restore ${numbers[0]!.twilioSid}`,
    `detach ${numbers[1]!.twilioSid}`,
    `move ${numbers[1]!.twilioSid}`,
    `detach ${numbers[2]!.twilioSid}`,
    `move ${numbers[2]!.twilioSid}`,
  ]);
  expect(fake.failed).toEqual([]); // the move activity recorded Twilio's refusal on the item itself
  expect(fake.finished()).toEqual({ stoppedBecause: undefined });
  await recordHistory('numbers-transfer-refused-move-restored', handle);
});

it('a transfer cancelled through Temporal mid-way still ends its row, saying so', async () => {
  const taskQueue = `platform-${randomUUID()}`;
  const fake = fakeTransfer({ blockMoveOf: numbers[1]!.twilioSid });
  const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: { code: ts.bundle }, activities: fake.activities });
  const handle = await ts.env.client.workflow.start(numbersTransfer, { taskQueue, workflowId: `transfer-${randomUUID()}`, args: [{ transferId: randomUUID(), fromTenantId: randomUUID(), numbers }] });
  await worker.runUntil(async () => {
    // The second number's move has started (its detach is logged) before the cancel.
    while (!fake.log.includes(`detach ${numbers[1]!.twilioSid}`)) await ts.env.sleep(1000);
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  });
  expect(fake.log).not.toContain(`detach ${numbers[2]!.twilioSid}`);
  expect(fake.finished()).toEqual({ stoppedBecause: 'cancelled through Temporal before every number was reached' });
  await recordHistory('numbers-transfer-cancelled', handle);
});

it('the tenant-account workflows run their one activity and return its answer', async () => {
  const taskQueue = `platform-${randomUUID()}`;
  const tenantId = randomUUID();
  const calls: string[] = [];
  const activities = {
    async createTenantSubaccount() {
      calls.push('create');
      return { accountSid: `AC${'1'.repeat(32)}` };
    },
    async setTenantSubaccountStatus({ status }: { status: string }) {
      calls.push(status);
      return { accountSid: `AC${'1'.repeat(32)}`, status };
    },
    async closeTenantSubaccount() {
      calls.push('close');
      return { accountSid: `AC${'1'.repeat(32)}`, releasedNumbers: 2 };
    },
  };
  const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: { code: ts.bundle }, activities });
  await worker.runUntil(async () => {
    const start = <A extends unknown[]>(wf: (...a: A) => Promise<unknown>, name: string, args: A) => ts.env.client.workflow.start(wf, { taskQueue, workflowId: `${name}-${randomUUID()}`, args });
    const created = await start(tenantAccountCreate, 'account-create', [{ tenantId }]);
    expect(await created.result()).toEqual({ accountSid: `AC${'1'.repeat(32)}` });
    const suspended = await start(tenantAccountStatus, 'account-suspended', [{ tenantId, status: 'suspended' as const }]);
    expect(await suspended.result()).toMatchObject({ status: 'suspended' });
    const closed = await start(tenantAccountClose, 'account-close', [{ tenantId }]);
    expect(await closed.result()).toMatchObject({ releasedNumbers: 2 });
    await recordHistory('tenant-account-create', created);
    await recordHistory('tenant-account-suspended', suspended);
    await recordHistory('tenant-account-close', closed);
  });
  expect(calls).toEqual(['create', 'suspended', 'close']);
});
