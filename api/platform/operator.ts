import { createHash } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KeyRing } from '../../config/key-ring';
import { recordAuthFailure } from '../../db/platform/auth-failures';
import {
  closePlanOf,
  endRegistrationsOfClosingTenant,
  startClosingTenant,
  type ClosePlan,
  createOperatorTenant,
  findOperatorKey,
  IdempotencyConflictError,
  listOperatorTenants,
  operatorTenant,
  recordOperatorChange,
  setTenantSuspended,
  TenantNameTakenError,
  type OperatorTenantView,
} from '../../db/platform/operators';
import { ErrorBody, IdempotencyKey } from '../../schemas/kit/common';
import { tenantPrefix } from '../../schemas/kit/workflow-ids';
import { CloseDryRun, CloseTenantBody, CreatedTenant, CreateTenantBody, ListOperatorTenantsQuery, OperatorTenantPage, OperatorTenantParams, OperatorTenantView as OperatorTenantSchema } from '../../schemas/platform/operator';
import { tenantAccountClose, tenantAccountCreate, tenantAccountStatus } from '../../workflows/index';
import type { ApiDeps } from '../kit/deps';
import { HttpError, notFound } from '../kit/errors';
import { boundedTemporalCall } from '../kit/temporal-calls';
import { fitBodyLimits } from '../kit/plugins/body-limits';
import { refuseUnstorableText } from '../kit/plugins/text-guard';
import { PENDING, runShortWorkflow } from '../kit/workflow-runner';
import { CLOSE_TOKENS, confirmationTokenSigner } from './confirmation-tokens';
import { registerNumberTransferRoutes } from './number-transfers';

declare module 'fastify' {
  interface FastifyRequest {
    /** The operator key making an operator API request (never set on tenant routes). */
    operatorKey: { id: string; label: string };
  }
}

/** Every operator operation's OpenAPI security: the operator key, never a tenant's. */
const operatorSecurity = [{ operatorKey: [] }];
const NEEDS_OPERATOR = 'Needs an operator key (`tpo_…`, made with `npm run operator -- key create`); a tenant’s API key is refused (401).';
const IdempotencyHeaders = z.object({ 'idempotency-key': IdempotencyKey.optional() });

/**
 * The operator API (issue #24 §4): tenants made, listed, suspended and resumed by whoever runs the deployment,
 * authenticated by operator keys only — a tenant's key is refused here, and an operator key is no tenant's key
 * (the tenant routes refuse it). Every change goes in the tenant's audit trail with the operator key's id.
 */
