import { isDeepStrictEqual } from 'node:util';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync } from 'fastify';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { createVoiceTrustRegistration, getVoiceTrustRegistration, isTenantsBusinessProfile, listVoiceTrustRegistrations } from '../../db/voice-trust/registrations';
import { ErrorBody, IdempotencyKey, isTollFree, PageQuery, pageOf, Uuid } from '../../schemas/kit/common';
import { VoiceTrustCorrections, VoiceTrustDraft, VoiceTrustProduct, VoiceTrustRegistrationView } from '../../schemas/voice-trust/registration';
import { tenantPrefix } from '../../schemas/kit/workflow-ids';
import { voiceTrustCorrectionsUpdate } from '../../workflows/voice-trust/registration';
import { startVoiceTrustWorkflow } from './runner';
import type { ApiDeps } from '../app';
import { boundedTemporalCall, startOrLeaveQueued } from '../kit/temporal-calls';
import { HttpError, notFound } from '../kit/errors';

const Params = z.object({ registrationId: Uuid('must be a registration id (UUID)') });

/** Voice trust: SHAKEN/STIR, CNAM and Voice Integrity registrations, each a durable workflow. */
export const voiceTrustRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const invalid = (fields: { field: string; message: string }[]) =>
    new HttpError(400, 'validation_failed', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });

  r.post(
    '/voice-trust/registrations',
    {
      config: { scope: 'spend' },
      schema: {
        tags: ['voice-trust'],
        summary: 'Register numbers for SHAKEN/STIR (A attestation), CNAM (caller name) or Voice Integrity (spam analytics)',
        description:
          'Each number goes on the business profile first, then on the product’s trust product, which is evaluated and submitted for Twilio’s review. ' +
          'Follow it with GET; a rejection or a failed evaluation leaves it action_required until corrections are sent. The same Idempotency-Key finds the same registration.',
        headers: z.object({ 'idempotency-key': IdempotencyKey.optional() }),
        body: VoiceTrustDraft,
        response: { 202: VoiceTrustRegistrationView, 400: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const draft = req.body;
      if (!(await isTenantsBusinessProfile(deps.db, req.tenant.id, draft.businessProfileSid))) {
        throw invalid([{ field: 'businessProfileSid', message: 'is not one of your business profiles (make one with an A2P registration or POST /v1/a2p/business-profiles)' }]);
      }
      const { rows } = await deps.db.query<{ phone_number: string; twilio_sid: string }>(
        `SELECT phone_number, twilio_sid FROM phone_numbers WHERE tenant_id = $1 AND status = 'active' AND twilio_sid IS NOT NULL AND phone_number = ANY($2)`,
        [req.tenant.id, draft.phoneNumbers],
      );
      const sids = new Map(rows.map((n) => [n.phone_number, n.twilio_sid]));
      const problems = draft.phoneNumbers.flatMap((n, i) =>
        !sids.has(n)
          ? [{ field: `phoneNumbers.${i}`, message: `${n} is not an active number of yours` }]
          : draft.product === 'cnam' && isTollFree(n)
            ? [{ field: `phoneNumbers.${i}`, message: `${n} is toll-free: Twilio does not set toll-free CNAM through its API` }]
            : [],
      );
      if (problems.length) throw invalid(problems);

      const id = randomUUID();
      const key = req.headers['idempotency-key'] ?? null;
      const created = await createVoiceTrustRegistration(deps.db, {
        id, tenantId: req.tenant.id, draft, idempotencyKey: key, workflowId: `${tenantPrefix(req.tenant.id)}/voice-trust-${id}`,
        numbers: draft.phoneNumbers.map((n) => ({ phoneNumber: n, twilioSid: sids.get(n)! })),
      });
      if (!created.created && !isDeepStrictEqual(created.draft, JSON.parse(JSON.stringify(draft)))) {
        throw new HttpError(409, 'idempotency_conflict', 'Idempotency-Key was already used for a different registration');
      }
      if (created.view.status === 'queued') {
        await startOrLeaveQueued({ temporal: deps.temporal, timeoutMs: deps.runner.temporalTimeoutMs, log: reply.log }, { kind: 'registration', id: created.view.id }, () =>
          startVoiceTrustWorkflow(deps.temporal, deps.config, { id: created.view.id, tenantId: req.tenant.id, product: draft.product, workflowId: created.workflowId }),
        );
      }
      return reply.code(202).header('location', `/v1/voice-trust/registrations/${created.view.id}`).send(created.view);
    },
  );

  r.get(
    '/voice-trust/registrations',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['voice-trust'],
        summary: 'List voice trust registrations, newest first',
        querystring: PageQuery.extend({ product: VoiceTrustProduct.optional() }).strict(),
        response: { 200: pageOf(VoiceTrustRegistrationView) },
      },
    },
    async (req) => listVoiceTrustRegistrations(deps.db, req.tenant.id, req.query),
  );

  const found = async (tenantId: string, id: string) => {
    const f = await getVoiceTrustRegistration(deps.db, tenantId, id);
    if (!f) throw notFound('voice trust registration');
    return f;
  };

  r.get(
    '/voice-trust/registrations/:registrationId',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['voice-trust'],
        summary: 'A registration: status, step, the trust product and its Twilio status, each number (and its attestation), problems, timeline',
        params: Params,
        response: { 200: VoiceTrustRegistrationView, 404: ErrorBody },
      },
    },
    async (req) => (await found(req.tenant.id, req.params.registrationId)).view,
  );

  r.post(
    '/voice-trust/registrations/:registrationId/corrections',
    {
      config: { scope: 'spend' },
      schema: {
        tags: ['voice-trust'],
        summary: 'Send corrections for a registration in action_required; it resubmits ({} resubmits as is, e.g. after fixing the business profile)',
        params: Params,
        body: VoiceTrustCorrections,
        response: { 202: VoiceTrustRegistrationView, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const f = await found(req.tenant.id, req.params.registrationId);
      try {
        await boundedTemporalCall(deps.temporal, deps.runner.syncTimeoutMs, () =>
          deps.temporal.workflow.getHandle(f.workflowId).executeUpdate(voiceTrustCorrectionsUpdate, { args: [req.body] }),
        );
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw new HttpError(409, 'corrections_refused', (err.cause as Error | undefined)?.message ?? err.message);
        if (err instanceof WorkflowNotFoundError) throw new HttpError(409, 'registration_finished', 'the registration is no longer running');
        throw err;
      }
      return reply.code(202).send((await found(req.tenant.id, f.view.id)).view);
    },
  );

  r.post(
    '/voice-trust/registrations/:registrationId/cancel',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['voice-trust'],
        summary: 'Cancel a registration: its numbers leave the trust product, which is deleted with its end user (the numbers stay on the business profile)',
        params: Params,
        response: { 202: VoiceTrustRegistrationView, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const f = await found(req.tenant.id, req.params.registrationId);
      if (f.view.finishedAt) throw new HttpError(409, 'registration_finished', `the registration is already ${f.view.status}`);
      try {
        await boundedTemporalCall(deps.temporal, deps.runner.temporalTimeoutMs, () =>
          startVoiceTrustWorkflow(deps.temporal, deps.config, { id: f.view.id, tenantId: req.tenant.id, product: f.view.product, workflowId: f.workflowId }, { cancel: true }),
        );
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) throw new HttpError(409, 'registration_finished', 'the registration has just finished');
        throw err;
      }
      return reply.code(202).send(f.view);
    },
  );
};
