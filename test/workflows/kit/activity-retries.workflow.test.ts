import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type LogEntry } from '@temporalio/worker';
import { beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { createActivities } from '../../../activities/index';
import { WARN_FROM_ATTEMPT, wrapActivities } from '../../../activities/kit/activity-wrappers';
import { RowMissing } from '../../../activities/kit/row-missing';
import { createTwilioClient, TwilioTransportError } from '../../../activities/kit/twilio-client';
import { createPool } from '../../../db/kit/pool';
import { SecretBox } from '../../../db/platform/secrets';
import { createWorkerMetrics } from '../../../worker/metrics';
import type { ProbeInput, ProbeOutcome, probeEveryProxy } from '../../fixtures/activity-probe-workflows';
import { stack, testConfig } from '../../helpers/stack';
import { timeSkippingEnvironment } from '../../helpers/time-skipping';

/**
 * Every activity proxy of workflows/kit/activities.ts, called through on Temporal's time-skipping test server with
 * the activity faked: what is retried, what is not, where retrying stops, and how retries are made visible.
 */

// The SDK's log lines (the activity's Context.log included), kept for the assertions; installed before any runtime use.
const logged: LogEntry[] = [];
Runtime.install({ logger: new DefaultLogger('WARN', (entry) => void logged.push(entry)) });

const ts = timeSkippingEnvironment();
let bundle: string;
beforeAll(async () => {
  const workflowsPath = fileURLToPath(new URL('../../fixtures/activity-probe-workflows.ts', import.meta.url));
  ({ code: bundle } = await bundleWorkflowCode({ workflowsPath, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } }));
});

/** Proxies every run must find (the probe calls through every exported one, those added later included). */
const KNOWN_PROXIES = ['a2p', 'db', 'groups', 'hygiene', 'rotation', 'sip', 'sipCompensation', 'tollfree', 'twilio', 'voiceTrust'];

/** Runs the `probe` activity through the proxies; `script` decides, by proxy and attempt, what each call does. */
async function probe(script: (proxy: string, attempt: number) => unknown, only?: string[]) {
  const calls = new Map<string, number>();
  const metrics = createWorkerMetrics();
  const activities = wrapActivities(
    {
      async probe({ proxy }: ProbeInput) {
        calls.set(proxy, (calls.get(proxy) ?? 0) + 1);
        return script(proxy, Context.current().info.attempt);
      },
    },
    { observeRetry: metrics.observeActivityRetry },
  );
  const taskQueue = `retries-${randomUUID()}`;
  const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: { code: bundle }, activities });
  const handle = await ts.env.client.workflow.start<typeof probeEveryProxy>('probeEveryProxy', { taskQueue, workflowId: taskQueue, args: [{ only }] });
  const outcomes = await worker.runUntil(handle.result());
  const retriesCounted = (await metrics.registry.getSingleMetric('twilio_pro_activity_retries_total')!.get()).values.reduce((n, v) => n + v.value, 0);
  return { outcomes: new Map(outcomes.map((o) => [o.proxy, o])), calls, retriesCounted };
}

const failed = (o: ProbeOutcome | undefined) => (o && !o.ok ? o : expect.fail(`expected a failure, got ${JSON.stringify(o)}`));

/** Throws on the first attempt only: a retry would answer, and the workflow would see a result, not the failure. */
const onFirstAttempt = (thrower: () => never) => (_: string, attempt: number) => (attempt === 1 ? thrower() : `answered on attempt ${attempt}`);

it('a TypeError is not retried by any proxy: the workflow sees the ActivityFailure from attempt 1', async () => {
  const { outcomes, calls, retriesCounted } = await probe(onFirstAttempt(() => {
    throw new TypeError("Cannot read properties of undefined (reading 'sid')");
  }));
  expect([...outcomes.keys()]).toEqual(expect.arrayContaining(KNOWN_PROXIES));
  for (const proxy of outcomes.keys()) {
    expect(failed(outcomes.get(proxy)), proxy).toMatchObject({ failureType: 'TypeError', retryState: 'NON_RETRYABLE_FAILURE' });
    expect(calls.get(proxy), proxy).toBe(1);
  }
  expect(retriesCounted).toBe(0);
});

/** Definitive refusals, thrown the way activities and the libraries they use throw them. */
const refusals: [string, () => never][] = [
  ['RowMissing', () => { throw new RowMissing('voice trust registration 6f1c is not recorded'); }],
  ['ZodError', () => { z.object({ registrationId: z.uuid() }).parse({ registrationId: 'nope' }); throw new Error('parsed'); }],
  ['SyntaxError', () => { JSON.parse('<html>'); throw new Error('parsed'); }],
  ['RangeError', () => { new Date(Number.NaN).toISOString(); throw new Error('formatted'); }],
];

