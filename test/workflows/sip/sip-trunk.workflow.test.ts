import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import type { Activities } from '../../../activities/index';
import { describeChange, describeUndo } from '../../../schemas/sip/describe';
import type { AppliedChange, DesiredNumber, OperationProgress, ProgressEntry, SipChange, SipOperationInput, SipUndo } from '../../../schemas/sip/workflow';
import { sipTrunkOperation } from '../../../workflows/index';
import { NUMBERS_PER_ACTIVITY } from '../../../workflows/sip/trunk';
import { historySizesOfRuns } from '../../helpers/history-size';
import { recordHistory } from '../../helpers/record-history';
import { timeSkippingEnvironment } from '../../helpers/time-skipping';

/** The SIP saga's history at a thousand numbers, on Temporal's test server with Twilio and PostgreSQL faked. */
const ts = timeSkippingEnvironment();

const TRUNK_SID = `TK${'1'.repeat(32)}`;
const number = (i: number): DesiredNumber => ({ phoneNumber: `+1717555${String(i).padStart(4, '0')}`, twilioSid: `PN${i.toString(16).padStart(32, '0')}` });

/** An update that changes settings, recording and a URI, attaches `attach` numbers and detaches three. */
function updatePlan(attach: number): SipChange[] {
  return [
    { kind: 'update_trunk', settings: { cnamLookupEnabled: true }, previous: { cnamLookupEnabled: false } },
    { kind: 'set_recording', recording: { mode: 'record-from-answer', trim: 'do-not-trim' }, previous: { mode: 'do-not-record', trim: 'do-not-trim' } },
    { kind: 'add_origination_uri', uri: { sipUrl: 'sip:edge.example.com;transport=tls', priority: 10, weight: 10, enabled: true } },
    ...Array.from({ length: attach }, (_, i): SipChange => ({ kind: 'attach_number', number: number(i), move: false })),
    ...[0, 1, 2].map((i): SipChange => ({ kind: 'detach_number', number: number(100_000 + i) })),
  ];
}

function undoOf(c: SipChange): SipUndo | null {
  switch (c.kind) {
    case 'update_trunk': return { kind: 'restore_trunk', trunkSid: TRUNK_SID, settings: c.previous! };
    case 'set_recording': return { kind: 'restore_recording', trunkSid: TRUNK_SID, recording: c.previous! };
    case 'add_origination_uri': return { kind: 'remove_origination_uri', trunkSid: TRUNK_SID, sid: `OU${'2'.repeat(32)}`, sipUrl: c.uri.sipUrl };
    case 'attach_number': return { kind: 'detach_number', trunkSid: TRUNK_SID, number: c.number, priorTrunkSid: null, priorVoiceApplicationSid: `AP${'3'.repeat(32)}` };
    case 'detach_number': return { kind: 'reattach_number', trunkSid: TRUNK_SID, number: c.number };
    default: return null;
  }
}

/**
 * Twilio and PostgreSQL as the saga sees them: each change applied (or refused), and the operation's progress
 * kept as PostgreSQL keeps it, one entry at a time — an entry written past the end of its list would land in
 * the wrong place there, so it fails here.
 */
