import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync } from 'fastify';
import { createVoiceTrustRegistration, getVoiceTrustRegistration, isTenantsBusinessProfile, listVoiceTrustRegistrations } from '../../db/voice-trust/registrations';
import { ErrorBody, IdempotencyKey, isTollFree, PageQuery, pageOf, Uuid } from '../../schemas/kit/common';
import { VoiceTrustCorrections, VoiceTrustDraft, VoiceTrustProduct, VoiceTrustRegistrationView } from '../../schemas/voice-trust/registration';
import { voiceTrustCorrectionsUpdate } from '../../workflows/voice-trust/registration';
import { startVoiceTrustWorkflow } from './runner';
import type { ApiDeps } from '../kit/deps';
import { HttpError } from '../kit/errors';
import { reviewedRegistrations, type ReviewedRegistrationKind } from '../kit/reviewed-registrations';

const Params = z.object({ registrationId: Uuid('must be a registration id (UUID)') });

type VoiceTrustRow = NonNullable<Awaited<ReturnType<typeof getVoiceTrustRegistration>>>;

/** Voice trust registrations as a reviewed-registration kind: one trust product, reviewed by Twilio. */
export const voiceTrustRegistrations: ReviewedRegistrationKind<VoiceTrustRow> = {
  noun: 'registration',
  notFoundAs: 'voice trust registration',
  path: '/v1/voice-trust/registrations',
  workflowIdPrefix: 'voice-trust',
  find: getVoiceTrustRegistration,
  start: (deps, tenantId, row, opts) =>
    startVoiceTrustWorkflow(deps.temporal, deps.config, { id: row.view.id, tenantId, product: row.view.product, workflowId: row.workflowId }, opts),
};

/** Voice trust: SHAKEN/STIR, CNAM and Voice Integrity registrations, each a durable workflow. */
export const voiceTrustRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const registrations = reviewedRegistrations(deps, voiceTrustRegistrations);
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

      return registrations.create(req, reply, draft, async ({ id, workflowId, idempotencyKey }) => {
        const created = await createVoiceTrustRegistration(deps.db, {
          id, tenantId: req.tenant.id, draft, idempotencyKey, workflowId,
          numbers: draft.phoneNumbers.map((n) => ({ phoneNumber: n, twilioSid: sids.get(n)! })),
        });
        return { row: created, created: created.created, draft: created.draft };
      });
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
    async (req) => (await registrations.found(req.tenant.id, req.params.registrationId)).view,
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
      const found = await registrations.found(req.tenant.id, req.params.registrationId);
      const view = await registrations.update(req.tenant.id, found, voiceTrustCorrectionsUpdate, [req.body], { code: 'corrections_refused', what: 'the corrections' });
      return reply.code(202).send(view);
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
    async (req, reply) => reply.code(202).send(await registrations.cancel(req.tenant.id, req.params.registrationId)),
  );
};
