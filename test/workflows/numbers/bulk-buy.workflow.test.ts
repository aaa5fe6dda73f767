import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, ChildWorkflowFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Activities } from '../../../activities/index';
import type { JobOutcome, JobStatus } from '../../../schemas/kit/jobs';
import type { TwilioErrorInfo } from '../../../schemas/kit/common';
import type { PurchaseInput, PurchaseOutcome } from '../../../schemas/numbers/workflow';
import { bulkBuyNumbers, bulkReleaseNumbers } from '../../../workflows/index';
import { stack } from '../../helpers/stack';
import { recordHistory } from '../../helpers/record-history';
import { timeSkippingEnvironment } from '../../helpers/time-skipping';

/**
 * The bulk-buy workflow on the real Temporal server with stub activities, to drive outcomes the
 * sandbox can't easily produce on demand: candidates lost at a high rate, exhaustion, account-level rejection.
 */
let connection: NativeConnection;
let clientConnection: Connection;
let client: Client;
let bundle: string;

beforeAll(async () => {
  connection = await NativeConnection.connect({ address: stack.temporalAddress });
  clientConnection = await Connection.connect({ address: stack.temporalAddress });
  client = new Client({ connection: clientConnection });
  bundle = await readFile(stack.bundlePath, 'utf8');
});
afterAll(async () => {
  await clientConnection.close();
  await connection.close();
});

function fakeTwilio(opts: { inventory: number; outcome: (n: string, i: number) => PurchaseOutcome['status'] }) {
  const available = new Set(Array.from({ length: opts.inventory }, (_, i) => `+1555${String(i).padStart(7, '0')}`));
  const bought = new Map<string, number>();
  const purchaseKeys = new Set<string>();
  let calls = 0;
  const triedByJob = new Set<string>();
  let finished: { status: string; outcome: JobOutcome } | undefined;
  /** One purchase through the fake, counted the way the real group activities count. */
  const buyInto = async (t: Tally, input: { tenantId: string; jobId: string; config: PurchaseInput['config'] }, phoneNumber: string) => {
    t.attempted += 1;
    const o = await activities.purchaseNumber!({ tenantId: input.tenantId, jobId: input.jobId, purchaseKey: `job-${input.jobId}:${phoneNumber}`, phoneNumber, config: input.config });
    if (o.status === 'purchased') {
      t.purchased += 1;
      t.rejectedInARow = 0;
    } else if (o.status === 'rejected') {
      t.rejectedInARow += 1;
      t.lastError = o.error;
    }
  };
  const activities: Partial<Activities> = {
    async searchAvailableNumbers(q) {
      return [...available].slice(0, q.limit).map((phoneNumber) => ({
        phoneNumber, friendlyName: phoneNumber, locality: null, region: null, postalCode: null, isoCountry: 'US',
        capabilities: { voice: true, sms: true, mms: true },
      }));
    },
    async purchaseNumber(input: PurchaseInput): Promise<PurchaseOutcome> {
      expect(purchaseKeys.has(input.purchaseKey)).toBe(false);
      purchaseKeys.add(input.purchaseKey);
      const status = opts.outcome(input.phoneNumber, calls++);
      const error = { code: status === 'unavailable' ? 21422 : 20003, status: 400, message: status, moreInfo: null };
      if (status !== 'purchased') {
        if (status === 'unavailable') available.delete(input.phoneNumber); // someone else took it
        return { status, error } as PurchaseOutcome;
      }
      available.delete(input.phoneNumber);
      bought.set(input.phoneNumber, (bought.get(input.phoneNumber) ?? 0) + 1);
      return { status: 'purchased', number: {} as never };
    },
    async markJobRunning() {},
    async finishJob(input) {
      finished = input;
    },
    // The streamed batch, as the real one does it (one purchase at a time here): the job's numbers are
    // never tried twice, purchases stop at `want`, on rejections in a row, or when the search finds nothing new.
    async purchaseNumbersFromSearch(input) {
      const t = newTally();
      while (t.purchased < input.want) {
        if (t.rejectedInARow >= input.maxRejectionsInARow) return { ...t, stopReason: 'rejected' };
        const found = await activities.searchAvailableNumbers!({ type: 'local', areaCode: input.areaCode, limit: 1000 });
        const phoneNumber = found.map((n) => n.phoneNumber).find((n) => !triedByJob.has(n));
        if (!phoneNumber) return { ...t, stopReason: 'inventory_exhausted' };
        triedByJob.add(phoneNumber);
        await buyInto(t, input, phoneNumber);
      }
      return { ...t, stopReason: 'completed' };
    },
  };
  return { activities, bought, finished: () => finished };
}

