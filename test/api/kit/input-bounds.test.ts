import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BODY_LIMIT } from '../../../api/kit/plugins/body-limits';
import { MAX_JSON_DEPTH } from '../../../api/kit/plugins/json-depth';
import { createTestApi, newTenant } from '../../helpers/stack';
import { bBbDraft, deepJson, draftOfBytes, largestA2pDraft, largestTollfreeDraft, largestVoiceTrustDraft, MIB } from '../../fixtures/hostile-input';

/**
 * No request can stall the service or get a 500 for its size or shape: bodies nested too deep are a 400, bodies
 * past a route's limit a 413, and the largest valid drafts get their normal answer. (Timing is bench:input's.)
 */
let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;
beforeAll(async () => {
  api = await createTestApi();
  tenant = await newTenant(api.db, 'input-bounds');
});
afterAll(async () => api?.close());

const post = (url: string, payload: string | object, headers: Record<string, string> = {}) =>
  api.app.inject({ method: 'POST', url, headers: { ...tenant.headers, 'content-type': 'application/json', ...headers }, payload });

const tooDeep = { error: { code: 'invalid_request', message: `JSON nested deeper than ${MAX_JSON_DEPTH} levels`, fields: [{ field: 'body', message: expect.any(String) }] } };

describe('JSON nested thousands of levels deep', () => {
  it('is a 400 naming the limit, on every kind of route, arrays or objects (it was a 500: a RangeError walking it)', async () => {
    for (const [url, body] of [
      ['/v1/a2p/preflight', deepJson(30_000)],
      ['/v1/a2p/registrations', deepJson(30_000, 'object')],
      ['/v1/numbers', deepJson(10_000)],
      ['/v1/jobs/bulk-release', deepJson(10_000, 'object')],
    ] as const) {
      const res = await post(url, body);
      expect([url, res.statusCode, res.json()]).toEqual([url, 400, tooDeep]);
    }
  });

  it('a body at the limit is read, and validated as any other', async () => {
    const res = await post('/v1/numbers', `{"phoneNumber":"+12175550100","friendlyName":${deepJson(MAX_JSON_DEPTH - 1)}}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields.map((f: { field: string }) => f.field)).toEqual(['friendlyName']);
  });

  it('Twilio’s JSON webhook refuses it too, before reading it', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/webhooks/twilio/events', headers: { 'content-type': 'application/json', 'x-twilio-signature': 'x' }, payload: deepJson(30_000) });
    expect([res.statusCode, res.json()]).toEqual([400, tooDeep]);
  });

  it('form bodies and query strings cannot nest: brackets stay part of a flat name', async () => {
    const nested = `${'a'}${'[b]'.repeat(2000)}`;
    const query = await api.app.inject({ method: 'GET', url: `/v1/jobs?${nested}=1`, headers: tenant.headers });
    expect(query.statusCode).toBe(400);
    expect(query.json().error.code).toBe('invalid_request');
    const form = await api.app.inject({ method: 'POST', url: '/webhooks/twilio/status-callback', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' }, payload: `${nested}=1` });
    expect(form.statusCode).toBe(403); // read as one flat field, then refused for its signature
  });
});

describe('body limits', () => {
  const tooLarge = { error: { code: 'payload_too_large', message: expect.any(String) } };

  it('a 1 MiB draft is a 413 on each preflight and each registration create', async () => {
    const megabyte = draftOfBytes(MIB);
    for (const url of ['/v1/a2p/preflight', '/v1/a2p/registrations', '/v1/tollfree/preflight', '/v1/tollfree/verifications', '/v1/voice-trust/registrations']) {
      const res = await post(url, megabyte);
      expect([url, res.statusCode, res.json()]).toEqual([url, 413, tooLarge]);
    }
  });

  it('Twilio’s callbacks are kilobytes: 100 KB to either webhook is a 413 before it is read or its signature checked', async () => {
    const big = 'x'.repeat(100 * 1024);
    const events = await api.app.inject({ method: 'POST', url: '/webhooks/twilio/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify([{ data: big }]) });
    expect(events.statusCode).toBe(413);
    const form = await api.app.inject({ method: 'POST', url: '/webhooks/twilio/status-callback', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `BundleSid=BU1&Status=x&Pad=${big}` });
    expect(form.statusCode).toBe(413);
  });

  it('a route that takes kilobytes refuses 100 KB (Fastify’s 1 MiB default took it)', async () => {
    const res = await post('/v1/numbers', { phoneNumber: '+12175550100', friendlyName: 'x'.repeat(100_000) });
    expect(res.statusCode).toBe(413);
    expect(DEFAULT_BODY_LIMIT).toBeLessThan(100_000);
  });

  it('1 000 call outcomes, each full, are taken (their route’s limit fits them)', async () => {
    const outcomes = Array.from({ length: 1000 }, (_, i) => ({ phoneNumber: '+12175550100', at: '2026-01-01T00:00:00.123456+05:30', outcome: 'no_answer', externalId: `${i}-${'€'.repeat(120)}` }));
    expect(Buffer.byteLength(JSON.stringify({ outcomes }))).toBeGreaterThan(DEFAULT_BODY_LIMIT);
    const res = await post('/v1/number-health/call-outcomes', { outcomes });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 0, refused: expect.arrayContaining([expect.objectContaining({ index: 999 })]) });
  });
});

describe('the largest valid drafts get their normal answer', () => {
  it('A2P preflight: the report, with the one problem the draft has (400 numbers for one campaign)', async () => {
    const draft = largestA2pDraft();
    expect(Buffer.byteLength(JSON.stringify(draft))).toBeGreaterThan(DEFAULT_BODY_LIMIT);
    const res = await post('/v1/a2p/preflight', draft);
    expect(res.statusCode).toBe(200);
    expect(res.json().problems.map((p: { field: string; code: string }) => `${p.field}:${p.code}`)).toEqual(['phoneNumbers:campaign_number_cap']);
  });

  it('A2P registration: accepted (202), then cancelled', async () => {
    const res = await post('/v1/a2p/registrations', largestA2pDraft([]), { 'idempotency-key': `largest-${tenant.tenantId}` });
    expect(res.statusCode).toBe(202);
    expect(res.json().status).toBe('queued');
    const cancel = await api.app.inject({ method: 'POST', url: `/v1/a2p/registrations/${res.json().id}/cancel`, headers: tenant.headers });
    expect(cancel.statusCode).toBe(202);
  });

  it('toll-free preflight and verification: the number is not the tenant’s, and that is all', async () => {
    const preflight = await post('/v1/tollfree/preflight', largestTollfreeDraft());
    expect(preflight.statusCode).toBe(200);
    expect(preflight.json()).toMatchObject({ ok: false, problems: [{ field: 'tollfreePhoneNumber', code: 'not_your_number' }], warnings: [] });
    const verification = await post('/v1/tollfree/verifications', largestTollfreeDraft());
    expect(verification.statusCode).toBe(400);
    expect(verification.json()).toMatchObject({ error: { code: 'preflight_failed' }, problems: [{ code: 'not_your_number' }] });
  });

  it('voice trust registration: the business profile is not the tenant’s', async () => {
    const res = await post('/v1/voice-trust/registrations', largestVoiceTrustDraft());
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', fields: [{ field: 'businessProfileSid' }] });
  });

  it('the probe’s 240 KB b-b-b draft: a preflight report naming each field too long', async () => {
    const res = await post('/v1/a2p/preflight', bBbDraft());
    expect(res.statusCode).toBe(200);
    expect(res.json().problems.map((p: { field: string; code: string }) => `${p.field}:${p.code}`)).toEqual([
      'campaign.description:too_long',
      'campaign.messageSamples.0:too_long',
      'campaign.messageSamples.1:too_long',
    ]);
  });
});
