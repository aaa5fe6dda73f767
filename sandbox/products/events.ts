import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { Deliverer } from '../deliveries';
import type { MessagingStore, Sink, Subscription } from '../messaging-store';
import type { ReviewClock } from '../review-clock';
import type { SandboxState } from '../state';
import { formJson, formString, iso, newSid, originOf, pageV1, TwilioError } from '../wire';

type Query = Record<string, string | undefined>;

/** Publishes one CloudEvent to every sink whose subscription lists its type, per account. */
export type Publish = (accountSid: string, type: string, source: string, data: Record<string, unknown>) => void;

export function createPublisher(state: SandboxState, store: MessagingStore, clock: ReviewClock, deliverer: Deliverer): Publish {
  return (accountSid, type, source, data) => {
    const token = state.accounts.get(accountSid)?.authToken;
    if (!token) return;
    const sinks = new Set(
      [...store.subscriptions.values()].filter((s) => s.accountSid === accountSid && s.types.includes(type)).map((s) => s.sinkSid),
    );
    for (const sinkSid of sinks) {
      const sink = store.sinks.get(sinkSid);
      if (!sink) continue;
      const event = {
        specversion: '1.0', type, source, id: randomUUID(), dataschema: `https://events-schemas.twilio.com/${type.split('.').slice(-2).join('.')}/1`,
        datacontenttype: 'application/json', time: clock.now().toISOString(), data: { accountsid: accountSid, ...data, timestamp: clock.now().toISOString() },
      };
      deliverer.events(sink.destination, [event], token);
    }
  };
}

/** Event Streams v1: webhook Sinks and Subscriptions (what brand, campaign and number events go to). */
export const eventsProduct: FastifyPluginAsync<{ store: MessagingStore; clock: ReviewClock }> = async (app, { store, clock }) => {
  const serializeSink = (s: Sink, origin: string) => {
    const url = `${origin}/v1/Sinks/${s.sid}`;
    return {
      date_created: iso(s.dateCreated), date_updated: iso(s.dateCreated), description: s.description, sid: s.sid,
      sink_configuration: { destination: s.destination, method: 'POST', batch_events: false }, sink_type: 'webhook', status: 'active',
      url, links: { sink_test: `${url}/Test`, sink_validate: `${url}/Validate` },
    };
  };
  const serializeSubscription = (s: Subscription, origin: string) => {
    const url = `${origin}/v1/Subscriptions/${s.sid}`;
    return {
      account_sid: s.accountSid, sid: s.sid, date_created: iso(s.dateCreated), date_updated: iso(s.dateCreated), description: s.description,
      sink_sid: s.sinkSid, url, links: { subscribed_events: `${url}/SubscribedEvents` },
    };
  };
  const ownedSink = (accountSid: string, sid: string) => {
    const s = store.sinks.get(sid);
    if (!s || s.accountSid !== accountSid) throw new TwilioError(404, 20404, `The requested resource /v1/Sinks/${sid} was not found`);
    return s;
  };
  const ownedSubscription = (accountSid: string, sid: string) => {
    const s = store.subscriptions.get(sid);
    if (!s || s.accountSid !== accountSid) throw new TwilioError(404, 20404, `The requested resource /v1/Subscriptions/${sid} was not found`);
    return s;
  };

  app.post('/v1/Sinks', async (req, reply) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const description = formString(form.Description);
    if (!description || formString(form.SinkType) !== 'webhook') throw new TwilioError(400, 20001, 'Description and SinkType=webhook are required');
    const config = formJson(form.SinkConfiguration);
    const destination = String(config.destination ?? '');
    if (!/^https?:\/\//.test(destination)) throw new TwilioError(400, 20001, 'SinkConfiguration.destination must be an http(s) URL');
    const s: Sink = { sid: newSid('DG'), accountSid: req.accountSid, description, destination, dateCreated: clock.now() };
    store.sinks.set(s.sid, s);
    return reply.code(201).send(serializeSink(s, originOf(req)));
  });
  app.get('/v1/Sinks', async (req) =>
    pageV1('sinks', [...store.sinks.values()].filter((s) => s.accountSid === req.accountSid).map((s) => serializeSink(s, originOf(req))), originOf(req), '/v1/Sinks', req.query as Query),
  );
  app.get('/v1/Sinks/:Sid', async (req) => serializeSink(ownedSink(req.accountSid, (req.params as { Sid: string }).Sid), originOf(req)));
  app.post('/v1/Sinks/:Sid', async (req) => {
    const s = ownedSink(req.accountSid, (req.params as { Sid: string }).Sid);
    const d = formString((req.body as Record<string, unknown> | undefined)?.Description);
    if (d) s.description = d;
    return serializeSink(s, originOf(req));
  });
  app.delete('/v1/Sinks/:Sid', async (req, reply) => {
    const s = ownedSink(req.accountSid, (req.params as { Sid: string }).Sid);
    if ([...store.subscriptions.values()].some((x) => x.sinkSid === s.sid)) throw new TwilioError(400, 20001, 'Sink has subscriptions');
    store.sinks.delete(s.sid);
    return reply.code(204).send();
  });

  app.post('/v1/Subscriptions', async (req, reply) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const description = formString(form.Description);
    const sinkSid = formString(form.SinkSid);
    if (!description || !sinkSid) throw new TwilioError(400, 20001, 'Description, SinkSid and Types are required');
    ownedSink(req.accountSid, sinkSid);
    // Each Types value is a JSON object {type, schema_version}.
    const types = [form.Types].flat().filter((t) => t !== undefined).map((t) => String(formJson(t).type ?? ''));
    if (types.length === 0 || types.some((t) => !t)) throw new TwilioError(400, 20001, 'Types must list {"type": ...} objects');
    const s: Subscription = { sid: newSid('DF'), accountSid: req.accountSid, sinkSid, description, types, dateCreated: clock.now() };
    store.subscriptions.set(s.sid, s);
    return reply.code(201).send(serializeSubscription(s, originOf(req)));
  });
  app.get('/v1/Subscriptions', async (req) => {
    const q = req.query as Query;
    const list = [...store.subscriptions.values()].filter((s) => s.accountSid === req.accountSid && (!q.SinkSid || s.sinkSid === q.SinkSid));
    return pageV1('subscriptions', list.map((s) => serializeSubscription(s, originOf(req))), originOf(req), '/v1/Subscriptions', q);
  });
  app.get('/v1/Subscriptions/:Sid', async (req) => serializeSubscription(ownedSubscription(req.accountSid, (req.params as { Sid: string }).Sid), originOf(req)));
  app.post('/v1/Subscriptions/:Sid', async (req) => {
    const s = ownedSubscription(req.accountSid, (req.params as { Sid: string }).Sid);
    const d = formString((req.body as Record<string, unknown> | undefined)?.Description);
    if (d) s.description = d;
    return serializeSubscription(s, originOf(req));
  });
  app.delete('/v1/Subscriptions/:Sid', async (req, reply) => {
    store.subscriptions.delete(ownedSubscription(req.accountSid, (req.params as { Sid: string }).Sid).sid);
    return reply.code(204).send();
  });
};
