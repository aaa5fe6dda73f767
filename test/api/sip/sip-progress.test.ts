import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { createSipActivities } from '../../../activities/sip/trunk';
import { PayloadEncryptionCodec } from '../../../config/temporal-payload-codec';
import { SecretBox } from '../../../db/platform/secrets';
import { NUMBERS_PER_ACTIVITY, PROGRESS_PER_STEP } from '../../../workflows/sip/trunk';
import { waitForJob } from '../../helpers/jobs';
import { atTwilio, waitForTrunk } from '../../helpers/sip';
import { createTestApi, newTenant, twilioSdk } from '../../helpers/stack';

let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;

beforeAll(async () => {
  api = await createTestApi();
  tenant = await newTenant(api.db, 'sip-progress');
});
afterAll(async () => api.close());

async function createTrunk(body: object) {
  const res = await api.app.inject({ method: 'POST', url: '/v1/sip/trunks', headers: tenant.headers, payload: body });
  expect(res.statusCode).toBe(202);
  return waitForTrunk(api.app, tenant.headers, res.json().id);
}

/** Each activity the operation's workflow scheduled: its type, the bytes its input takes in history, and the input opened. */
async function activityInputs(trunkId: string) {
  const { rows } = await api.db.query('SELECT workflow_id FROM sip_operations WHERE trunk_id = $1', [trunkId]);
  const history = await api.temporal.workflow.getHandle(rows[0].workflow_id).fetchHistory();
  const codec = PayloadEncryptionCodec.fromConfig(api.config);
  const inputs = [];
  for (const e of history.events ?? []) {
    const a = e.activityTaskScheduledEventAttributes;
    if (!a) continue;
    const [opened] = await codec.decode(a.input?.payloads ?? []);
    inputs.push({ type: a.activityType!.name!, bytes: temporal.api.common.v1.Payloads.encode(a.input ?? {}).finish().length, value: defaultPayloadConverter.fromPayload<Record<string, unknown>>(opened!) });
  }
  const patchMarkers = (history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
  return { inputs, patchMarkers: patchMarkers.length };
}

it('a 120-number attach shows the operation as it always did, and no activity is sent the step list or more than a group of numbers', async () => {
  const bought = await api.app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers: tenant.headers, payload: { areaCode: '717', quantity: 120 } });
  expect(bought.statusCode).toBe(202);
  expect((await waitForJob(api.app, tenant.headers, bought.json().id)).counts.succeeded).toBe(120);
  const { rows } = await api.db.query<{ phone_number: string }>(`SELECT phone_number FROM phone_numbers WHERE tenant_id = $1 AND status = 'active' ORDER BY phone_number DESC`, [tenant.tenantId]);
  const numbers = rows.map((r) => r.phone_number);

  const trunk = await createTrunk({ friendlyName: 'Many numbers', secure: false, originationUris: [{ sipUrl: 'sip:many.example.com' }], phoneNumbers: numbers });

  // The view's fields and values, exactly: one step per change in plan order, numbers in the order given.
  expect(trunk.operation).toEqual({
    id: expect.any(String),
    kind: 'create',
    status: 'succeeded',
    step: null,
    steps: [
      { name: `create trunk ${trunk.domainName}`, status: 'done', detail: `trunk ${trunk.trunkSid}` },
      { name: 'add origination URI sip:many.example.com', status: 'done', detail: expect.stringMatching(/^origination URI OU[0-9a-f]{32}$/) },
      ...numbers.map((n) => ({ name: `attach ${n}`, status: 'done', detail: 'attached' })),
    ],
    error: null,
    rollback: [],
    createdAt: expect.any(String),
    finishedAt: expect.any(String),
  });
  expect(trunk.phoneNumbers).toHaveLength(120);
  expect((await atTwilio(trunk.domainName)).numbers).toHaveLength(120);

  const { inputs } = await activityInputs(trunk.id);
  // Before, every sipApply carried the whole step list (a 1 000-number attach grew history with its square).
  for (const i of inputs) expect(JSON.stringify(i.value), i.type).not.toMatch(/"steps":\[\{/);
  expect(inputs.find((i) => i.type === 'sipPlanOperation')!.value).toEqual({ tenantId: tenant.tenantId, trunkId: trunk.id, operationId: trunk.operation!.id });
  const groups = inputs.filter((i) => i.type === 'sipApplyNumbers');
  expect(groups.map((g) => (g.value.changes as unknown[]).length)).toEqual([NUMBERS_PER_ACTIVITY, NUMBERS_PER_ACTIVITY, 120 - 2 * NUMBERS_PER_ACTIVITY]);
  // The largest thing sent is a group of numbers, whatever the operation's length.
  expect(Math.max(...inputs.map((i) => i.bytes))).toBe(Math.max(...groups.map((g) => g.bytes)));
});

it(`new operations run the saga behind the ${PROGRESS_PER_STEP} marker`, async () => {
  const trunk = await createTrunk({ friendlyName: 'Marked', secure: false });
  const { inputs, patchMarkers } = await activityInputs(trunk.id);
  expect(patchMarkers).toBe(1);
  expect(inputs.map((i) => i.type)).toEqual(['sipRecordProgress', 'sipPlanOperation', 'sipApplyStep', 'sipInspect', 'sipFinishOperation']);
});

it('activities still take what operations started before 0eeb842 send: no progress report, and no values for an undo to restore', async () => {
  const trunk = await createTrunk({ friendlyName: 'Old style', secure: false });
  const activities = createSipActivities({ db: api.db, twilio: twilioSdk(), secrets: SecretBox.fromConfig(api.config, 'sip-password') });
  const ids = { tenantId: tenant.tenantId, trunkId: trunk.id };

  const settings = await activities.sipApply({ ...ids, change: { kind: 'update_trunk', settings: { cnamLookupEnabled: true } } });
  const recording = await activities.sipApply({ ...ids, change: { kind: 'set_recording', recording: { mode: 'record-from-answer', trim: 'trim-silence' } } });
  // What the undo restores was read from Twilio before the change.
  expect(settings.undo).toEqual({ kind: 'restore_trunk', trunkSid: trunk.trunkSid, settings: { cnamLookupEnabled: false } });
  expect(recording.undo).toEqual({ kind: 'restore_recording', trunkSid: trunk.trunkSid, recording: { mode: 'do-not-record', trim: 'do-not-trim' } });
  expect((await atTwilio(trunk.domainName)).trunk?.cnamLookupEnabled).toBe(true);

  await activities.sipUndo({ undo: recording.undo! });
  await activities.sipUndo({ undo: settings.undo! });
  const twilio = await atTwilio(trunk.domainName);
  expect(twilio.trunk?.cnamLookupEnabled).toBe(false);
  expect(twilio.recording).toMatchObject({ mode: 'do-not-record', trim: 'do-not-trim' });
});