type Tally = { purchased: number; attempted: number; rejectedInARow: number; lastError?: TwilioErrorInfo };
const newTally = (): Tally => ({ purchased: 0, attempted: 0, rejectedInARow: 0 });

async function run(fake: ReturnType<typeof fakeTwilio>, request: Record<string, unknown>) {
  const taskQueue = `wf-test-${randomUUID()}`;
  const worker = await Worker.create({ connection, taskQueue, workflowBundle: { code: bundle }, activities: fake.activities });
  const handle = await client.workflow.start(bulkBuyNumbers, {
    taskQueue,
    workflowId: `wf-test-${randomUUID()}`,
    args: [{ tenantId: 't', jobId: randomUUID(), request: { fallbackAreaCodes: [], config: {}, concurrency: 8, ...request } as never }],
  });
  const outcome = await worker.runUntil(handle.result());
  await recordHistory(`bulk-buy-streamed-${String(request.areaCode)}-${String(request.quantity)}`, handle);
  return outcome;
}

describe('bulkBuyNumbers workflow', () => {
  it('ends at exactly the quantity across batches when a third of candidates are taken', async () => {
    const fake = fakeTwilio({ inventory: 2000, outcome: (_, i) => (i % 3 === 1 ? 'unavailable' : 'purchased') });
    const outcome = await run(fake, { areaCode: '555', quantity: 250 });
    expect([...fake.bought.values()].reduce((a, b) => a + b, 0)).toBe(250);
    expect([...fake.bought.values()].every((n) => n === 1)).toBe(true);
    expect(outcome.stopReason).toBe('completed');
    expect(fake.finished()?.status).toBe('succeeded');
  });

  it('stops with inventory_exhausted when there is nothing left to try', async () => {
    const fake = fakeTwilio({ inventory: 30, outcome: () => 'purchased' });
    const outcome = await run(fake, { areaCode: '555', quantity: 50 });
    expect(fake.bought.size).toBe(30);
    expect(outcome).toMatchObject({ stopReason: 'inventory_exhausted', exhaustedAreaCodes: ['555'] });
    expect(fake.finished()?.status).toBe('partial');
  });

  it('stops on repeated account-level rejections instead of burning through inventory', async () => {
    const fake = fakeTwilio({ inventory: 500, outcome: () => 'rejected' });
    const outcome = await run(fake, { areaCode: '555', quantity: 100, concurrency: 1 });
    expect(outcome.stopReason).toBe('rejected');
    expect(outcome.lastError?.code).toBe(20003);
    expect(fake.finished()?.status).toBe('failed');
  });
});

/**
 * A bulk job whose batch breaks (a definitive activity failure, a batch terminated by an operator) or that is
 * cancelled through Temporal still ends its row: final status, the reason, and what its items say it did.
 * Time-skipping server; the batch's one group activity is faked.
 */
