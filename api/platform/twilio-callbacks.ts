import { createHash } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { A2pStatusEvent } from '../../schemas/a2p/workflow';
import { voiceTrustStatusSignal } from '../../workflows/voice-trust/registration';
import { a2pStatusSignal } from '../../workflows/a2p/registration';
import type { ApiDeps } from '../app';
import { HttpError } from '../kit/errors';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH, tooDeep } from '../kit/plugins/json-depth';
import { boundedTemporalCall, TemporalUnavailableError } from '../kit/temporal-calls';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

interface Target {
  registrationId: string;
  workflowId: string;
}

/** Event Streams' words → the REST status they stand for (the workflow re-reads REST anyway). */
const eventStatus: Record<string, string> = {
  registered: 'APPROVED', registration_failed: 'FAILED', approved: 'VERIFIED', failure: 'FAILED', pending: 'IN_PROGRESS', successful: 'REGISTERED', failed: 'FAILED',
};

/**
 * Twilio's callbacks are a few KiB (a status form post; one CloudEvent, as sinks are made unbatched): anything
 * far larger is refused (413) before it is read, as every /v1 body is.
 */
const CALLBACK_BODY_LIMIT = 64 * 1024;

/** How long identical signed status callbacks count as one delivery (Twilio's retries come within minutes). */
export const CALLBACK_REPLAY_WINDOW_S = 600;

/**
 * What X-Twilio-Signature covers — the URL and every form field (a repeated field's values deduplicated and
 * sorted, as Twilio signs them) — as one digest: two deliveries with the same one are the same callback.
 */
export function signedContentDigest(url: string, params: Record<string, string | string[]>): string {
  const fields = Object.keys(params).sort().map((name) => {
    const v = params[name]!;
    return [name, typeof v === 'string' ? v : [...new Set(v)].sort()];
  });
  return createHash('sha256').update(JSON.stringify([url, fields])).digest('hex');
}

/**
 * Twilio's webhooks: Trust Hub StatusCallbacks (form posts) and Event Streams (JSON CloudEvents).
 * Each is verified with X-Twilio-Signature against the account's auth token (403 otherwise, nothing
 * signalled), deduplicated, mapped to its registration and signalled to that workflow.
 */
