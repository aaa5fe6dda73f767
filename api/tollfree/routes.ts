import { z } from 'zod';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync, FastifySchemaCompiler } from 'fastify';
import { tollfreePreflight } from '../../compliance/tollfree/preflight';
import { createTollfreeVerification, getTollfreeVerification, listTollfreeVerifications } from '../../db/tollfree/verifications';
import { ErrorBody, IdempotencyKey, PageQuery, pageOf, Uuid } from '../../schemas/kit/common';
import { TollfreeDraft, TollfreeEdit, TollfreePreflight, TollfreeStatus, TollfreeVerificationView } from '../../schemas/tollfree/verification';
import { tollfreeEditUpdate } from '../../workflows/tollfree/verification';
import { startTollfreeWorkflow } from './runner';
import type { ApiDeps } from '../kit/deps';
import { HttpError } from '../kit/errors';
import { reviewedRegistrations, type ReviewedRegistrationKind } from '../kit/reviewed-registrations';

const Params = z.object({ verificationId: Uuid('must be a verification id (UUID)') });

type TollfreeRow = NonNullable<Awaited<ReturnType<typeof getTollfreeVerification>>>;

/** Toll-free verifications as a reviewed-registration kind: one verification at Twilio, with its edit window. */
export const tollfreeVerifications: ReviewedRegistrationKind<TollfreeRow> = {
  noun: 'verification',
  notFoundAs: 'toll-free verification',
  path: '/v1/tollfree/verifications',
  workflowIdPrefix: 'tollfree',
  find: getTollfreeVerification,
  start: (deps, tenantId, row, opts) => startTollfreeWorkflow(deps.temporal, deps.config, { id: row.view.id, tenantId, workflowId: row.workflowId }, opts),
};
const PreflightFailed = ErrorBody.extend(TollfreePreflight.partial().shape);

/**
 * As A2P preflight (api/a2p/routes.ts): the document shows the draft's schema, but preflight checks the draft
 * itself (every problem at once), so Fastify only makes sure the body is an object.
 */
const draftCheckedByHandler: FastifySchemaCompiler<unknown> = (route) => {
  if (route.httpPart !== 'body') return validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
  return (data: unknown) =>
    data && typeof data === 'object' && !Array.isArray(data) ? { value: data } : { error: new Error('body: must be a verification draft (an object)') };
};

/** Toll-free verification: preflight, and verifications as durable workflows with their edit window. */
export const tollfreeRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const verifications = reviewedRegistrations(deps, tollfreeVerifications);
  const r = app.withTypeProvider<ZodTypeProvider>();

  /**
   * The preflight's report, with the number checked too: one of the tenant's live toll-free numbers (when the
   * draft has a well-formed one; a missing or malformed number is already a problem of the draft).
   */
  async function check(tenantId: string, draft: unknown) {
    const report = tollfreePreflight(draft);
    const number = (draft as { tollfreePhoneNumber?: unknown }).tollfreePhoneNumber;
    if (typeof number !== 'string' || report.problems.some((p) => p.field === 'tollfreePhoneNumber')) return { report, numberSid: null };
    const { rows } = await deps.db.query<{ twilio_sid: string }>(
      `SELECT twilio_sid FROM phone_numbers WHERE tenant_id = $1 AND phone_number = $2 AND status = 'active' AND twilio_sid IS NOT NULL`,
      [tenantId, number],
    );
    if (!rows[0]) report.problems.unshift({ field: 'tollfreePhoneNumber', code: 'not_your_number', message: `${number} is not an active number of yours`, twilioCode: null });
    return { report: { ...report, ok: report.problems.length === 0 }, numberSid: rows[0]?.twilio_sid ?? null };
  }

  r.post(
    '/tollfree/preflight',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['tollfree'],
        summary: 'Check a toll-free verification before submitting it',
        description:
          'Every problem that would stop a submission (with the Twilio rejection code it anticipates) and warnings reviewers act on. ' +
          'Takes an incomplete draft too, as it is being typed: each missing or invalid field is a problem (codes as in A2P preflight: required, wrong_type, too_short, not_allowed, invalid_format, unknown_field, …). Touches nothing at Twilio.',
        body: TollfreeDraft.describe('A verification draft; preflight also takes an incomplete one and lists what is missing'),
        response: { 200: TollfreePreflight, 400: ErrorBody },
      },
      validatorCompiler: draftCheckedByHandler,
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
      return verifications.create(req, reply, req.body, async ({ id, workflowId, idempotencyKey }) => {
        const created = await createTollfreeVerification(deps.db, { id, tenantId: req.tenant.id, draft: req.body, numberSid: numberSid!, idempotencyKey, workflowId });
        if (created.kind === 'number_busy') throw new HttpError(409, 'number_busy', `${req.body.tollfreePhoneNumber} already has a verification in progress or approved (${created.existingId})`);
        return { row: created.found, created: created.kind === 'created', draft: created.found.view.draft };
      });
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
    async (req) => (await verifications.found(req.tenant.id, req.params.verificationId)).view,
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
      const f = await verifications.found(req.tenant.id, req.params.verificationId);
      const edited = { ...f.view.draft, ...req.body, business: { ...f.view.draft.business, ...req.body.business } };
      const { editReason: _reason, ...draft } = edited as TollfreeDraft & { editReason?: string };
      const report = tollfreePreflight(draft as TollfreeDraft);
      if (!report.ok) throw new HttpError(400, 'preflight_failed', report.problems.map((p) => `${p.field ?? 'draft'}: ${p.message}`).join('; '), { fields: report.problems.map((p) => ({ field: p.field ?? 'draft', message: p.message })) });
      const view = await verifications.update(req.tenant.id, f, tollfreeEditUpdate, [req.body], { code: 'not_editable', what: 'the edit' });
      return reply.code(202).send(view);
    },
  );

  r.post(
    '/tollfree/verifications/:verificationId/cancel',
    {
      config: { scope: 'write' },
      schema: { tags: ['tollfree'], summary: 'Cancel a verification: it is withdrawn at Twilio', params: Params, response: { 202: TollfreeVerificationView, 404: ErrorBody, 409: ErrorBody } },
    },
    async (req, reply) => reply.code(202).send(await verifications.cancel(req.tenant.id, req.params.verificationId)),
  );
};
