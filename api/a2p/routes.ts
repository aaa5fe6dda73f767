import { z } from 'zod';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync, FastifySchemaCompiler } from 'fastify';
import { feesFromConfig } from '../../compliance/platform/prices';
import { preflight } from '../../compliance/a2p/preflight';
import { createRegistration, foreignNumbers, getRegistration, listRegistrations } from '../../db/a2p/registrations';
import { A2pCorrectionsBody, PreflightResult, RegistrationDraft, RegistrationView } from '../../schemas/a2p/registration';
import { ErrorBody, IdempotencyKey, PageQuery, pageOf, Uuid } from '../../schemas/kit/common';
import { a2pCorrectionsUpdate, a2pResendVerificationUpdate } from '../../workflows/a2p/registration';
import { startRegistrationWorkflow } from './registration-runner';
import type { ApiDeps } from '../kit/deps';
import { withTenantAdmission } from '../../db/platform/quotas';
import { HttpError } from '../kit/errors';
import { reviewedRegistrations, type ReviewedRegistrationKind } from '../kit/reviewed-registrations';
import { checkBudget } from '../platform/costs';

const RegistrationParams = z.object({ registrationId: Uuid('must be a registration id (UUID)') });

type A2pRow = NonNullable<Awaited<ReturnType<typeof getRegistration>>>;

/** A2P 10DLC registrations as a reviewed-registration kind: the chain of Trust Hub, TCR and campaign reviews. */
export const a2pRegistrations: ReviewedRegistrationKind<A2pRow> = {
  noun: 'registration',
  notFoundAs: 'registration',
  path: '/v1/a2p/registrations',
  workflowIdPrefix: 'a2p',
  find: getRegistration,
  start: (deps, tenantId, row, opts) =>
    startRegistrationWorkflow(deps.temporal, deps.config, { id: row.view.id, tenantId, draft: row.draft as RegistrationDraft, workflowId: row.workflowId }, opts),
};

/** A refused start: the error, plus preflight's whole report when the draft was what failed. */
const PreflightFailed = ErrorBody.extend(PreflightResult.partial().shape);

/**
 * The draft's schema is what the document shows, but preflight checks the draft itself (every problem at
 * once, with reasons and TCR's rejection causes), so Fastify only makes sure the body is an object.
 */
const draftCheckedByHandler: FastifySchemaCompiler<unknown> = (route) => {
  if (route.httpPart !== 'body') return validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
  return (data: unknown) =>
    data && typeof data === 'object' && !Array.isArray(data)
      ? { value: data }
      : { error: new Error('body: must be a registration draft (an object)') };
};