export const webhookRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  await app.register(formbody);
  // Event Streams signs the raw body's SHA-256: keep it. The app's JSON parser is replaced here, depth bound included.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    req.rawBody = body as string;
    if (jsonNestsDeeperThan(body as string, MAX_JSON_DEPTH)) return done(tooDeep(), undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new HttpError(400, 'invalid_json', 'body is not JSON'), undefined);
    }
  });
  const base = (deps.config.PUBLIC_BASE_URL ?? `http://${deps.config.API_HOST}:${deps.config.API_PORT}`).replace(/\/$/, '');
  const token = deps.config.TWILIO_AUTH_TOKEN;
  const publicUrl = (req: FastifyRequest) => `${base}${req.url}`;

  function verify(req: FastifyRequest, valid: (signature: string) => boolean) {
    const signature = req.headers['x-twilio-signature'];
    if (typeof signature !== 'string' || !signature || !valid(signature)) {
      req.log.warn({ url: req.url }, 'rejected a webhook with a missing or invalid signature');
      throw new HttpError(403, 'invalid_signature', 'X-Twilio-Signature is missing or invalid');
    }
  }

  /** Records a delivery once; false when it was seen before. */
  async function firstTime(key: string, kind: string, sid: string | null, status: string | null) {
    const { rowCount } = await deps.db.query(
      'INSERT INTO webhook_events (key, kind, resource_sid, status) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING',
      [key, kind, sid, status],
    );
    return rowCount === 1;
  }

  /**
   * Records a status callback; false when it is a replay. Only what the signature covers identifies one
   * (the unsigned I-Twilio-Idempotency-Token can be changed by anyone replaying a captured callback), and
   * Trust Hub's signed params (AccountSid, BundleSid, Status, FailureReason) carry no event id or time, so a
   * genuine repeat (rejected, resubmitted, rejected again) looks exactly like a replay. So identical signed
   * content is a replay only while it is recent (CALLBACK_REPLAY_WINDOW_S) and nothing else was heard
   * about the resource since; otherwise it is news. At worst a replay wakes the workflow for one more
   * status check, which re-reads Twilio; a dropped genuine callback would leave it waiting for its poll.
   */
  async function freshCallback(digest: string, sid: string, status: string | null) {
    const { rowCount } = await deps.db.query(
      `INSERT INTO webhook_events AS seen (key, kind, resource_sid, status) VALUES ($1, 'status-callback', $2, $3)
       ON CONFLICT (key) DO UPDATE SET received_at = now()
        WHERE seen.received_at < now() - make_interval(secs => $4)
           OR EXISTS (SELECT 1 FROM webhook_events other
                       WHERE other.kind = 'status-callback' AND other.resource_sid = seen.resource_sid
                         AND other.key <> seen.key AND other.received_at > seen.received_at)`,
      [`callback:${digest}`, sid, status, CALLBACK_REPLAY_WINDOW_S],
    );
    return rowCount === 1;
  }

  async function targetOf(sql: string, sid: string): Promise<Target | null> {
    const { rows } = await deps.db.query(
      `SELECT r.id AS registration_id, r.workflow_id FROM a2p_registrations r WHERE r.id = (${sql})`,
      [sid],
    );
    return rows[0] ? { registrationId: rows[0].registration_id, workflowId: rows[0].workflow_id } : null;
  }

  async function signal(target: Target | null, event: A2pStatusEvent, via: string): Promise<boolean> {
    if (!target) return false;
    await deps.db.query(
      `INSERT INTO a2p_events (tenant_id, registration_id, type, message, data) SELECT tenant_id, id, 'webhook', $2, $3 FROM a2p_registrations WHERE id = $1`,
      [target.registrationId, `${via}: ${event.kind.replaceAll('_', ' ')} ${event.sid} ${event.status}`, JSON.stringify(event)],
    );
    try {
      await boundedTemporalCall(deps.temporal, deps.config.API_TEMPORAL_TIMEOUT_MS, () => deps.temporal.workflow.getHandle(target.workflowId).signal(a2pStatusSignal, event));
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false; // finished or never started: nothing to wake
      if (err instanceof TemporalUnavailableError) return false; // the workflow's own polling picks the change up
      throw err;
    }
  }

  /** A voice trust registration's trust product: its timeline notes the callback and its workflow looks again. */
  async function signalVoiceTrust(sid: string, status: string): Promise<{ registrationId: string; signalled: boolean } | null> {
    const { rows } = await deps.db.query<{ id: string; workflow_id: string }>('SELECT id, workflow_id FROM voice_trust_registrations WHERE trust_product_sid = $1', [sid]);
    const target = rows[0];
    if (!target) return null;
    await deps.db.query(
      `INSERT INTO voice_trust_events (tenant_id, registration_id, type, message, data) SELECT tenant_id, id, 'webhook', $2, $3 FROM voice_trust_registrations WHERE id = $1`,
      [target.id, `Trust Hub status callback: trust product ${sid} ${status}`, JSON.stringify({ sid, status })],
    );
    try {
      await boundedTemporalCall(deps.temporal, deps.config.API_TEMPORAL_TIMEOUT_MS, () => deps.temporal.workflow.getHandle(target.workflow_id).signal(voiceTrustStatusSignal));
      return { registrationId: target.id, signalled: true };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || err instanceof TemporalUnavailableError) return { registrationId: target.id, signalled: false };
      throw err;
    }
  }

  /** Refuses a body of another media type than the webhook's own, before anything reads it. */
  function requireMediaType(req: FastifyRequest, type: string) {
    const sent = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (sent !== type) throw new HttpError(415, 'unsupported_media_type', `this webhook accepts ${type} bodies only`);
  }

  app.post('/webhooks/twilio/status-callback', { schema: { hide: true }, bodyLimit: CALLBACK_BODY_LIMIT }, async (req) => {
    // Twilio posts status callbacks form-encoded: fields are strings (a repeated field, a list of them).
    requireMediaType(req, 'application/x-www-form-urlencoded');
    const params = (req.body ?? {}) as Record<string, string | string[]>;
    const field = Object.entries(params).find(([, v]) => typeof v !== 'string' && !(Array.isArray(v) && v.every((x) => typeof x === 'string')));
    if (field) throw new HttpError(400, 'invalid_request', `${field[0]}: is not a form field value`, { fields: [{ field: field[0], message: 'is not a form field value' }] });
    verify(req, (sig) => twilio.validateRequest(token, sig, publicUrl(req), params));
    const value = (name: string) => (typeof params[name] === 'string' ? (params[name] as string) : undefined);
    const sid = value('BundleSid') ?? '';
    const status = value('Status');
    if (!(await freshCallback(signedContentDigest(publicUrl(req), params), sid, status ?? null))) return { accepted: true, duplicate: true, signalled: false };
    const voiceTrust = await signalVoiceTrust(sid, status ?? '');
    if (voiceTrust) return { accepted: true, duplicate: false, signalled: voiceTrust.signalled, registrationId: voiceTrust.registrationId };
    const target = await targetOf('SELECT registration_id FROM a2p_profiles WHERE profile_sid = $1', sid);
    const { rows } = await deps.db.query('SELECT kind FROM a2p_profiles WHERE profile_sid = $1', [sid]);
    const signalled = await signal(target, { kind: rows[0]?.kind ?? 'customer_profile', sid, status: status ?? '' }, 'Trust Hub status callback');
    return { accepted: true, duplicate: false, signalled, registrationId: target?.registrationId ?? null };
  });

  app.post('/webhooks/twilio/events', { schema: { hide: true }, bodyLimit: CALLBACK_BODY_LIMIT }, async (req) => {
    requireMediaType(req, 'application/json');
    verify(req, (sig) => twilio.validateRequestWithBody(token, sig, publicUrl(req), req.rawBody ?? ''));
    const events = Array.isArray(req.body) ? (req.body as { id?: string; type?: string; data?: Record<string, string> }[]) : [];
    let signalled = 0;
    let duplicates = 0;
    for (const e of events) {
      const data = e.data ?? {};
      const type = String(e.type ?? '');
      let event: A2pStatusEvent | null = null;
      let target: Target | null = null;
      if (type.includes('brand-registration') && data.brandsid) {
        event = { kind: 'brand', sid: data.brandsid, status: eventStatus[data.brandstatus ?? ''] ?? data.brandstatus ?? '' };
        target = await targetOf('SELECT registration_id FROM a2p_brands WHERE brand_sid = $1', data.brandsid);
      } else if (type.includes('campaign-registration') && data.campaignsid) {
        event = { kind: 'campaign', sid: data.campaignsid, status: eventStatus[data.campaignregistrationstatus ?? ''] ?? '' };
        target = await targetOf('SELECT registration_id FROM a2p_campaigns WHERE campaign_sid = $1', data.campaignsid);
      } else if (type.includes('number-registration') && data.messagingservicesid) {
        event = { kind: 'number', sid: data.phonenumber ?? '', status: eventStatus[data.numberregistrationstatus ?? ''] ?? '' };
        target = await targetOf('SELECT registration_id FROM a2p_campaigns WHERE messaging_service_sid = $1 LIMIT 1', data.messagingservicesid);
      }
      if (!(await firstTime(`event:${e.id ?? JSON.stringify(e)}`, type || 'unknown', event?.sid ?? null, event?.status ?? null))) {
        duplicates += 1;
        continue;
      }
      if (event && (await signal(target, event, `Event Streams ${type.split('.').at(-1)}`))) signalled += 1;
    }
    return { accepted: events.length, duplicates, signalled };
  });
};