export const operatorRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  registerOperatorAuth(app, deps);
  refuseUnstorableText(app);
  fitBodyLimits(app);
  const r = app.withTypeProvider<ZodTypeProvider>();
  const audit = (req: FastifyRequest, tenantId: string, action: string, httpStatus: number, params: Record<string, unknown>) =>
    recordOperatorChange(deps.db, { tenantId, operatorKeyId: req.operatorKey.id, action, httpStatus, summary: { method: req.method, path: req.url.split('?')[0]!, params } });
  const view = async (tenantId: string) => {
    const found = await operatorTenant(deps.db, tenantId, deps.config.TWILIO_ACCOUNT_SID);
    if (!found) throw notFound('tenant');
    return found;
  };

  r.post(
    '/tenants',
    {
      schema: {
        tags: ['operator'],
        summary: 'Make a tenant (operator key): its Twilio account and a first admin API key, shown in this answer only',
        description: `A \`subaccount\` tenant gets a Twilio subaccount of the deployment's account, named after the tenant. Repeating the request with the same Idempotency-Key header makes nothing twice (the answer carries a fresh admin key). 202: the subaccount is still being made (the binding says \`creating\`). ${NEEDS_OPERATOR}`,
        security: operatorSecurity,
        headers: IdempotencyHeaders,
        body: CreateTenantBody,
        response: { 201: CreatedTenant, 202: CreatedTenant, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const binding = req.body.binding ?? deps.config.TWILIO_TENANT_ACCOUNTS;
      const key = req.headers['idempotency-key'];
      const made = await createOperatorTenant(deps.db, { name: req.body.name, binding, idempotency: key ? { key, request: req.body } : undefined }).catch(refusal);
      let state = await view(made.tenant.id);
      if (state.binding.status === 'creating') {
        const done = await runShortWorkflow(deps.temporal, deps.runner, tenantAccountCreate, `${tenantPrefix(made.tenant.id)}/account-create`, [{ tenantId: made.tenant.id }]);
        if (done !== PENDING) state = await view(made.tenant.id);
      }
      const status = state.binding.status === 'creating' ? 202 : 201;
      if (!made.repeat) await audit(req, made.tenant.id, 'operator.tenants.create', status, { name: made.tenant.name, binding, accountSid: state.binding.accountSid });
      return reply.code(status).send({ tenant: made.tenant, binding: state.binding, apiKey: made.apiKey });
    },
  );

  r.get(
    '/tenants',
    {
      schema: {
        tags: ['operator'],
        summary: 'List the tenants (operator key), newest first, cursor-paginated: each with its Twilio account, live numbers and this month’s spend',
        description: NEEDS_OPERATOR,
        security: operatorSecurity,
        querystring: ListOperatorTenantsQuery,
        response: { 200: OperatorTenantPage },
      },
    },
    async (req) => listOperatorTenants(deps.db, req.query, deps.config.TWILIO_ACCOUNT_SID),
  );

  /** Suspends or resumes: the tenant's keys first (suspend) or last (resume), the subaccount at Twilio between. */
  async function setSuspended(req: FastifyRequest, tenantId: string, suspended: boolean): Promise<{ status: 200 | 202; body: OperatorTenantView }> {
    const before = await view(tenantId);
    if (['closing', 'closed'].includes(before.binding.status)) {
      throw new HttpError(409, 'account_closed', `the tenant's Twilio account is ${before.binding.status}: it can't be suspended or resumed`);
    }
    // Suspended before Twilio made it, the subaccount would come up active: the suspension waits for it instead.
    if (suspended && before.binding.status === 'creating') {
      throw new HttpError(409, 'account_creating', 'the tenant’s subaccount is still being made: retry once it is active');
    }
    if (suspended) await setTenantSuspended(deps.db, tenantId, true);
    if (before.binding.kind === 'subaccount' && before.binding.accountSid) {
      const status = suspended ? 'suspended' : 'active';
      const done = await runShortWorkflow(deps.temporal, deps.runner, tenantAccountStatus, `${tenantPrefix(tenantId)}/account-${status}`, [{ tenantId, status }]);
      if (done === PENDING) return { status: 202, body: await view(tenantId) };
    }
    if (!suspended) await setTenantSuspended(deps.db, tenantId, false);
    const after = await view(tenantId);
    // A repeat (the tenant already in that state) changes nothing and is not a change to audit.
    if (Boolean(before.suspendedAt) !== suspended || before.binding.status !== after.binding.status) {
      await audit(req, tenantId, suspended ? 'operator.tenants.suspend' : 'operator.tenants.resume', 200, { accountSid: after.binding.accountSid, bindingStatus: after.binding.status });
    }
    return { status: 200, body: after };
  }

  for (const action of ['suspend', 'resume'] as const) {
    r.post(
      `/tenants/:tenantId/${action}`,
      {
        schema: {
          tags: ['operator'],
          summary:
            action === 'suspend'
              ? 'Suspend a tenant (operator key): its keys may only read (403 tenant_suspended otherwise), and a subaccount is suspended at Twilio'
              : 'Resume a suspended tenant (operator key): its subaccount is active again at Twilio, and its keys may write',
          description: `Repeating it is harmless: the answer is the same state. 202: Twilio has not answered yet; the change completes. 409 \`account_creating\`: a suspend while the subaccount is still being made (retry once it is active); \`account_closed\`: the account is closing or closed. ${NEEDS_OPERATOR}`,
          security: operatorSecurity,
          params: OperatorTenantParams,
          response: { 200: OperatorTenantSchema, 202: OperatorTenantSchema, 409: ErrorBody },
        },
      },
      async (req, reply) => {
        const { status, body } = await setSuspended(req, req.params.tenantId, action === 'suspend');
        return reply.code(status).send(body satisfies OperatorTenantView);
      },
    );
  }

  const closeTokens = confirmationTokenSigner(KeyRing.fromConfig(deps.config), CLOSE_TOKENS);

  /** Runs (or, after a crash, resumes: same workflow id) the close at Twilio; 202 when it outlives the sync wait. */
  async function runClose(tenantId: string): Promise<{ status: 200 | 202; body: OperatorTenantView }> {
    const done = await runShortWorkflow(deps.temporal, deps.runner, tenantAccountClose, `${tenantPrefix(tenantId)}/account-close`, [{ tenantId }]);
    return { status: done === PENDING ? 202 : 200, body: await view(tenantId) };
  }

  /**
   * Cancels the tenant's running registrations through Temporal before the close: their clean-up runs while the
   * subaccount can still act (a closing one sends nothing, so it would wait forever). One still running when the
   * sync wait is over is terminated: the account's close takes its Twilio records with it. A registration whose
   * workflow never started (still queued) is ended here instead, before the sweep could start it; so is one
   * terminated — no workflow is left to end their rows.
   */
  async function cancelRegistrations(tenantId: string, registrations: ClosePlan['registrations']): Promise<void> {
    const deadline = Date.now() + deps.runner.syncTimeoutMs;
    const terminated: ClosePlan['registrations'] = [];
    const unstarted: ClosePlan['registrations'] = [];
    await Promise.all(
      registrations.map(async (registration) => {
        const handle = deps.temporal.workflow.getHandle(registration.workflowId);
        try {
          await boundedTemporalCall(deps.temporal, deps.runner.temporalTimeoutMs, () => handle.cancel());
          const ended = await Promise.race([handle.result().then(() => true, () => true), delay(Math.max(0, deadline - Date.now())).then(() => false)]);
          if (!ended) {
            await boundedTemporalCall(deps.temporal, deps.runner.temporalTimeoutMs, () => handle.terminate('its tenant is being closed'));
            terminated.push(registration);
          }
        } catch (err) {
          // Never started (still queued): nothing runs to cancel. (Already ended: its row is final.)
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          unstarted.push(registration);
        }
      }),
    );
    await endRegistrationsOfClosingTenant(deps.db, tenantId, unstarted, { onlyQueued: true, message: 'cancelled before it started: its tenant was closed' });
    await endRegistrationsOfClosingTenant(deps.db, tenantId, terminated, { onlyQueued: false, message: 'stopped: its tenant was closed while it was still running (its workflow was terminated); Twilio’s records went with the account' });
  }

  r.post(
    '/tenants/:tenantId/close',
    {
      schema: {
        tags: ['operator'],
        summary: 'Close a subaccount tenant (operator key): a dry run gives the plan and a confirmation token; with the token, the subaccount is closed at Twilio, for good',
        description: `Without \`confirmationToken\`: the plan — the numbers Twilio releases with the subaccount, the unfinished registrations (cancelled first; Twilio's records go with the account), the SIP trunks — and a token valid 15 minutes. With it: the tenant's keys become read-only, its running registrations are cancelled, the subaccount is closed at Twilio and its numbers marked released; the answer is the tenant, \`closed\` (202: Twilio has not answered yet; the close completes). 409 \`plan_changed\`: the plan is not the dry run's (ask for a new one). A shared or byo tenant: 409 \`close_not_supported\`. Repeating a close is harmless. ${NEEDS_OPERATOR}`,
        security: operatorSecurity,
        params: OperatorTenantParams,
        body: CloseTenantBody,
        response: { 200: z.union([CloseDryRun, OperatorTenantSchema]), 202: OperatorTenantSchema, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const { tenantId } = req.params;
      const before = await view(tenantId);
      refuseUnclosable(before);
      if (before.binding.status === 'closed') return reply.code(200).send(before);
      if (before.binding.status === 'closing') {
        const { status, body } = await runClose(tenantId);
        return reply.code(status).send(body);
      }
      const plan = await closePlanOf(deps.db, tenantId);
      const digest = planDigest(plan);
      const token = req.body.confirmationToken;
      if (token === undefined) {
        return reply.code(200).send({ tenant: before, binding: before.binding, plan: publicPlan(plan), confirmationToken: closeTokens.issue(tenantId, digest) });
      }
      if (closeTokens.digestOf(tenantId, token) !== digest) {
        throw new HttpError(409, 'plan_changed', 'what closing the tenant would lose changed since the dry run (numbers, registrations or trunks): ask for a new plan');
      }
      await cancelRegistrations(tenantId, plan.registrations);
      await startClosingTenant(deps.db, tenantId);
      const { status, body } = await runClose(tenantId);
      await audit(req, tenantId, 'operator.tenants.close', status, {
        accountSid: body.binding.accountSid,
        bindingStatus: body.binding.status,
        numbers: plan.numbers.length,
        registrationsCancelled: plan.registrations.length,
        trunks: plan.trunks.length,
      });
      return reply.code(status).send(body);
    },
  );

  registerNumberTransferRoutes(app, deps, audit, NEEDS_OPERATOR);
};

/** Only a subaccount the deployment made is ours to close; one still being made has nothing to close yet. */
function refuseUnclosable(t: OperatorTenantView) {
  if (t.binding.kind === 'shared') {
    throw new HttpError(409, 'close_not_supported', 'a shared tenant has no Twilio account of its own to close: release its numbers with a bulk release, then suspend it');
  }
  if (t.binding.kind === 'byo') {
    throw new HttpError(409, 'close_not_supported', "a byo tenant's Twilio account is the tenant's own to close: release its numbers with a bulk release, then suspend it");
  }
  if (t.binding.status === 'creating') throw new HttpError(409, 'account_creating', 'the tenant’s subaccount is still being made: retry once it is active');
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** The plan as the operator sees it (workflow ids are ours, not the operator's). */
const publicPlan = (p: ClosePlan) => ({
  numbers: p.numbers,
  registrations: p.registrations.map(({ id, product, status }) => ({ id, product, status })),
  trunks: p.trunks,
  irreversible: true as const,
});

/** What the confirmation token binds: the plan, in the stable order closePlanOf reads it. */
const planDigest = (p: ClosePlan) => createHash('sha256').update(JSON.stringify(publicPlan(p))).digest('base64url');

/** A refused creation in the API's terms: the name taken, or the Idempotency-Key used for another request. */
function refusal(err: unknown): never {
  if (err instanceof TenantNameTakenError) throw new HttpError(409, 'tenant_exists', err.message, { fields: [{ field: 'name', message: 'is taken' }] });
  if (err instanceof IdempotencyConflictError) throw new HttpError(409, 'idempotency_conflict', err.message);
  throw err;
}

/**
 * Operator keys only: `Authorization: Bearer tpo_…`. A tenant's key (or a console session) is not one and gets
 * 401; failures count against the client's address as on the tenant routes (guessing keys is slow).
 */
function registerOperatorAuth(app: FastifyInstance, deps: ApiDeps) {
  const failures = { perSecond: deps.config.AUTH_FAILURES_PER_MINUTE / 60, burst: deps.config.AUTH_FAILURES_BURST };
  app.decorateRequest('operatorKey', null as unknown as { id: string; label: string });
  app.addHook('onRequest', async (req, reply) => {
    const credential = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const key = credential ? await findOperatorKey(deps.db, credential) : null;
    if (key) {
      req.operatorKey = key;
      return;
    }
    const wait = await recordAuthFailure(deps.db, req.ip, failures);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new HttpError(429, 'rate_limited', `too many failed authentications from this address; retry after ${wait} s`);
    }
    throw new HttpError(401, 'unauthorized', credential ? 'not an operator key, or revoked: the operator API takes operator keys only' : 'missing Authorization: Bearer <operator key> header');
  });
}