it.each(refusals)('%s is not retried either', async (type, thrower) => {
  const { outcomes, calls } = await probe(onFirstAttempt(thrower));
  expect([...outcomes.keys()]).toEqual(expect.arrayContaining(KNOWN_PROXIES));
  for (const proxy of outcomes.keys()) {
    expect(failed(outcomes.get(proxy)), proxy).toMatchObject({ failureType: type, retryState: 'NON_RETRYABLE_FAILURE' });
    expect(calls.get(proxy), proxy).toBe(1);
  }
});

it('a transient error is retried until it clears; each retry is counted, and logged as a warning from attempt 5', async () => {
  const clearsAt = 8; // past the compensations' 6 attempts, within the health pass's 2 hours
  const { outcomes, calls, retriesCounted } = await probe((_, attempt) => {
    if (attempt < clearsAt) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    return `done at attempt ${attempt}`;
  });
  expect([...outcomes.keys()]).toEqual(expect.arrayContaining(KNOWN_PROXIES));
  for (const proxy of [...outcomes.keys()].filter((p) => p !== 'sipCompensation')) {
    expect(outcomes.get(proxy), proxy).toEqual({ proxy, ok: true, value: `done at attempt ${clearsAt}` });
    expect(calls.get(proxy), proxy).toBe(clearsAt);
  }
  // Compensations are bounded: reported by name in the rollback list after their 6th attempt.
  expect(failed(outcomes.get('sipCompensation'))).toMatchObject({ failureType: 'Error', retryState: 'MAXIMUM_ATTEMPTS_REACHED' });
  expect(calls.get('sipCompensation')).toBe(6);

  const totalCalls = [...calls.values()].reduce((a, b) => a + b, 0);
  expect(retriesCounted).toBe(totalCalls - outcomes.size);
  const warnings = logged.filter((e) => e.message === 'activity still retrying');
  const expected = [...calls.values()].reduce((n, c) => n + Math.max(0, c - WARN_FROM_ATTEMPT + 1), 0);
  expect(warnings).toHaveLength(expected);
  expect(warnings.every((w) => w.level === 'WARN' && w.meta?.activity === 'probe' && Number(w.meta?.attempt) >= WARN_FROM_ATTEMPT)).toBe(true);
});

it('a failure that never clears: the health pass gives up after its 2 hours of retries', async () => {
  const started = Number(await ts.env.currentTimeMs());
  const retriedFor = 400; // more attempts than 2 hours hold (30 s apart at most): past it, retrying had no end
  const { outcomes, calls } = await probe((_, attempt) => {
    if (attempt < retriedFor) throw new Error('connection terminated unexpectedly');
    return `still retrying at attempt ${attempt}`;
  }, ['hygiene']);
  const hygiene = failed(outcomes.get('hygiene'));
  expect(hygiene).toMatchObject({ retryState: 'TIMEOUT', failureType: 'Error' });
  // Temporal stops at the attempt whose back-off (at most 30 s) would carry it past the 2-hour schedule-to-close.
  expect(Number(await ts.env.currentTimeMs()) - started).toBeGreaterThanOrEqual(2 * 3_600_000 - 30_000);
  expect(calls.get('hygiene')).toBeGreaterThan(200);
});

it('activities whose row is gone fail with RowMissing instead of an error retried for ever', async () => {
  const config = testConfig();
  const db = createPool(stack.databaseUrl, 2);
  try {
    const twilio = createTwilioClient({ accountSid: stack.accountSid, authToken: stack.authToken, baseUrl: stack.sandboxUrl, timeoutMs: 10_000 });
    const activities = createActivities({ db, twilio, secrets: SecretBox.fromConfig(config, 'sip-password') });
    const gone = randomUUID();
    await expect(activities.voiceTrustReviewStatus({ registrationId: gone })).rejects.toBeInstanceOf(RowMissing);
    await expect(activities.tollfreeReviewStatus({ verificationId: gone })).rejects.toBeInstanceOf(RowMissing);
    await expect(activities.tollfreeReviewStatus({ verificationId: gone })).rejects.toMatchObject({ type: 'RowMissing', nonRetryable: true });
  } finally {
    await db.end();
  }
});

it('a 2xx answer that is not JSON is a transport failure (retried), not the SyntaxError no proxy retries', async () => {
  // A proxy's page in place of Twilio's answer: the SDK would JSON.parse it.
  const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>captive portal</html>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const twilio = createTwilioClient({ accountSid: stack.accountSid, authToken: stack.authToken, baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 5_000 });
    const read = twilio.api.v2010.accounts(stack.accountSid).incomingPhoneNumbers.list({ limit: 1 });
    await expect(read).rejects.toBeInstanceOf(TwilioTransportError);
    await expect(read).rejects.toThrow(/not JSON/);
  } finally {
    server.close();
  }
});