/** US A2P 10DLC: preflight, and registrations as durable workflows. */
export const a2pRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const fees = feesFromConfig(deps.config);
  const registrations = reviewedRegistrations(deps, a2pRegistrations);
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/a2p/preflight',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['a2p'],
        summary: 'Check a registration draft before any fee is spent',
        description:
          'Returns every missing or invalid field (with its path and a reason), the common TCR rejection causes found in the draft, and the cost estimate. Touches nothing at Twilio.',
        body: RegistrationDraft.describe('A registration draft; preflight also takes an incomplete one and lists what is missing'),
        response: { 200: PreflightResult },
      },
      validatorCompiler: draftCheckedByHandler,
    },
    async (req) => preflight(req.body, fees),
  );

  r.post(
    '/a2p/registrations',
    {
      config: { scope: 'spend' },
      schema: {
        tags: ['a2p'],
        summary: 'Start a registration (runs preflight first; refuses a draft that fails it)',
        headers: z.object({ 'idempotency-key': IdempotencyKey.optional() }),
        body: RegistrationDraft,
        response: { 202: RegistrationView, 400: PreflightFailed, 402: ErrorBody, 409: ErrorBody },
      },
      validatorCompiler: draftCheckedByHandler,
    },
    async (req, reply) => {
      const check = preflight(req.body, fees);
      if (!check.ok) {
        return reply.code(400).send({
          error: {
            code: 'preflight_failed',
            message: check.problems.map((p) => `${p.field}: ${p.message}`).join('; '),
            fields: check.problems.map((p) => ({ field: p.field, message: p.message })),
          },
          ...check,
        });
      }
      const draft = RegistrationDraft.parse(req.body);
      // Only the tenant's own numbers can join its campaign.
      const foreign = await foreignNumbers(deps.db, req.tenant.id, draft.phoneNumbers);
      if (foreign.length) {
        const fields = foreign.map(({ n, i }) => ({ field: `phoneNumbers.${i}`, message: `${n} is not an active number of this tenant; buy it first` }));
        throw new HttpError(400, 'validation_failed', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
      }
      const estimate = check.cost.oneTimeUsd + check.cost.monthlyUsd;
      return registrations.create(req, reply, draft, async ({ id, workflowId, idempotencyKey }) => {
        const repeat = idempotencyKey
          ? (await deps.db.query('SELECT 1 FROM a2p_registrations WHERE tenant_id = $1 AND idempotency_key = $2', [req.tenant.id, idempotencyKey])).rowCount
          : 0;
        // Checked and reserved together, one admission of the tenant at a time: two registrations that fit
        // the budget only one at a time can't both start.
        const created = await withTenantAdmission(deps.db, req.tenant.id, async () => {
          if (!repeat) await checkBudget(deps.db, req.tenant.id, estimate, fees.numberMonthly, 'this registration');
          return createRegistration(deps.db, { id, tenantId: req.tenant.id, draft, idempotencyKey, workflowId, budgetReservedUsd: estimate });
        });
        return { row: { view: created.view, workflowId: created.workflowId, draft: created.draft }, created: created.created, draft: created.draft };
      });
    },
  );

  r.get(
    '/a2p/registrations',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['a2p'],
        summary: 'List registrations, newest first',
        querystring: PageQuery,
        response: { 200: pageOf(RegistrationView) },
      },
    },
    async (req) => listRegistrations(deps.db, req.tenant.id, req.query),
  );

  r.get(
    '/a2p/registrations/:registrationId',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['a2p'],
        summary: 'Get a registration: status, current step, each resource’s SID and status, failure reasons, required action',
        params: RegistrationParams,
        response: { 200: RegistrationView, 404: ErrorBody },
      },
    },
    async (req) => (await registrations.found(req.tenant.id, req.params.registrationId)).view,
  );

  r.post(
    '/a2p/registrations/:registrationId/corrections',
    {
      config: { scope: 'spend' },
      schema: {
        tags: ['a2p'],
        summary: 'Send corrections for a registration in action_required; it resubmits',
        description:
          'A campaign resubmission is charged the vetting fee again and needs "approveCampaignResubmissionFee": true. ' +
          'Corrections sent one after another while the registration is still action_required are all applied, merged in the order sent (a later value for the same field wins), in one resubmission; ' +
          'The 202 answers once the workflow has taken them: the registration comes back running, resubmitting the step; ' +
          'from then, more are refused with 409 corrections_refused until the next review. ' +
          'A registration left in action_required past A2P_DEADLINE_CORRECTIONS_HOURS (30 days by default) ends failed as abandoned, cleaned up as a cancel is.',
        params: RegistrationParams,
        body: A2pCorrectionsBody,
        response: { 202: RegistrationView, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const found = await registrations.found(req.tenant.id, req.params.registrationId);
      const view = await registrations.update(req.tenant.id, found, a2pCorrectionsUpdate, [req.body], { code: 'corrections_refused', what: 'the corrections' });
      return reply.code(202).send(view);
    },
  );

  r.post(
    '/a2p/registrations/:registrationId/verification/resend',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['a2p'],
        summary: 'Send the customer’s OTP or Authentication+ e-mail again while the registration is waiting_for_customer',
        description:
          'A Sole Proprietor’s one-time password (Twilio’s SmsOtp) or a public company’s Authentication+ e-mail (Twilio’s 2fa), sent again; the OTP is valid 24 hours from then. ' +
          '409 not_waiting_for_customer when the registration waits for no customer action; Twilio’s refusal comes back as 409 twilio_error with Twilio’s code.',
        params: RegistrationParams,
        response: { 200: RegistrationView, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const found = await registrations.found(req.tenant.id, req.params.registrationId);
      return registrations.update(req.tenant.id, found, a2pResendVerificationUpdate, [], { code: 'not_waiting_for_customer', what: 'the resend', twilioCode: 'twilio_error' });
    },
  );

  r.post(
    '/a2p/registrations/:registrationId/cancel',
    {
      config: { scope: 'write' },
      schema: { tags: ['a2p'], summary: 'Cancel a registration at any step', params: RegistrationParams, response: { 202: RegistrationView, 404: ErrorBody, 409: ErrorBody } },
    },
    async (req, reply) => reply.code(202).send(await registrations.cancel(req.tenant.id, req.params.registrationId)),
  );
};
