/**
 * Temporal holds only ciphertext: workflows started through the API (an A2P registration with its draft, a
 * number purchase) leave no draft, EIN or e-mail readable in Temporal's history to a client without the
 * service's codec, and the codec endpoint opens payloads for the operator's admin keys only. The API and the
 * worker here run on their own queue with the replay fixture key ring, so what they record (RECORD_HISTORIES=1)
 * is a replayable `*.encoded.json` history.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENCRYPTED_ENCODING, PayloadEncryptionCodec } from '../../../config/temporal-payload-codec';
import { createTenant, issueApiKey } from '../../../db/platform/tenants';
import { numberOpWorkflowId } from '../../../schemas/kit/workflow-ids';
import { goodDraft } from '../../fixtures/a2p-draft';
import { REPLAY_FIXTURE_KEYS, replayFixtureRing } from '../../fixtures/replay-keys';
import { recordHistory, sealedUnderKeyIds } from '../../helpers/record-history';
import { buyThroughApi, createTestApi, newTenant, sandboxControl, stack, startWorkerProcess, stopChild, waitFor } from '../../helpers/stack';

const taskQueue = `payload-encryption-${randomUUID()}`;
const operatorName = `codec-operator-${randomUUID().slice(0, 8)}`;
const UI_ORIGIN = 'http://127.0.0.1:8233';
const EIN = '73-4518296';
const EMAIL = `ada.${randomUUID().slice(0, 8)}@acmedental.com`;

let api: Awaited<ReturnType<typeof createTestApi>>;
let worker: ChildProcess;
let rawConnection: Connection;
/** A client as anyone who reaches Temporal has one: no codec. */
let raw: Client;
beforeAll(async () => {
  // The fixture key seals (the recorded histories need it); the stack's key after it only opens — so this file's
  // workers, whose webhook dispatchers take every tenant's deliveries while they run, can open other files' secrets.
  const env = { SECRETS_KEYS: [REPLAY_FIXTURE_KEYS, stack.secretsKeys].filter(Boolean).join(','), A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000' };
  worker = await startWorkerProcess(taskQueue, env);
  api = await createTestApi({ TEMPORAL_TASK_QUEUE: taskQueue, TEMPORAL_CODEC_TENANT: operatorName, TEMPORAL_UI_URL: `${UI_ORIGIN}/`, ...env });
  rawConnection = await Connection.connect({ address: stack.temporalAddress });
  raw = new Client({ connection: rawConnection, namespace: api.config.TEMPORAL_NAMESPACE });
});
afterAll(async () => {
  await sandboxControl('POST', 'reviews', { preset: 'realistic' });
  await api?.close();
  await rawConnection?.close();
  if (worker) await stopChild(worker);
});

/** Every payload's bytes in a history, as text: what someone reading Temporal's database would see. */
function payloadBytesText(history: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (v instanceof Uint8Array) return void out.push(Buffer.from(v).toString('latin1'));
    if (v && typeof v === 'object') for (const child of Object.values(v)) walk(child);
  };
  walk(history);
  return out.join('\n');
}

/** The raw history, checked for the secrets both as Temporal's JSON (base64 payloads) and as raw bytes. */
async function expectNothingReadable(handle: WorkflowHandle, secrets: string[]) {
  const history = await raw.workflow.getHandle(handle.workflowId).fetchHistory();
  const json = historyToJSON(history);
  const bytes = payloadBytesText(history);
  for (const secret of secrets) {
    expect(json).not.toContain(secret);
    expect(bytes).not.toContain(secret);
  }
  expect(sealedUnderKeyIds(JSON.parse(json))).toEqual(['replay-fixture-1']);
  return history;
}

