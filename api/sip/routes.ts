import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { SecretBox, wipeSecrets } from '../../db/platform/secrets';
import {
  createTrunkWithOperation,
  findTrunk,
  lastDesiredNumbers,
  listTrunks,
  queueOperation,
  TrunkBusyError,
  trunkNumbers,
  trunkView,
  type TrunkRow,
} from '../../db/sip/trunks';
import { ErrorBody, pageOf } from '../../schemas/kit/common';
import {
  AddOriginationUriRequest,
  AddPhoneNumbersRequest,
  CreateTrunkRequest,
  ListTrunksQuery,
  MAX_ORIGINATION_URIS,
  NumberRef,
  PatchTrunkRequest,
  TrunkHeaders,
  TrunkNumberView,
  TrunkParams,
  TrunkView,
  type TrunkSpec,
} from '../../schemas/sip/trunks';
import type { DesiredNumber, SipOperationInput } from '../../schemas/sip/workflow';
import { sipInspectTrunk } from '../../workflows/index';
import type { ApiDeps } from '../kit/deps';
import { startOrLeaveQueued } from '../kit/temporal-calls';
import { claimIdempotencyKey } from '../../db/kit/idempotency';
import { HttpError, notFound } from '../kit/errors';
import {
  checkDomain,
  checkListOwnership,
  checkTrunkLimit,
  inspectWorkflowId,
  operationWorkflowId,
  resolveNumbers,
  sealTermination,
  specOfCreate,
  startOperationWorkflow,
  wipedIfRefused,
} from './requests';
import { runShortWorkflow } from '../kit/workflow-runner';
import { enforceQuota } from '../kit/quotas';
import { withTenantAdmission } from '../../db/platform/quotas';

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const accepted = 'Answers 202 with the trunk at once; the change runs as a durable operation whose progress, failure and rollback report are in `operation` (poll GET /v1/sip/trunks/{trunkSid}).';

/**
 * Elastic SIP Trunking (the seed's eight trunk actions). Every change — create, configure, delete,
 * adding or removing an origination URI or a number — is one durable, compensated operation per trunk.
 */
