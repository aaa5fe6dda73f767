import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KeyRing } from '../../config/key-ring';
import { operatorTenant, type OperatorTenantView } from '../../db/platform/operators';
import { bindingOf } from '../../db/platform/twilio-bindings';
import {
  createNumberTransfer,
  numberTransferOf,
  transferByToken,
  transferPlanOf,
  type TransferPlanNumber,
} from '../../db/platform/number-transfers';
import { ErrorBody } from '../../schemas/kit/common';
import { tenantPrefix } from '../../schemas/kit/workflow-ids';
import { NumberTransferParams, NumberTransferView, TransferDryRun, TransferNumbersBody } from '../../schemas/platform/number-transfer';
import { numbersTransfer } from '../../workflows/index';
import type { ApiDeps } from '../kit/deps';
import { HttpError, notFound } from '../kit/errors';
import { PENDING, runShortWorkflow } from '../kit/workflow-runner';
import { confirmationTokenSigner, TRANSFER_TOKENS } from './confirmation-tokens';

/** What a number keeps when it moves (Twilio moves the IncomingPhoneNumber resource itself). */
const KEEPS = [
  'its phone number and PN SID',
  'its voice and messaging URLs, methods and friendly name (Twilio keeps them; check they suit the new tenant)',
  'its capabilities',
];

type Audit = (req: FastifyRequest, tenantId: string, action: string, httpStatus: number, params: Record<string, unknown>) => Promise<unknown>;

/**
 * `POST /v1/operator/numbers/transfer` (issue #24 §4): numbers move between two tenants' accounts of the
 * deployment's hierarchy (the deployment's own, for shared tenants, and its subaccounts). As a close: a dry run
 * lists what each number loses and gives a confirmation token bound to that plan; with the token, a workflow
 * detaches, moves and hands over each number. Registered inside the operator routes (operator keys only).
 */