describe('payloads in Temporal are sealed', () => {
  it('an A2P registration started through the API: no EIN, e-mail or name in its history, though its input carries them', async () => {
    await sandboxControl('POST', 'reviews', { preset: 'fast' });
    const tenant = await newTenant(api.db, 'sealed-a2p');
    const draft = { ...goodDraft(), phoneNumbers: [await buyThroughApi(api.app, tenant.headers, '217')] };
    draft.business.registrationNumber = EIN;
    draft.authorizedRepresentatives[0]!.email = EMAIL;
    const started = await api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: tenant.headers, payload: draft });
    expect(started.statusCode).toBe(202);
    const id = started.json().id as string;
    const done = await waitFor(async () => {
      const r = (await api.app.inject({ method: 'GET', url: `/v1/a2p/registrations/${id}`, headers: tenant.headers })).json();
      return ['completed', 'failed'].includes(r.status) ? r : null;
    }, 'the registration to finish', 150_000);
    expect(done.status).toBe('completed');
    const { rows } = await api.db.query<{ workflow_id: string }>('SELECT workflow_id FROM a2p_registrations WHERE id = $1', [id]);
    const handle = api.temporal.workflow.getHandle(rows[0]!.workflow_id);

    const history = await expectNothingReadable(handle, [EIN, EMAIL, 'Lovelace', 'acmedental.com']);
    // The control: the same history's input, opened with the key ring, holds the draft — so the absence above means sealed.
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads as Payload[];
    expect(input.every((p) => Buffer.from(p.metadata!.encoding!).toString() === ENCRYPTED_ENCODING)).toBe(true);
    const opened = await new PayloadEncryptionCodec(replayFixtureRing()).decode(input);
    expect(JSON.stringify(opened.map((p) => defaultPayloadConverter.fromPayload(p)))).toContain(EIN);
    await recordHistory('a2p-registration-api', handle);
  });

  it('a number purchase: the API reads its sealed result back (201), and a client without the codec cannot', async () => {
    const tenant = await newTenant(api.db, 'sealed-buy');
    const phoneNumber = (await api.app.inject({ method: 'GET', url: '/v1/available-numbers?areaCode=312&limit=1', headers: tenant.headers })).json().data[0].phoneNumber as string;
    const bought = await api.app.inject({ method: 'POST', url: '/v1/numbers', headers: { ...tenant.headers, 'idempotency-key': 'sealed-1' }, payload: { phoneNumber, friendlyName: 'Front desk Lovelace' } });
    expect(bought.statusCode).toBe(201);
    const handle = api.temporal.workflow.getHandle(numberOpWorkflowId(tenant.tenantId, 'buy', phoneNumber, 'sealed-1'));
    expect(await handle.result()).toMatchObject({ status: 'purchased', number: { phoneNumber } });
    await expect(raw.workflow.getHandle(handle.workflowId).result()).rejects.toThrow(/binary\/encrypted/);
    await expectNothingReadable(handle, ['Front desk Lovelace']);
    await recordHistory('number-purchase-api', handle);
  });
});