export const sipRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const box = SecretBox.fromConfig(deps.config, 'sip-password');
  const taskQueue = deps.config.TEMPORAL_TASK_QUEUE;

  const owned = async (tenantId: string, ref: string) => {
    const t = await findTrunk(deps.db, tenantId, ref);
    if (!t) throw notFound('trunk');
    return t;
  };
  const changeable = (t: TrunkRow) => {
    if (t.status === 'deleted') throw new HttpError(409, 'trunk_deleted', 'the trunk was deleted');
    return t;
  };

  /** Queues an update (or delete) of a trunk and starts its workflow; 409 while another change runs. */
  async function change(reply: FastifyReply, tenantId: string, t: TrunkRow, kind: 'update' | 'delete', spec: TrunkSpec | null, numbers: DesiredNumber[], move: boolean, secretRefs: string[]) {
    const operationId = randomUUID();
    const workflowId = operationWorkflowId(tenantId, t.id, operationId);
    const input: SipOperationInput = { tenantId, trunkId: t.id, operationId, kind, spec, numbers, move, secretRefs };
    let row: TrunkRow;
    try {
      row = await queueOperation(deps.db, { id: operationId, tenantId, trunkId: t.id, kind, workflowId, input });
    } catch (err) {
      // Refused (another change runs): no operation will read the passwords sealed for this one.
      await wipeSecrets(deps.db, secretRefs);
      if (err instanceof TrunkBusyError) throw new HttpError(409, 'trunk_busy', `${err.message}; retry when its operation has finished`);
      throw err;
    }
    await startOrLeaveQueued({ temporal: deps.temporal, timeoutMs: deps.runner.temporalTimeoutMs, log: reply.log }, { kind: 'operation', id: operationId }, () =>
      startOperationWorkflow(deps.temporal, taskQueue, workflowId, input),
    );
    return reply.code(202).send(await trunkView(deps.db, row));
  }

  const currentNumbers = async (trunkId: string) =>
    (await trunkNumbers(deps.db, trunkId)).map((n) => ({ phoneNumber: n.phone_number, twilioSid: n.twilio_sid }));

  r.post(
    '/sip/trunks',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['sip'],
        summary: 'create_trunk: a whole trunk from one desired-state body',
        description: `Creates the trunk, sets recording, adds the origination URIs, creates and associates the credential lists and IP access control lists, attaches the numbers and reads the result back — as one saga that undoes what it did if a step fails for good. Secure (TLS + SRTP) by default. Passwords are write-only. Repeat with the same Idempotency-Key to get the same trunk (409 trunk_deleted once it has been deleted). ${accepted}`,
        headers: TrunkHeaders,
        body: CreateTrunkRequest,
        response: { 202: TrunkView, ...errors },
      },
    },
    async (req, reply) => {
      const tenantId = req.tenant.id;
      const key = req.headers['idempotency-key'] ?? null;
      // Passwords are left out of what the key is compared with: their hash would be kept.
      const comparable = JSON.parse(JSON.stringify(req.body, (k, v) => (k === 'password' ? undefined : v))) as unknown;
      if (key && !(await claimIdempotencyKey(deps.db, { tenantId, scope: 'sip.trunks', key, request: comparable }))) {
        throw new HttpError(409, 'idempotency_conflict', 'Idempotency-Key was already used for a different request');
      }
      if (key) {
        const { rows } = await deps.db.query<{ id: string }>('SELECT id FROM sip_trunks WHERE tenant_id = $1 AND idempotency_key = $2', [tenantId, key]);
        const earlier = rows[0] ? await findTrunk(deps.db, tenantId, rows[0].id) : null;
        // The key's trunk was deleted since: answering it as if just made would name a trunk nothing can address.
        if (earlier?.status === 'deleted') throw new HttpError(409, 'trunk_deleted', 'the trunk this Idempotency-Key created was deleted: use a new key to create another');
        if (earlier) return reply.code(202).header('location', `/v1/sip/trunks/${earlier.id}`).send(await trunkView(deps.db, earlier));
      }
      const body = req.body;
      const trunkId = randomUUID();
      const numbers = await resolveNumbers(deps.db, tenantId, trunkId, body.phoneNumbers, body.move);
      await checkListOwnership(deps.db, tenantId, body.termination);
      const domainName = (body.domainName ?? '').toLowerCase();
      if (domainName) await checkDomain(deps.db, domainName);
      // Refused early, before any password is sealed; checked again below with the create itself.
      await checkTrunkLimit(deps.db);
      await enforceQuota(deps.db, deps.config, tenantId, 'trunks');
      const secretRefs: string[] = [];
      const spec = await specOfCreate(deps.db, box, tenantId, trunkId, body, secretRefs);
      const operationId = randomUUID();
      const workflowId = operationWorkflowId(tenantId, trunkId, operationId);
      const input: SipOperationInput = { tenantId, trunkId, operationId, kind: 'create', spec, numbers, move: body.move, secretRefs };
      // The account's 100 trunks are every tenant's: each may hold its quota of them, checked with the create.
      // Nothing of a refused request stays behind: the passwords it sealed are wiped.
      const created = await wipedIfRefused(deps.db, secretRefs, () =>
        withTenantAdmission(deps.db, tenantId, async () => {
          await checkTrunkLimit(deps.db);
          await enforceQuota(deps.db, deps.config, tenantId, 'trunks');
          try {
            return await createTrunkWithOperation(deps.db, { id: trunkId, tenantId, spec, idempotencyKey: key, operation: { id: operationId, workflowId, input } });
          } catch (err) {
            // Two requests raced for one domain: the unique index decided.
            if ((err as { code?: string }).code === '23505') await checkDomain(deps.db, spec.domainName);
            throw err;
          }
        }),
      );
      // A request that raced another with the same Idempotency-Key joins its trunk: its own passwords serve nothing.
      if (!created.created) await wipeSecrets(deps.db, secretRefs);
      if (created.created) {
        await startOrLeaveQueued({ temporal: deps.temporal, timeoutMs: deps.runner.temporalTimeoutMs, log: reply.log }, { kind: 'operation', id: created.trunk.id }, () =>
          startOperationWorkflow(deps.temporal, taskQueue, workflowId, input),
        );
      }
      return reply.code(202).header('location', `/v1/sip/trunks/${created.trunk.id}`).send(await trunkView(deps.db, created.trunk));
    },
  );

  r.get(
    '/sip/trunks',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['sip'],
        summary: 'list_trunks: the tenant’s trunks, newest first (cursor-paginated)',
        description: 'Each trunk shows both its id and, once Twilio created it, its TK SID. Deleted trunks are left out unless status=deleted.',
        querystring: ListTrunksQuery,
        response: { 200: pageOf(TrunkView), 400: ErrorBody },
      },
    },
    async (req) => listTrunks(deps.db, req.tenant.id, req.query),
  );

  r.get(
    '/sip/trunks/:trunkSid',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['sip'],
        summary: 'get_trunk_details: settings, origination URIs, termination auth, numbers, recording, health findings, progress',
        description:
          'Reads the trunk live from Twilio (up to SIP_LIVE_READ_TIMEOUT_MS; otherwise, or with refresh=false, or while an operation runs, the last read, as `observedAt` says) and computes health findings: no_termination_auth, no_enabled_origination_uri, single_origination_uri, no_disaster_recovery_url, insecure_origination_uri, number_trunk_drift.',
        params: TrunkParams,
        querystring: z.object({ refresh: z.enum(['true', 'false']).default('true').transform((v) => v === 'true') }).strict(),
        response: { 200: TrunkView, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      let t = await owned(req.tenant.id, req.params.trunkSid);
      if (req.query.refresh && t.trunk_sid && (t.status === 'active' || t.status === 'failed')) {
        // A live read; when the workers are busy or down, the stored one still answers.
        await runShortWorkflow(deps.temporal, { ...deps.runner, syncTimeoutMs: deps.config.SIP_LIVE_READ_TIMEOUT_MS }, sipInspectTrunk, inspectWorkflowId(req.tenant.id, t.id), [
          { tenantId: req.tenant.id, trunkId: t.id },
        ]).catch((err) => req.log.warn({ err }, 'live trunk read failed; showing the stored one'));
        t = (await findTrunk(deps.db, req.tenant.id, t.id))!;
      }
      return trunkView(deps.db, t);
    },
  );

  r.patch(
    '/sip/trunks/:trunkSid',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['sip'],
        summary: 'configure_trunk: change any part of the desired state',
        description: `Only what differs from Twilio's state is changed there. Lists given (originationUris, termination lists, phoneNumbers) replace the current ones. If a step fails for good, the changes made so far are undone. ${accepted}`,
        params: TrunkParams,
        body: PatchTrunkRequest,
        response: { 202: TrunkView, ...errors },
      },
    },
    async (req, reply) => {
      const tenantId = req.tenant.id;
      const t = changeable(await owned(tenantId, req.params.trunkSid));
      const p = req.body;
      // A trunk whose creation failed holds no numbers yet: retrying it still means the numbers it was asked for.
      const keep = t.status === 'failed' ? (await lastDesiredNumbers(deps.db, t.id)).map((n) => n.phoneNumber) : null;
      const numbers = p.phoneNumbers
        ? await resolveNumbers(deps.db, tenantId, t.id, p.phoneNumbers, p.move ?? false)
        : keep
          ? await resolveNumbers(deps.db, tenantId, t.id, keep, p.move ?? false)
          : await currentNumbers(t.id);
      if (p.termination) await checkListOwnership(deps.db, tenantId, p.termination);
      const domainName = p.domainName?.toLowerCase();
      if (domainName && domainName !== t.domain_name) await checkDomain(deps.db, domainName, t.id);
      const secretRefs: string[] = [];
      const spec: TrunkSpec = {
        ...t.spec,
        friendlyName: p.friendlyName ?? t.spec.friendlyName,
        domainName: domainName ?? t.spec.domainName,
        secure: p.secure ?? t.spec.secure,
        cnamLookupEnabled: p.cnamLookupEnabled ?? t.spec.cnamLookupEnabled,
        transfer: { mode: p.transfer?.mode ?? t.spec.transfer.mode, callerId: p.transfer?.callerId ?? t.spec.transfer.callerId },
        recording: { mode: p.recording?.mode ?? t.spec.recording.mode, trim: p.recording?.trim ?? t.spec.recording.trim },
        disasterRecovery: p.disasterRecovery === undefined ? t.spec.disasterRecovery : p.disasterRecovery,
        originationUris: p.originationUris ?? t.spec.originationUris,
        termination: {
          credentialLists: p.termination?.credentialLists
            ? await sealTermination(deps.db, box, tenantId, p.termination.credentialLists, secretRefs)
            : t.spec.termination.credentialLists,
          ipAccessControlLists: p.termination?.ipAccessControlLists ?? t.spec.termination.ipAccessControlLists,
        },
      };
      return change(reply, tenantId, t, 'update', spec, numbers, p.move ?? false, secretRefs);
    },
  );

  r.delete(
    '/sip/trunks/:trunkSid',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['sip'],
        summary: 'delete_trunk: detach its numbers (they stay the tenant’s), delete the trunk and the lists created for it',
        description: `Numbers get back the voice application they had before they were attached. Credential lists and IP access control lists the service created for this trunk are deleted unless another of your trunks uses them. ${accepted}`,
        params: TrunkParams,
        response: { 202: TrunkView, ...errors },
      },
    },
    async (req, reply) => {
      const t = await owned(req.tenant.id, req.params.trunkSid);
      if (t.status === 'deleted') throw notFound('trunk');
      return change(reply, req.tenant.id, t, 'delete', null, [], false, []);
    },
  );

  r.post(
    '/sip/trunks/:trunkSid/origination-uris',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['sip'],
        summary: 'add_origination_uri: where Twilio sends inbound calls (sip: only; priority/weight for failover)',
        description: `A secure trunk needs ;transport=tls on its URIs (the response's warnings say so). ${accepted}`,
        params: TrunkParams,
        body: AddOriginationUriRequest,
        response: { 202: TrunkView, ...errors },
      },
    },
    async (req, reply) => {
      const t = changeable(await owned(req.tenant.id, req.params.trunkSid));
      const uris = t.spec.originationUris;
      if (uris.some((u) => u.sipUrl.toLowerCase() === req.body.sipUrl.toLowerCase())) {
        throw new HttpError(409, 'origination_uri_exists', `sipUrl: ${req.body.sipUrl} is already an origination URI of this trunk`, { fields: [{ field: 'sipUrl', message: 'already an origination URI of this trunk' }] });
      }
      if (uris.length >= MAX_ORIGINATION_URIS) {
        throw new HttpError(409, 'origination_uri_limit', `a trunk has at most ${MAX_ORIGINATION_URIS} origination URIs (Twilio 21249)`);
      }
      return change(reply, req.tenant.id, t, 'update', { ...t.spec, originationUris: [...uris, req.body] }, await currentNumbers(t.id), false, []);
    },
  );

  r.delete(
    '/sip/trunks/:trunkSid/origination-uris/:sid',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['sip'],
        summary: 'Remove an origination URI (by its OU SID)',
        description: accepted,
        params: TrunkParams.extend({ sid: z.string().max(34).regex(/^OU[0-9a-f]{32}$/, 'must be an origination URI SID (OU…)') }),
        response: { 202: TrunkView, ...errors },
      },
    },
    async (req, reply) => {
      const t = changeable(await owned(req.tenant.id, req.params.trunkSid));
      const uri = t.snapshot?.originationUris.find((u) => u.sid === req.params.sid);
      if (!uri) throw notFound('origination URI');
      const originationUris = t.spec.originationUris.filter((u) => u.sipUrl.toLowerCase() !== uri.sipUrl.toLowerCase());
      return change(reply, req.tenant.id, t, 'update', { ...t.spec, originationUris }, await currentNumbers(t.id), false, []);
    },
  );

  r.post(
    '/sip/trunks/:trunkSid/phone-numbers',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['sip'],
        summary: 'add_phone_number: attach the tenant’s numbers (E.164 or PN SID) to the trunk',
        description: `A number is on one trunk at a time: one on another trunk is a 409 unless "move": true. At Twilio a trunked number ignores its voice URLs and loses its voice application (restored when it is detached). ${accepted}`,
        params: TrunkParams,
        body: AddPhoneNumbersRequest,
        response: { 202: TrunkView, ...errors },
      },
    },
    async (req, reply) => {
      const t = changeable(await owned(req.tenant.id, req.params.trunkSid));
      const added = await resolveNumbers(deps.db, req.tenant.id, t.id, req.body.phoneNumbers, req.body.move);
      const numbers = new Map((await currentNumbers(t.id)).map((n) => [n.twilioSid, n]));
      for (const n of added) numbers.set(n.twilioSid, n);
      return change(reply, req.tenant.id, t, 'update', t.spec, [...numbers.values()], req.body.move, []);
    },
  );

  r.get(
    '/sip/trunks/:trunkSid/phone-numbers',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['sip'],
        summary: 'list_phone_numbers: the numbers on the trunk',
        params: TrunkParams,
        response: { 200: z.object({ data: z.array(TrunkNumberView), nextCursor: z.null() }), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const t = await owned(req.tenant.id, req.params.trunkSid);
      const drift = new Map((t.snapshot?.drift ?? []).map((d) => [d.twilioSid, d.trunkSidAtTwilio]));
      const data = (await currentNumbers(t.id)).map((n) => ({ ...n, trunkSidAtTwilio: drift.has(n.twilioSid) ? drift.get(n.twilioSid)! : t.trunk_sid }));
      return { data, nextCursor: null };
    },
  );

  r.delete(
    '/sip/trunks/:trunkSid/phone-numbers/:number',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['sip'],
        summary: 'Detach a number from the trunk (E.164 or PN SID); it stays the tenant’s, with its voice application restored',
        description: accepted,
        params: TrunkParams.extend({ number: NumberRef }),
        response: { 202: TrunkView, ...errors },
      },
    },
    async (req, reply) => {
      const t = changeable(await owned(req.tenant.id, req.params.trunkSid));
      const current = await currentNumbers(t.id);
      const target = current.find((n) => n.phoneNumber === req.params.number || n.twilioSid === req.params.number);
      if (!target) throw notFound('number on this trunk');
      return change(reply, req.tenant.id, t, 'update', t.spec, current.filter((n) => n !== target), false, []);
    },
  );
};