function fakeTrunk(plan: SipChange[], script: { refuse?: (c: SipChange) => boolean; failUndo?: (u: SipUndo) => boolean } = {}) {
  const progress: OperationProgress & { status: string; outcome: string | null } = { status: 'queued', step: null, steps: [], error: null, rollback: [], outcome: null };
  const calls: Record<string, number> = {};
  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  const write = (e: ProgressEntry) => {
    progress.status = e.status;
    if (e.step !== undefined) progress.step = e.step;
    if (e.error !== undefined) progress.error = e.error;
    if (!e.entry) return;
    const list: unknown[] = progress[e.entry.list];
    if (e.entry.index > list.length) throw new Error(`${e.entry.list}[${e.entry.index}] written before [${list.length}]`);
    list[e.entry.index] = e.entry.value;
  };
  const apply = (change: SipChange, at: { operationId: string; index: number }): AppliedChange => {
    const name = describeChange(change);
    write({ operationId: at.operationId, status: 'running', step: name, entry: { list: 'steps', index: at.index, value: { name, status: 'running', detail: null } } });
    if (script.refuse?.(change)) throw ApplicationFailure.create({ message: 'injected refusal', type: 'TwilioError', nonRetryable: true, details: [{ code: 21999, status: 400, message: 'injected refusal', moreInfo: null }] });
    write({ operationId: at.operationId, status: 'running', entry: { list: 'steps', index: at.index, value: { name, status: 'done', detail: 'done' } } });
    return { detail: 'done', undo: undoOf(change) };
  };
  const undo = (u: SipUndo, at: { operationId: string; index: number }) => {
    if (script.failUndo?.(u)) throw ApplicationFailure.retryable('Service Unavailable', 'TwilioError');
    const action = describeUndo(u);
    write({ operationId: at.operationId, status: 'rolling_back', entry: { list: 'rollback', index: at.index, value: { action, status: 'done', error: null } } });
    return action;
  };
  const activities = {
    sipRecordProgress: async ({ status, progress: p }) => void (count('sipRecordProgress'), Object.assign(progress, p, { status })),
    sipPlanOperation: async () => (count('sipPlanOperation'), plan),
    sipApplyStep: async ({ change, step }) => (count('sipApplyStep'), apply(change, step)),
    async sipApplyNumbers({ changes, first }) {
      count('sipApplyNumbers');
      const applied: AppliedChange[] = [];
      for (const [i, change] of changes.entries()) {
        try {
          applied.push(apply(change, { operationId: first.operationId, index: first.index + i }));
        } catch (err) {
          return { applied, refusal: { message: (err as Error).message, twilio: { code: 21999, status: 400, message: 'injected refusal', moreInfo: null } } };
        }
      }
      return { applied, refusal: null };
    },
    sipUndoStep: async ({ undo: u, entry }) => (count(`sipUndoStep ${u.kind}`), undo(u, entry)),
    async sipUndoNumbers({ undos, first }) {
      count('sipUndoNumbers');
      const failed: number[] = [];
      for (const [i, u] of undos.entries()) {
        const at = { operationId: first.operationId, index: first.index + i };
        try {
          undo(u, at);
        } catch (err) {
          failed.push(i);
          write({ operationId: at.operationId, status: 'rolling_back', entry: { list: 'rollback', index: at.index, value: { action: describeUndo(u), status: 'failed', error: (err as Error).message } } });
        }
      }
      return { failed };
    },
    sipRecordEntry: async (e) => void (count('sipRecordEntry'), write(e)),
    sipInspect: async () => (count('sipInspect'), null),
    sipWipeSecrets: async () => void count('sipWipeSecrets'),
    sipFinishOperation: async ({ outcome }) => void (count('sipFinishOperation'), Object.assign(progress, { outcome, step: null })),
  } satisfies Partial<Activities>;
  return { activities, progress, calls };
}

async function runSaga(fake: ReturnType<typeof fakeTrunk>, attach: number) {
  const taskQueue = `sip-saga-${randomUUID()}`;
  const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: { code: ts.bundle }, activities: fake.activities });
  const input: SipOperationInput = {
    tenantId: randomUUID(),
    trunkId: randomUUID(),
    operationId: randomUUID(),
    kind: 'update',
    spec: null,
    // The workflow's input names every number the trunk keeps, as the API sends it.
    numbers: Array.from({ length: attach }, (_, i) => number(i)),
    move: false,
    secretRefs: [],
  };
  const handle = await ts.env.client.workflow.start(sipTrunkOperation, { taskQueue, workflowId: `sip-saga-${randomUUID()}`, args: [input] });
  const outcome = await worker.runUntil(handle.result());
  const [run] = await historySizesOfRuns(ts.env.client, handle.workflowId, handle.firstExecutionRunId);
  return { outcome, handle, run: run!, inputs: await activityInputSizes(handle) };
}

/** Each scheduled activity's type and the bytes of its input, as the history holds them. */
async function activityInputSizes(handle: { fetchHistory(): Promise<temporal.api.history.v1.IHistory> }) {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    return a ? [{ type: a.activityType!.name!, bytes: temporal.api.common.v1.Payloads.encode(a.input ?? {}).finish().length }] : [];
  });
}

const largest = (inputs: { bytes: number }[]) => Math.max(...inputs.map((i) => i.bytes));

