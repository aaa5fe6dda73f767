/**
 * The platform's Twilio callback routes verify and deduplicate; what a callback is about is the products' to
 * say. Handlers are asked in order and the first that recognises a delivery handles it; one none recognises
 * is still accepted (and recorded), about no registration. PostgreSQL is faked: every delivery is new.
 */
import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../../api/kit/deps';
import { webhookRoutes, type TwilioCallbackHandler } from '../../../api/platform/twilio-callbacks';
import { ConfigSchema } from '../../../config/env';

const base = 'https://hooks.example.com';
const config = ConfigSchema.parse({
  DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'callback-registry',
  PUBLIC_BASE_URL: base,
  LOG_LEVEL: 'silent',
});

/** Every insert of a delivery succeeds: each callback is heard for the first time. */
const recorded: unknown[][] = [];
const db = { query: async (_sql: string, values: unknown[]) => (recorded.push(values), { rowCount: 1, rows: [] }) };

let app: ReturnType<typeof Fastify> | undefined;
afterEach(async () => {
  await app?.close();
  recorded.length = 0;
});

async function appWith(callbacks: TwilioCallbackHandler[]) {
  app = Fastify({ logger: false });
  const deps = { config, db, temporal: {}, runner: {} } as unknown as ApiDeps;
  await app.register(webhookRoutes, { ...deps, callbacks });
  return app;
}

/** Names the handler that was asked, and answers as `answer` says. */
function handler(name: string, asked: string[], answer: (sid: string) => { registrationId: string; signalled: boolean } | null): TwilioCallbackHandler {
  return {
    statusCallback: async (_deps, sid) => (asked.push(name), answer(sid)),
    event: async (_deps, _type, data) => {
      asked.push(name);
      const found = answer(data.sid ?? '');
      return found && { sid: data.sid!, status: data.status ?? '', deliver: async () => found.signalled };
    },
  };
}

const statusCallback = (a: ReturnType<typeof Fastify>, sid: string) => {
  const path = '/webhooks/twilio/status-callback';
  const params = { AccountSid: config.TWILIO_ACCOUNT_SID, BundleSid: sid, Status: 'twilio-approved' };
  return a.inject({
    method: 'POST', url: path, payload: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(config.TWILIO_AUTH_TOKEN, `${base}${path}`, params) },
  });
};

const events = (a: ReturnType<typeof Fastify>, body: object[]) => {
  const path = '/webhooks/twilio/events';
  const raw = JSON.stringify(body);
  const url = `${base}${path}?bodySHA256=${createHash('sha256').update(raw).digest('hex')}`;
  return a.inject({
    method: 'POST', url: url.slice(base.length), payload: raw,
    headers: { 'content-type': 'application/json', 'x-twilio-signature': twilio.getExpectedTwilioSignature(config.TWILIO_AUTH_TOKEN, url, {}) },
  });
};

describe('Trust Hub status callbacks', () => {
  it('go to the first product that recognises the bundle, and to no later one', async () => {
    const asked: string[] = [];
    const a = await appWith([
      handler('voice trust', asked, () => null),
      handler('a2p', asked, (sid) => (sid === 'BUa2p' ? { registrationId: 'reg-a2p', signalled: true } : null)),
      handler('later', asked, () => ({ registrationId: 'reg-later', signalled: true })),
    ]);
    const res = await statusCallback(a, 'BUa2p');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: true, duplicate: false, signalled: true, registrationId: 'reg-a2p' });
    expect(asked).toEqual(['voice trust', 'a2p']);
  });

  it('are accepted about no registration when no product recognises the bundle', async () => {
    const asked: string[] = [];
    const a = await appWith([handler('voice trust', asked, () => null), handler('a2p', asked, () => null)]);
    expect((await statusCallback(a, 'BUnobody')).json()).toEqual({ accepted: true, duplicate: false, signalled: false, registrationId: null });
    expect(asked).toEqual(['voice trust', 'a2p']);
  });

  it('with a bad signature reach no product', async () => {
    const asked: string[] = [];
    const a = await appWith([handler('a2p', asked, () => ({ registrationId: 'reg', signalled: true }))]);
    const res = await a.inject({ method: 'POST', url: '/webhooks/twilio/status-callback', payload: 'BundleSid=BU1', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged' } });
    expect(res.statusCode).toBe(403);
    expect(asked).toEqual([]);
  });
});

describe('Event Streams events', () => {
  it('are delivered by the product that recognises each, and recorded with what it says they are about', async () => {
    const asked: string[] = [];
    const a = await appWith([handler('a2p', asked, (sid) => (sid.startsWith('BN') ? { registrationId: 'reg', signalled: sid === 'BNwoken' } : null))]);
    const res = await events(a, [
      { id: 'e1', type: 'com.twilio.messaging.compliance.brand-registration.brand-registered', data: { sid: 'BNwoken', status: 'APPROVED' } },
      { id: 'e2', type: 'com.twilio.messaging.compliance.brand-registration.brand-registered', data: { sid: 'BNasleep', status: 'APPROVED' } },
      { id: 'e3', type: 'com.twilio.unrelated', data: { sid: 'XX1' } },
    ]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 3, duplicates: 0, signalled: 1 });
    expect(recorded.map((v) => v.slice(0, 4))).toEqual([
      ['event:e1', 'com.twilio.messaging.compliance.brand-registration.brand-registered', 'BNwoken', 'APPROVED'],
      ['event:e2', 'com.twilio.messaging.compliance.brand-registration.brand-registered', 'BNasleep', 'APPROVED'],
      ['event:e3', 'com.twilio.unrelated', null, null],
    ]);
  });
});