export function registerNumberTransferRoutes(app: FastifyInstance, deps: ApiDeps, audit: Audit, description: string) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tokens = confirmationTokenSigner(KeyRing.fromConfig(deps.config), TRANSFER_TOKENS);
  /** A tenant's Twilio account: its binding's, or the deployment's for a shared tenant. */
  const accountOf = async (tenantId: string) => (await bindingOf(deps.db, tenantId)).accountSid ?? deps.config.TWILIO_ACCOUNT_SID;
  const view = async (id: string) => {
    const found = await numberTransferOf(deps.db, id, accountOf);
    if (!found) throw notFound('transfer');
    return found;
  };

  /** Runs (or joins) the transfer's workflow; 200 with the ended transfer, 202 while it runs. */
  async function run(t: { id: string; workflowId: string; fromTenantId: string; numbers: Pick<TransferPlanNumber, 'phoneNumber' | 'twilioSid'>[] }) {
    const before = await view(t.id);
    if (before.finishedAt) return { status: 200 as const, body: before };
    const numbers = t.numbers.map(({ phoneNumber, twilioSid }) => ({ phoneNumber, twilioSid }));
    const done = await runShortWorkflow(deps.temporal, deps.runner, numbersTransfer, t.workflowId, [{ transferId: t.id, fromTenantId: t.fromTenantId, numbers }]);
    const after = await view(t.id);
    return { status: done === PENDING || !after.finishedAt ? (202 as const) : (200 as const), body: after };
  }

  r.post(
    '/numbers/transfer',
    {
      schema: {
        tags: ['operator'],
        summary: 'Move numbers from one tenant to another (operator key): a dry run lists what each number loses and gives a confirmation token; with the token, the numbers move',
        description:
          'Within the deployment’s Twilio hierarchy only (shared and subaccount tenants; a byo tenant’s account is not the deployment’s: 409 `transfer_not_supported`). ' +
          'Without `confirmationToken`: the plan — each number with what does not move with it at Twilio (its SIP trunk, its Messaging Services and so its A2P campaign, its trust products, an approved toll-free verification), each with what the gaining tenant does to have it again — and a token valid 15 minutes. ' +
          'With it: each number is detached from those first (recorded on the products’ timelines), moved with the deployment’s credentials (`AccountSid` on the IncomingPhoneNumber), and handed over: the first tenant’s row ends `transferred`, the second gets a live row. ' +
          'A number Twilio refuses (21613: the gaining account needs an Address, …) fails alone, with Twilio’s code and the fix, and stays with the first tenant. 200: the transfer ended (`succeeded`, `partial` or `failed`); 202: it is still running (GET /v1/operator/numbers/transfers/{id}). ' +
          '400 names the field: a number the first tenant does not hold live (`numbers.N`), the same tenant twice, an unknown tenant. 409 `number_busy`: a number is under a toll-free review or in another transfer; `account_not_active`: either tenant’s account is not active; `plan_changed`: the plan is not the dry run’s. Repeating the confirmed request answers the same transfer. ' +
          description,
        security: [{ operatorKey: [] }],
        body: TransferNumbersBody,
        response: { 200: z.union([TransferDryRun, NumberTransferView]), 202: NumberTransferView, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const { fromTenantId, toTenantId, numbers, confirmationToken } = req.body;
      const subject = `${fromTenantId}>${toTenantId}`;
      const tokenHash = confirmationToken === undefined ? null : createHash('sha256').update(confirmationToken).digest('hex');
      const repeat = tokenHash ? await transferByToken(deps.db, tokenHash) : null;
      if (repeat) {
        const { status, body } = await run(repeat);
        return reply.code(status).send(body);
      }
      if (fromTenantId === toTenantId) throw fieldError('toTenantId', 'is fromTenantId: a transfer moves numbers to another tenant');
      const [from, to] = await Promise.all([side(fromTenantId, 'fromTenantId'), side(toTenantId, 'toTenantId')]);
      const found = await transferPlanOf(deps.db, fromTenantId, numbers);
      const notHeld = found.refusals.filter((x) => x.kind === 'not_held');
      if (notHeld.length) throw fieldErrors(notHeld.map((x) => ({ field: `numbers.${x.index}`, message: x.message })));
      if (found.refusals.length) {
        throw new HttpError(409, 'number_busy', found.refusals.map((x) => x.message).join('; '), { fields: found.refusals.map((x) => ({ field: `numbers.${x.index}`, message: x.message })) });
      }
      const plan = { from: { tenantId: from.id, accountSid: from.binding.accountSid! }, to: { tenantId: to.id, accountSid: to.binding.accountSid! }, numbers: found.numbers, keeps: KEEPS };
      const digest = createHash('sha256').update(JSON.stringify(plan)).digest('base64url');
      if (confirmationToken === undefined) return reply.code(200).send({ ...plan, confirmationToken: tokens.issue(subject, digest) });
      if (tokens.digestOf(subject, confirmationToken) !== digest) {
        throw new HttpError(409, 'plan_changed', 'what the transfer would move or detach changed since the dry run: ask for a new plan');
      }
      const id = randomUUID();
      const workflowId = `${tenantPrefix(fromTenantId)}/numbers-transfer/${id}`;
      await createNumberTransfer(deps.db, { id, fromTenantId, toTenantId, operatorKeyId: req.operatorKey.id, workflowId, tokenHash: tokenHash!, numbers: found.numbers }).catch(busyOnConflict);
      const params = { transferId: id, fromTenantId, toTenantId, numbers: found.numbers.map((n) => n.phoneNumber), detached: found.numbers.reduce((s, n) => s + n.loses.length, 0) };
      await audit(req, fromTenantId, 'operator.numbers.transfer_out', 202, params);
      await audit(req, toTenantId, 'operator.numbers.transfer_in', 202, params);
      const { status, body } = await run({ id, workflowId, fromTenantId, numbers: found.numbers });
      return reply.code(status).send(body);
    },
  );

  r.get(
    '/numbers/transfers/:transferId',
    {
      schema: {
        tags: ['operator'],
        summary: 'A number transfer (operator key): its status and each number’s, with what it lost and Twilio’s refusal where there was one',
        description,
        security: [{ operatorKey: [] }],
        params: NumberTransferParams,
        response: { 200: NumberTransferView },
      },
    },
    async (req) => view(req.params.transferId),
  );

  /** A tenant on one side of a transfer: it exists, its numbers are in the deployment's hierarchy, its account is active. */
  async function side(tenantId: string, field: 'fromTenantId' | 'toTenantId'): Promise<OperatorTenantView> {
    const t = await operatorTenant(deps.db, tenantId, deps.config.TWILIO_ACCOUNT_SID);
    if (!t) throw fieldError(field, 'is no tenant of this deployment');
    if (t.binding.kind === 'byo') {
      throw new HttpError(409, 'transfer_not_supported', `${field}: a byo tenant's account is its own, outside the deployment's hierarchy; Twilio moves numbers between unrelated accounts only through its support (a project transfer)`, {
        fields: [{ field, message: 'is a byo tenant' }],
      });
    }
    if (t.binding.status !== 'active' || t.suspendedAt) {
      throw new HttpError(409, 'account_not_active', `${field}: the tenant's Twilio account is ${t.suspendedAt && t.binding.status === 'active' ? 'suspended' : t.binding.status}; resume it first`, {
        fields: [{ field, message: `is ${t.binding.status}` }],
      });
    }
    return t;
  }
}

const fieldError = (field: string, message: string) => fieldErrors([{ field, message }]);
const fieldErrors = (fields: { field: string; message: string }[]) =>
  new HttpError(400, 'invalid_request', fields.map((f) => `${f.field} ${f.message}`).join('; '), { fields });

/** Two confirmed transfers of one number at once: the second finds it in the first (the unique index on live items). */
function busyOnConflict(err: unknown): never {
  if ((err as { code?: string; constraint?: string }).constraint === 'number_transfer_items_live') {
    throw new HttpError(409, 'number_busy', 'a number of this transfer is in another transfer, still running');
  }
  throw err;
}
