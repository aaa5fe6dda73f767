import { isDeepStrictEqual } from 'node:util';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync } from 'fastify';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { tollfreePreflight } from '../../compliance/tollfree/preflight';
import { createTollfreeVerification, getTollfreeVerification, listTollfreeVerifications } from '../../db/tollfree/verifications';
import { ErrorBody, IdempotencyKey, PageQuery, pageOf, Uuid } from '../../schemas/kit/common';
import { TollfreeDraft, TollfreeEdit, TollfreePreflight, TollfreeStatus, TollfreeVerificationView } from '../../schemas/tollfree/verification';
import { tenantPrefix } from '../../schemas/kit/workflow-ids';
import { tollfreeEditUpdate } from '../../workflows/tollfree/verification';
import { startTollfreeWorkflow } from './runner';
import type { ApiDeps } from '../app';
import { boundedTemporalCall, startOrLeaveQueued } from '../kit/temporal-calls';
import { HttpError, notFound } from '../kit/errors';

const Params = z.object({ verificationId: Uuid('must be a verification id (UUID)') });
const PreflightFailed = ErrorBody.extend(TollfreePreflight.partial().shape);

/** Toll-free verification: preflight, and verifications as durable workflows with their edit window. */
export const tollfreeRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  /** The preflight's report, with the number checked too: one of the tenant's live toll-free numbers. */
  async function check(tenantId: string, draft: TollfreeDraft) {
    const report = tollfreePreflight(draft);
    const { rows } = await deps.db.query<{ twilio_sid: string }>(
      `SELECT twilio_sid FROM phone_numbers WHERE tenant_id = $1 AND phone_number = $2 AND status = 'active' AND twilio_sid IS NOT NULL`,
      [tenantId, draft.tollfreePhoneNumber],
    );
    if (!rows[0]) report.problems.unshift({ field: 'tollfreePhoneNumber', code: 'not_your_number', message: `${draft.tollfreePhoneNumber} is not an active number of yours`, twilioCode: null });
    return { report: { ...report, ok: report.problems.length === 0 }, numberSid: rows[0]?.twilio_sid ?? null };
  }

  r.post(
    '/tollfree/preflight',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['tollfree'],
        summary: 'Check a toll-free verification before submitting it',
        description: 'Every problem that would stop a submission (with the Twilio rejection code it anticipates) and warnings reviewers act on. Touches nothing at Twilio.',
        body: TollfreeDraft,
        response: { 200: TollfreePreflight, 400: ErrorBody },
      },
    },
    async (req) => (await check(req.tenant.id, req.body)).report,
  );

  r.post(
    '/tollfree/verifications',
    {
      config: { scope: 'spend' },
      schema: {
        tags: ['tollfree'],
        summary: 'Verify a toll-free number (runs preflight first; refuses a draft that fails it)',
        description:
          'Submits the verification and follows Twilio’s review (weeks; seconds in the sandbox’s fast mode). A rejection leaves it action_required with the reasons and Twilio’s edit window; ' +
          'POST …/edit within it resubmits. One verification in progress or approved per number while you hold it (409 number_busy); a number released and bought again may be verified anew.',
        headers: z.object({ 'idempotency-key': IdempotencyKey.optional() }),
        body: TollfreeDraft,
        response: { 202: TollfreeVerificationView, 400: PreflightFailed, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const { report, numberSid } = await check(req.tenant.id, req.body);
      if (!report.ok) {
        return reply.code(400).send({
          error: { code: 'preflight_failed', message: report.problems.map((p) => `${p.field ?? 'draft'}: ${p.message}`).join('; '), fields: report.problems.map((p) => ({ field: p.field ?? 'draft', message: p.message })) },
          ...report,
        });
      }
      const id = randomUUID();
      const created = await createTollfreeVerification(deps.db, {
        id, tenantId: req.tenant.id, draft: req.body, numberSid: numberSid!, idempotencyKey: req.headers['idempotency-key'] ?? null, workflowId: `${tenantPrefix(req.tenant.id)}/tollfree-${id}`,
      });
      if (created.kind === 'number_busy') throw new HttpError(409, 'number_busy', `${req.body.tollfreePhoneNumber} already has a verification in progress or approved (${created.existingId})`);
      if (created.kind === 'repeated' && !isDeepStrictEqual(created.found.view.draft, JSON.parse(JSON.stringify(req.body)))) {
        throw new HttpError(409, 'idempotency_conflict', 'Idempotency-Key was already used for a different verification');
      }
      const { view, workflowId } = created.found;
      if (view.status === 'queued') {
        await startOrLeaveQueued({ temporal: deps.temporal, timeoutMs: deps.runner.temporalTimeoutMs, log: reply.log }, { kind: 'verification', id: view.id }, () =>
          startTollfreeWorkflow(deps.temporal, deps.config, { id: view.id, tenantId: req.tenant.id, workflowId }),
        );
      }
      return reply.code(202).header('location', `/v1/tollfree/verifications/${view.id}`).send(view);
    },
  );

  r.get(
    '/tollfree/verifications',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['tollfree'],
        summary: 'List toll-free verifications, newest first',
        querystring: PageQuery.extend({ status: TollfreeStatus.optional() }).strict(),
        response: { 200: pageOf(TollfreeVerificationView) },
      },
    },
    async (req) => listTollfreeVerifications(deps.db, req.tenant.id, req.query),
  );

  const found = async (tenantId: string, id: string) => {
    const f = await getTollfreeVerification(deps.db, tenantId, id);
    if (!f) throw notFound('toll-free verification');
    return f;
  };

  r.get(
    '/tollfree/verifications/:verificationId',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['tollfree'],
        summary: 'A verification: status, Twilio’s status, rejection reasons with their codes, the edit window, timeline',
        params: Params,
        response: { 200: TollfreeVerificationView, 404: ErrorBody },
      },
    },
    async (req) => (await found(req.tenant.id, req.params.verificationId)).view,
  );

  r.post(
    '/tollfree/verifications/:verificationId/edit',
    {
      config: { scope: 'spend' },
      schema: {
        tags: ['tollfree'],
        summary: 'Edit a rejected verification within Twilio’s edit window; it goes back to review',
        description: '409 not_editable when the verification is not action_required or its edit window has closed (then verify the number anew).',
        params: Params,
        body: TollfreeEdit,
        response: { 202: TollfreeVerificationView, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const f = await found(req.tenant.id, req.params.verificationId);
      const edited = { ...f.view.draft, ...req.body, business: { ...f.view.draft.business, ...req.body.business } };
      const { editReason: _reason, ...draft } = edited as TollfreeDraft & { editReason?: string };
      const report = tollfreePreflight(draft as TollfreeDraft);
      if (!report.ok) throw new HttpError(400, 'preflight_failed', report.problems.map((p) => `${p.field ?? 'draft'}: ${p.message}`).join('; '), { fields: report.problems.map((p) => ({ field: p.field ?? 'draft', message: p.message })) });
      try {
        await boundedTemporalCall(deps.temporal, deps.runner.syncTimeoutMs, () => deps.temporal.workflow.getHandle(f.workflowId).executeUpdate(tollfreeEditUpdate, { args: [req.body] }));
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw new HttpError(409, 'not_editable', (err.cause as Error | undefined)?.message ?? err.message);
        if (err instanceof WorkflowNotFoundError) throw new HttpError(409, 'verification_finished', 'the verification is no longer running');
        throw err;
      }
      return reply.code(202).send((await found(req.tenant.id, f.view.id)).view);
    },
  );

  r.post(
    '/tollfree/verifications/:verificationId/cancel',
    {
      config: { scope: 'write' },
      schema: { tags: ['tollfree'], summary: 'Cancel a verification: it is withdrawn at Twilio', params: Params, response: { 202: TollfreeVerificationView, 404: ErrorBody, 409: ErrorBody } },
    },
    async (req, reply) => {
      const f = await found(req.tenant.id, req.params.verificationId);
      if (f.view.finishedAt) throw new HttpError(409, 'verification_finished', `the verification is already ${f.view.status}`);
      try {
        await boundedTemporalCall(deps.temporal, deps.runner.temporalTimeoutMs, () =>
          startTollfreeWorkflow(deps.temporal, deps.config, { id: f.view.id, tenantId: req.tenant.id, workflowId: f.workflowId }, { cancel: true }),
        );
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) throw new HttpError(409, 'verification_finished', 'the verification has just finished');
        throw err;
      }
      return reply.code(202).send(f.view);
    },
  );
};