describe('the codec endpoint (/v1/codec/decode, /v1/codec/encode)', () => {
  const codec = () => new PayloadEncryptionCodec(replayFixtureRing());
  const asJson = (p: Payload) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? []).toString('base64'),
  });
  const valueOfJson = (p: { metadata: Record<string, string>; data: string }) =>
    defaultPayloadConverter.fromPayload({ metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])), data: Buffer.from(p.data, 'base64') });
  const post = (path: string, headers: Record<string, string>, payload: unknown) =>
    api.app.inject({ method: 'POST', url: `/v1/codec/${path}`, headers: { 'x-namespace': 'default', ...headers }, payload: payload as object });
  let operator: { headers: Record<string, string>; readHeaders: Record<string, string> };
  beforeAll(async () => {
    const { tenant, apiKey } = await createTenant(api.db, operatorName);
    const read = await issueApiKey(api.db, tenant.id, { name: 'ui-read', scopes: ['read'], expiresAt: null });
    operator = { headers: { authorization: `Bearer ${apiKey}` }, readHeaders: { authorization: `Bearer ${read.apiKey}` } };
  });

  it('the operator tenant\'s admin key opens sealed payloads and passes clear ones through', async () => {
    const [sealed] = await codec().encode([defaultPayloadConverter.toPayload({ registrationNumber: EIN })!]);
    const clear = asJson(defaultPayloadConverter.toPayload('written before the codec')!);
    const res = await post('decode', operator.headers, { payloads: [asJson(sealed!), clear] });
    expect(res.statusCode).toBe(200);
    const [opened, passed] = res.json().payloads;
    expect(valueOfJson(opened)).toEqual({ registrationNumber: EIN });
    expect(passed).toEqual(clear);
  });

  it('encode seals what decode opens (the UI sends signals through it)', async () => {
    const res = await post('encode', operator.headers, { payloads: [asJson(defaultPayloadConverter.toPayload({ ok: true })!)] });
    expect(res.statusCode).toBe(200);
    const [sealed] = res.json().payloads;
    expect(Buffer.from(sealed.metadata.encoding, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    const back = await post('decode', operator.headers, { payloads: [sealed] });
    expect(valueOfJson(back.json().payloads[0])).toEqual({ ok: true });
  });

  it('no key is a 401, a read key a 403, another tenant\'s admin key a 403: none sees a payload', async () => {
    const [sealed] = await codec().encode([defaultPayloadConverter.toPayload({ registrationNumber: EIN })!]);
    const body = { payloads: [asJson(sealed!)] };
    const anonymous = await post('decode', {}, body);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('unauthorized');
    const reader = await post('decode', operator.readHeaders, body);
    expect(reader.statusCode).toBe(403);
    expect(reader.json().error).toMatchObject({ code: 'insufficient_scope', message: expect.stringContaining('admin') });
    const otherAdmin = await newTenant(api.db, 'codec-other');
    const other = await post('decode', otherAdmin.headers, body);
    expect(other.statusCode).toBe(403);
    expect(other.json().error.code).toBe('forbidden');
    for (const res of [anonymous, reader, other]) expect(res.body).not.toContain(EIN);
  });

  it('a tampered payload, or one that is not base64, is a 400 naming it', async () => {
    const [sealed] = await codec().encode([defaultPayloadConverter.toPayload('x')!]);
    const tampered = asJson({ ...sealed!, data: Buffer.from(sealed!.data!).map((b, i) => (i === 14 ? b ^ 1 : b)) });
    const res = await post('decode', operator.headers, { payloads: [asJson(sealed!), tampered] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_request', fields: [{ field: 'payloads.1', message: expect.stringContaining('does not open it') }] });
    const notBase64 = await post('decode', operator.headers, { payloads: [{ metadata: {}, data: 'not base64!' }] });
    expect(notBase64.statusCode).toBe(400);
    expect(notBase64.json().error.fields[0].field).toBe('payloads.0.data');
  });

  it('CORS for the Temporal UI\'s origin (TEMPORAL_UI_URL) only: the preflight passes without a key', async () => {
    const preflight = (origin: string) =>
      api.app.inject({
        method: 'OPTIONS',
        url: '/v1/codec/decode',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
      });
    const ui = await preflight(UI_ORIGIN);
    expect(ui.statusCode).toBe(204);
    expect(ui.headers).toMatchObject({ 'access-control-allow-origin': UI_ORIGIN, 'access-control-allow-credentials': 'true', 'access-control-allow-methods': 'POST' });
    expect(String(ui.headers['access-control-allow-headers'])).toMatch(/authorization.*x-namespace/);
    expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
    const answered = await post('decode', { ...operator.headers, origin: UI_ORIGIN }, { payloads: [] });
    expect(answered.statusCode).toBe(200);
    expect(answered.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
  });

  it('is not in the OpenAPI document (Temporal\'s protocol, not the product\'s API)', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/v1/codec'))).toEqual([]);
  });
});
