import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { wrapActivities } from '../../../activities/kit/activity-wrappers';
import { reportingProgress } from '../../../activities/kit/progress';
import { createTwilioClient } from '../../../activities/kit/twilio-client';
import { PgTwilioLimiter } from '../../../activities/kit/twilio-limiter';
import { temporalConnectionOptions } from '../../../config/temporal-connection';
import { createPool, type Db } from '../../../db/kit/pool';
import type { ProbeInput, probeEveryProxy } from '../../fixtures/activity-probe-workflows';
import { sandboxControl, stack, testConfig } from '../../helpers/stack';

/**
 * The keepalive heartbeat on the stack's real Temporal (real time: heartbeat timeouts are the server's): a hung
 * activity stops heartbeating and is retried after the heartbeat timeout, while one that makes progress — finished
 * queries, Twilio answers, a wait for the account's Twilio slot or for a slow answer — keeps its attempt for longer
 * than that timeout. The activities go through the `twilio` proxy: 5 s heartbeat timeout, 15 s start-to-close.
 */

const HEARTBEAT_TIMEOUT_MS = 5_000;
/** Longer than the heartbeat timeout, shorter than the proxy's start-to-close. */
const BUSY_MS = 8_000;

const config = testConfig();
let nativeConnection: NativeConnection;
let connection: Connection;
let client: Client;
let bundle: string;
let db: Db;

beforeAll(async () => {
  const workflowsPath = fileURLToPath(new URL('../../fixtures/activity-probe-workflows.ts', import.meta.url));
  ({ code: bundle } = await bundleWorkflowCode({ workflowsPath, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } }));
  nativeConnection = await NativeConnection.connect(temporalConnectionOptions(config));
  connection = await Connection.connect(temporalConnectionOptions(config));
  client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  db = createPool(stack.databaseUrl, 4);
});

afterAll(async () => {
  await sandboxControl('DELETE', 'faults');
  await db?.end();
  await connection?.close();
  await nativeConnection?.close();
});

/** Runs `work` as the `probe` activity through the `twilio` proxy; returns its result and its ActivityTaskStarted event. */
async function runProbe(work: (attempt: number) => Promise<string>) {
  const taskQueue = `heartbeats-${randomUUID()}`;
  const activities = wrapActivities({ probe: async (_: ProbeInput) => work(Context.current().info.attempt) });
  const worker = await Worker.create({
    connection: nativeConnection, namespace: config.TEMPORAL_NAMESPACE, taskQueue, workflowBundle: { code: bundle }, activities,
    // A hung attempt ends only when cancelled at shutdown: don't wait long for it.
    shutdownGraceTime: '1s', shutdownForceTime: '5s',
  });
  const handle = await client.workflow.start<typeof probeEveryProxy>('probeEveryProxy', { taskQueue, workflowId: taskQueue, args: [{ only: ['twilio'] }] });
  const [outcome] = await worker.runUntil(handle.result());
  const events = (await handle.fetchHistory()).events ?? [];
  const started = events.find((e) => e.activityTaskStartedEventAttributes)?.activityTaskStartedEventAttributes;
  return { outcome, attempt: started?.attempt, lastFailure: started?.lastFailure };
}

/** A promise that never settles on its own (no calls, no progress): it ends only when the attempt is cancelled. */
const hang = () =>
  new Promise<never>((_, reject) => {
    const signal = Context.current().cancellationSignal;
    signal.addEventListener('abort', () => reject(signal.reason));
  });

it('a hung activity stops heartbeating and is retried after the heartbeat timeout, not its start-to-close', async () => {
  const r = await runProbe(async (attempt) => (attempt === 1 ? hang() : `answered on attempt ${attempt}`));
  expect(r.outcome).toMatchObject({ ok: true, value: 'answered on attempt 2' });
  expect(r.attempt).toBe(2);
  expect(r.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
});

it('an activity whose PostgreSQL queries keep finishing keeps its attempt past the heartbeat timeout', async () => {
  const reporting = reportingProgress(db);
  const r = await runProbe(async (attempt) => {
    let queries = 0;
    for (const t0 = Date.now(); Date.now() - t0 < BUSY_MS; queries++) await reporting.query('SELECT pg_sleep(0.25)');
    return `${queries} queries on attempt ${attempt}`;
  });
  expect(r.outcome).toMatchObject({ ok: true, value: expect.stringMatching(/ queries on attempt 1$/) });
  expect(r.attempt).toBe(1);
  expect(r.lastFailure).toBeFalsy();
});

it('so does one whose queries run on a checked-out client (a transaction)', async () => {
  const reporting = reportingProgress(db);
  const r = await runProbe(async (attempt) => {
    const c = await reporting.connect();
    try {
      await c.query('BEGIN');
      for (const t0 = Date.now(); Date.now() - t0 < BUSY_MS; ) await c.query('SELECT pg_sleep(0.25)');
      await c.query('COMMIT');
    } finally {
      c.release();
    }
    return `attempt ${attempt}`;
  });
  expect(r.outcome).toMatchObject({ ok: true, value: 'attempt 1' });
  expect(r.attempt).toBe(1);
});

it('so does one whose Twilio requests keep being answered, and one waiting for a slow answer', async () => {
  const twilio = createTwilioClient({ accountSid: stack.accountSid, authToken: stack.authToken, baseUrl: stack.sandboxUrl, timeoutMs: 10_000 });
  const readNumbers = () => twilio.api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ limit: 1 });
  await sandboxControl('POST', 'faults', { latencyMs: 250 });
  const steady = await runProbe(async (attempt) => {
    for (const t0 = Date.now(); Date.now() - t0 < BUSY_MS; ) await readNumbers();
    return `attempt ${attempt}`;
  });
  expect(steady).toMatchObject({ outcome: { ok: true, value: 'attempt 1' }, attempt: 1 });

  // One answer slower than the heartbeat timeout (within the SDK's own timeout, which bounds the wait).
  await sandboxControl('POST', 'faults', { latencyMs: HEARTBEAT_TIMEOUT_MS + 2_000 });
  const slow = await runProbe(async (attempt) => {
    await readNumbers();
    return `attempt ${attempt}`;
  });
  await sandboxControl('DELETE', 'faults');
  expect(slow).toMatchObject({ outcome: { ok: true, value: 'attempt 1' }, attempt: 1 });
});

it('so does one waiting in the Twilio limiter for a slot another request holds', async () => {
  // An account of its own with one slot, so nothing else competes for it.
  const limiter = await PgTwilioLimiter.start(db, stack.databaseUrl, { accountSid: `AC${randomBytes(16).toString('hex')}`, slots: 1 });
  try {
    const request = { method: 'GET', uri: `${stack.sandboxUrl}/2010-04-01/Accounts.json` };
    let holding!: () => void;
    const slotTaken = new Promise<void>((resolve) => (holding = resolve));
    const held = limiter.run(request, async () => {
      holding();
      await db.query(`SELECT pg_sleep(${BUSY_MS / 1000})`);
    });
    await slotTaken;
    const r = await runProbe(async (attempt) => limiter.run(request, async () => `sent on attempt ${attempt}`));
    await held;
    expect(r).toMatchObject({ outcome: { ok: true, value: 'sent on attempt 1' }, attempt: 1 });
  } finally {
    await limiter.close();
  }
});
