import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync } from 'fastify';
import { findLatestNumber, findLiveNumber, listNumbers } from '../../db/numbers/numbers';
import { enforceQuota } from '../kit/quotas';
import { ErrorBody, IdempotencyKey } from '../../schemas/kit/common';
import { BuyNumberRequest, ListNumbersQuery, NumberConfig, NumberParams, PhoneNumber } from '../../schemas/numbers/numbers';
import { numberOpWorkflowId } from '../../schemas/kit/workflow-ids';
import { buyNumber, configureNumber, releaseNumber } from '../../workflows/index';
import type { ApiDeps } from '../kit/deps';
import { idempotencyKeyOf, isRepeat } from '../kit/idempotency';
import { checkBudget } from '../platform/costs';
import { HttpError, notFound } from '../kit/errors';
import { PENDING, runShortWorkflow } from '../kit/workflow-runner';

const Pending = z.object({ status: z.literal('pending'), message: z.string() });
const ConfigureNumberRequest = NumberConfig.extend({ detachFromTrunk: z.boolean().optional().describe('Take the number off its SIP trunk first') })
  .strict()
  .refine((c) => Object.keys(c).some((k) => k !== 'detachFromTrunk'), 'must set at least one field')
  .meta({ minProperties: 1 });
const IdempotencyHeaders = z.object({ 'idempotency-key': IdempotencyKey.optional() });

/** Seed actions buy_number, configure_number, release_number, and the tenant's inventory. */
export const numbersRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const pending = (what: string) => ({
    status: 'pending' as const,
    message: `${what} is still running; it will complete — poll GET /v1/numbers/{phoneNumber}`,
  });

  r.get(
    '/numbers',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['numbers'],
        summary: "List the tenant's numbers (newest first, cursor-paginated)",
        querystring: ListNumbersQuery,
        response: { 200: z.object({ data: z.array(PhoneNumber), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => listNumbers(deps.db, req.tenant.id, req.query),
  );

  r.get(
    '/numbers/:phoneNumber',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['numbers'],
        summary: 'Get one of the tenant’s numbers',
        params: NumberParams,
        response: { 200: PhoneNumber, 404: ErrorBody },
      },
    },
    async (req) => {
      const n = await findLatestNumber(deps.db, req.tenant.id, req.params.phoneNumber);
      if (!n) throw notFound('number');
      return n;
    },
  );

  r.post(
    '/numbers',
    {
      config: { scope: 'spend' },
      schema: {
        tags: ['numbers'],
        summary: 'Buy one number',
        description:
          'Buys the number and applies the optional configuration. Repeating a request with the same Idempotency-Key header joins the first one instead of buying again.',
        headers: IdempotencyHeaders,
        body: BuyNumberRequest,
        response: { 201: PhoneNumber, 202: Pending, 400: ErrorBody, 402: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const { phoneNumber, ...config } = req.body;
      if (!(await isRepeat(deps.db, req, 'numbers.buy'))) {
        await enforceQuota(deps.db, deps.config, req.tenant.id, 'numbers');
        await checkBudget(deps.db, req.tenant.id, deps.config.NUMBER_MONTHLY_USD, deps.config.NUMBER_MONTHLY_USD, `buying ${phoneNumber}`);
      }
      const requestId = await idempotencyKeyOf(deps.db, req, 'numbers.buy');
      const result = await runShortWorkflow(
        deps.temporal,
        deps.runner,
        buyNumber,
        numberOpWorkflowId(req.tenant.id, 'buy', phoneNumber, requestId),
        [{ tenantId: req.tenant.id, phoneNumber, config }],
      );
      if (result === PENDING) return reply.code(202).send(pending('the purchase'));
      if (result.status === 'purchased') return reply.code(201).send(result.number);
      throw new HttpError(
        result.status === 'unavailable' ? 409 : 400,
        result.status === 'unavailable' ? 'number_unavailable' : 'twilio_error',
        result.error.message,
        { twilio: result.error },
      );
    },
  );

  r.patch(
    '/numbers/:phoneNumber',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['numbers'],
        summary: 'Configure a number (voice/SMS webhooks, friendly name)',
        params: NumberParams,
        description:
          'A number on a SIP trunk ignores its voice URLs at Twilio (the trunk routes its calls): setting voiceUrl, voiceMethod or voiceFallbackUrl on it is a 409 `number_on_trunk`, unless "detachFromTrunk": true, which first takes it off its trunk.',
        body: ConfigureNumberRequest,
        response: { 200: PhoneNumber, 202: Pending, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const { detachFromTrunk, ...config } = req.body;
      const live = await findLiveNumber(deps.db, req.tenant.id, req.params.phoneNumber);
      const voice = (['voiceUrl', 'voiceMethod', 'voiceFallbackUrl'] as const).filter((k) => k in config);
      if (live?.sip_trunk_id && voice.length && !detachFromTrunk) {
        throw new HttpError(
          409,
          'number_on_trunk',
          `${req.params.phoneNumber} is on a SIP trunk, which routes its calls: Twilio ignores ${voice.join(', ')} while it is trunked. Detach it from the trunk first, or send "detachFromTrunk": true`,
          { fields: voice.map((field) => ({ field, message: 'ignored while the number is on a SIP trunk' })) },
        );
      }
      const result = await runShortWorkflow(
        deps.temporal,
        deps.runner,
        configureNumber,
        numberOpWorkflowId(req.tenant.id, 'configure', req.params.phoneNumber, randomUUID()),
        [{ tenantId: req.tenant.id, phoneNumber: req.params.phoneNumber, config, ...(detachFromTrunk ? { detachFromTrunk } : {}) }],
      );
      if (result === PENDING) return reply.code(202).send(pending('the update'));
      if (result.status === 'not_found') throw notFound('active number');
      return result.number;
    },
  );

  r.delete(
    '/numbers/:phoneNumber',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['numbers'],
        summary: 'Release a number back to Twilio',
        description: 'Takes the number off its SIP trunk and out of the tenant’s A2P Messaging Services first (the registration’s timeline says so).',
        params: NumberParams,
        response: { 200: PhoneNumber, 202: Pending, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const result = await runShortWorkflow(
        deps.temporal,
        deps.runner,
        releaseNumber,
        // One release per number at a time: a repeated DELETE joins the running one.
        numberOpWorkflowId(req.tenant.id, 'release', req.params.phoneNumber, 'current'),
        [{ tenantId: req.tenant.id, phoneNumber: req.params.phoneNumber, jobId: null }],
      );
      if (result === PENDING) return reply.code(202).send(pending('the release'));
      if (result.status === 'not_found') throw notFound('active number');
      if (result.status === 'rejected') throw new HttpError(400, 'twilio_error', result.error.message, { twilio: result.error });
      return result.number;
    },
  );
};