describe('bulk jobs that fail or are cancelled through Temporal', () => {
  const ts = timeSkippingEnvironment();
  type Ending = 'activity_fails' | 'batch_terminated' | 'job_cancelled';

  /** The batch activity records `done` items, then breaks or hangs (heartbeating, so a cancel reaches it). */
  function fakeJob(ending: Ending, done: number) {
    const items: JobStatus[] = [];
    let finished: { status: JobStatus; outcome: JobOutcome } | undefined;
    let reportStarted!: () => void;
    const started = new Promise<void>((resolve) => (reportStarted = resolve));
    const batch = async () => {
      for (let i = 0; i < done; i++) items.push('succeeded');
      reportStarted();
      if (ending === 'activity_fails') throw ApplicationFailure.nonRetryable('Twilio answered 20003: authenticate', 'TwilioAuth');
      for (;;) {
        Context.current().heartbeat();
        await Context.current().sleep(200); // rejects once the cancel (or the batch's end) reaches the activity
      }
    };
    const activities: Partial<Activities> = {
      async markJobRunning() {},
      async finishJob(input) {
        finished = input;
      },
      async countJobItems() {
        const n = (s: JobStatus) => items.filter((x) => x === s).length;
        return { succeeded: n('succeeded'), failed: 0, skipped: 0, attempted: items.length };
      },
      purchaseNumbersFromSearch: batch as never,
      releaseNumbers: batch as never,
    };
    return { activities, started, finished: () => finished };
  }

  /**
   * The time-skipping server never tells a parent that its child was terminated (temporalio/sdk-java#2921):
   * that case runs on the stack's real server, like the tests above.
   */
  const serverFor = (ending: Ending) =>
    ending === 'batch_terminated' ? { client, connection, code: bundle } : { client: ts.env.client, connection: ts.env.nativeConnection, code: ts.bundle };

  async function runToEnd(kind: 'buy' | 'release', ending: Ending, done: number) {
    const fake = fakeJob(ending, done);
    const server = serverFor(ending);
    const taskQueue = `wf-fail-${randomUUID()}`;
    const worker = await Worker.create({ connection: server.connection, taskQueue, workflowBundle: { code: server.code }, activities: fake.activities });
    const workflowId = `wf-fail-${randomUUID()}`;
    const job = { tenantId: 't', jobId: randomUUID() };
    const handle = kind === 'buy'
      ? await server.client.workflow.start(bulkBuyNumbers, { taskQueue, workflowId, args: [{ ...job, request: { areaCode: '555', quantity: 10, fallbackAreaCodes: [], config: {} } as never }] })
      : await server.client.workflow.start(bulkReleaseNumbers, { taskQueue, workflowId, args: [{ ...job, phoneNumbers: Array.from({ length: 10 }, (_, i) => `+1555000000${i}`) }] });
    const error = await worker.runUntil(async () => {
      await fake.started;
      if (ending === 'batch_terminated') await server.client.workflow.getHandle(`${workflowId}/batch-0`).terminate('stuck batch');
      if (ending === 'job_cancelled') await handle.cancel();
      return handle.result().then(() => null, (err: unknown) => err);
    });
    await recordHistory(`bulk-${kind}-${ending.replaceAll('_', '-')}`, handle);
    return { error, finished: fake.finished() };
  }

  const noun = { buy: 'bought', release: 'released' } as const;

  for (const kind of ['buy', 'release'] as const) {
    it(`${kind}: a batch activity that fails for good ends the job partial, with the reason and the count`, async () => {
      const { error, finished } = await runToEnd(kind, 'activity_fails', 3);
      expect((error as WorkflowFailedError).cause).toBeInstanceOf(ChildWorkflowFailure); // Temporal shows it failed
      expect(finished?.status).toBe('partial');
      expect(finished?.outcome.stopReason).toBe('failed');
      expect(finished?.outcome.message).toContain('Twilio answered 20003: authenticate');
      expect(finished?.outcome.message).toContain(`${noun[kind]} 3 of 10 numbers`);
    });

    it(`${kind}: a batch terminated in Temporal ends the job failed when nothing was done`, async () => {
      const { error, finished } = await runToEnd(kind, 'batch_terminated', 0);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect(finished).toMatchObject({ status: 'failed', outcome: { stopReason: 'failed' } });
      // Temporal tells the parent that its child was terminated, not the operator's reason.
      expect(finished?.outcome.message).toMatch(/batch-0 failed: terminated; /);
      expect(finished?.outcome.message).toContain(`${noun[kind]} 0 of 10 numbers`);
    });

    it(`${kind}: a job cancelled through Temporal ends cancelled, counting what it did`, async () => {
      const { error, finished } = await runToEnd(kind, 'job_cancelled', 4);
      expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect(finished).toMatchObject({ status: 'cancelled', outcome: { stopReason: 'cancelled' } });
      expect(finished?.outcome.message).toContain(`cancelled through Temporal; ${noun[kind]} 4 of 10 numbers`);
    });
  }
});