it('a 1 000-number attach: a few hundred history events, well under 2 MB, and no activity input larger than at 100 numbers', async () => {
  const small = fakeTrunk(updatePlan(100));
  const atHundred = await runSaga(small, 100);
  const big = fakeTrunk(updatePlan(1000));
  const atThousand = await runSaga(big, 1000);
  console.log(`SIP saga, 1 000-number attach: ${atThousand.run.events} events, ${atThousand.run.bytes} bytes; largest activity input ${largest(atThousand.inputs)} bytes (100 numbers: ${largest(atHundred.inputs)})`);

  expect(atThousand.outcome).toBe('succeeded');
  expect(atThousand.run.events).toBeLessThan(10_000);
  expect(atThousand.run.bytes).toBeLessThan(2 * 1024 * 1024);
  // Numbers go NUMBERS_PER_ACTIVITY to an activity; every other change is one.
  expect(big.calls).toMatchObject({ sipApplyStep: 3, sipApplyNumbers: Math.ceil(1000 / NUMBERS_PER_ACTIVITY) + 1, sipPlanOperation: 1, sipFinishOperation: 1 });
  // What any activity is sent doesn't grow with the steps: the same largest input at 100 numbers and at 1 000
  // (a phone number's digits aside). Before, each sipApply carried the whole step list.
  expect(Math.abs(largest(atThousand.inputs) - largest(atHundred.inputs))).toBeLessThan(64);
  // The progress PostgreSQL ends with is the one the view always showed: every step, in plan order, done.
  const plan = updatePlan(1000);
  expect(big.progress).toMatchObject({ outcome: 'succeeded', step: null, error: null, rollback: [] });
  expect(big.progress.steps).toEqual(plan.map((c) => ({ name: describeChange(c), status: 'done', detail: 'done' })));
  await recordHistory('sip-progress-per-step-update-100', atHundred.handle);
});

it.each([120, 1000])('a refusal at the last of %i numbers undoes those before it in groups; an undo that keeps failing is retried alone, then reported in its place', async (attach) => {
  const plan = updatePlan(attach);
  const last = number(attach - 1).twilioSid;
  const stuck = number(Math.floor(attach / 2)).twilioSid;
  const fake = fakeTrunk(plan, {
    refuse: (c) => c.kind === 'attach_number' && c.number.twilioSid === last,
    failUndo: (u) => u.kind === 'detach_number' && u.number.twilioSid === stuck,
  });
  const { outcome, run, handle } = await runSaga(fake, attach);

  expect(outcome).toBe('failed'); // a compensation failed for good
  expect(run.events).toBeLessThan(10_000);
  expect(run.bytes).toBeLessThan(2 * 1024 * 1024);
  const refusedAt = 3 + attach - 1;
  expect(fake.progress.error).toEqual({ step: describeChange(plan[refusedAt]!), message: 'injected refusal', twilio: expect.objectContaining({ code: 21999 }) });
  expect(fake.progress.steps).toHaveLength(refusedAt + 1);
  expect(fake.progress.steps.at(-1)).toEqual({ name: describeChange(plan[refusedAt]!), status: 'failed', detail: 'Twilio 21999: injected refusal' });
  // Newest first: the numbers, the URI, the recording, the settings; the stuck number reported where it was.
  const undone = plan.slice(0, refusedAt).map(undoOf).reverse();
  expect(fake.progress.rollback.map((r) => r.action)).toEqual(undone.map((u) => describeUndo(u!)));
  const failed = fake.progress.rollback.flatMap((r, i) => (r.status === 'failed' ? [{ i, ...r }] : []));
  expect(failed).toEqual([{ i: attach - 2 - Math.floor(attach / 2), action: `detach ${number(Math.floor(attach / 2)).phoneNumber} (voice application restored)`, status: 'failed', error: 'Service Unavailable' }]);
  // The group tried it once; then it had the six attempts of any compensation.
  expect(fake.calls['sipUndoStep detach_number']).toBe(6);
  expect(fake.calls.sipUndoNumbers).toBe(Math.ceil((attach - 1) / NUMBERS_PER_ACTIVITY));
  if (attach === 120) await recordHistory('sip-progress-per-step-rolled-back-120', handle);
});
