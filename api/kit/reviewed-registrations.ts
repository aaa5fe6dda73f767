import { isDeepStrictEqual } from 'node:util';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ActivityFailure, ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { TwilioErrorInfo } from '../../schemas/kit/common';
import { tenantPrefix } from '../../schemas/kit/workflow-ids';
import type { Db } from '../../db/kit/pool';
import type { ApiDeps } from './deps';
import { HttpError, notFound } from './errors';
import { boundedTemporalCall, startOrLeaveQueued } from './temporal-calls';

/**
 * The API side of a long, reviewed registration (A2P 10DLC, voice trust, toll-free verification, and the next
 * ones: porting, regulatory bundles): one row per registration, written before its workflow starts, followed
 * by GET, corrected through a Temporal Update and cancelled through the workflow. Each product is a
 * configuration of this kit; its routes keep their own schemas, paths and descriptions (the public contract).
 */

/** What the kit reads of a product's row: the view it answers with, and its workflow's id. */
export interface RegistrationRow {
  view: { id: string; status: string; finishedAt: string | null };
  workflowId: string;
}

/** One product's reviewed registrations. */
export interface ReviewedRegistrationKind<Row extends RegistrationRow> {
  /** One of them in messages and error codes: `registration` gives `registration_finished`. */
  noun: 'registration' | 'verification';
  /** What a 404 calls it: "toll-free verification not found". */
  notFoundAs: string;
  /** Where one is read (the 202's Location is this path and its id). */
  path: string;
  /** The workflow id's product part: `tenant-…/<workflowIdPrefix>-<id>`. */
  workflowIdPrefix: string;
  /** The tenant's row with this id, or null. */
  find(db: Db, tenantId: string, id: string): Promise<Row | null>;
  /** Starts its workflow at most once; with `cancel`, signals-with-start the cancel (see api/kit/start-once.ts). */
  start(deps: ApiDeps, tenantId: string, row: Row, opts?: { cancel?: boolean }): Promise<boolean>;
}

/** What a product's create wrote (or found, for a repeated Idempotency-Key), and the draft the row holds. */
export interface Recorded<Row extends RegistrationRow> {
  row: Row;
  /** False when the Idempotency-Key found an earlier registration. */
  created: boolean;
  draft: unknown;
}

/** The new row's identity, chosen by the kit; the product records it (with its own checks) under these. */
export interface NewRegistration {
  id: string;
  workflowId: string;
  idempotencyKey: string | null;
}

/** How a refused Update answers: 409 with `code`; a refusal of Twilio's with `twilioCode` when given. */
export interface UpdateRefusal {
  code: string;
  /** The Update's work in words, for a Twilio refusal's message ("Twilio refused the edit: …"). */
  what: string;
  twilioCode?: string;
}

/** The kit's operations for one product, bound to the API's dependencies. */
export function reviewedRegistrations<Row extends RegistrationRow>(deps: ApiDeps, kind: ReviewedRegistrationKind<Row>) {
  const finished = `${kind.noun}_finished`;

  /** The tenant's row, or 404: another tenant's registration is not found, never forbidden. */
  async function found(tenantId: string, id: string): Promise<Row> {
    const row = await kind.find(deps.db, tenantId, id);
    if (!row) throw notFound(kind.notFoundAs);
    return row;
  }

  /** A finished row takes no Update and no cancel: said from the row, without asking Temporal. */
  function refuseFinished(row: Row) {
    if (row.view.finishedAt) throw new HttpError(409, finished, `the ${kind.noun} is already ${row.view.status}`);
  }

  /**
   * Records a registration once per Idempotency-Key and starts its workflow, or leaves it queued for the sweep
   * when Temporal is away: 202 with its view and Location. The same key with a different draft is a 409.
   */
  async function create(req: FastifyRequest, reply: FastifyReply, sent: unknown, record: (r: NewRegistration) => Promise<Recorded<Row>>) {
    const id = randomUUID();
    const key = req.headers['idempotency-key'];
    const recorded = await record({ id, workflowId: `${tenantPrefix(req.tenant.id)}/${kind.workflowIdPrefix}-${id}`, idempotencyKey: typeof key === 'string' && key ? key : null });
    // The draft went through JSON on its way to PostgreSQL: compared the same way (no undefined members).
    if (!recorded.created && !isDeepStrictEqual(recorded.draft, JSON.parse(JSON.stringify(sent)))) {
      throw new HttpError(409, 'idempotency_conflict', `Idempotency-Key was already used for a different ${kind.noun}`);
    }
    const { row } = recorded;
    if (row.view.status === 'queued') {
      await startOrLeaveQueued({ temporal: deps.temporal, timeoutMs: deps.runner.temporalTimeoutMs, log: reply.log }, { kind: kind.noun, id: row.view.id }, () =>
        kind.start(deps, req.tenant.id, row),
      );
    }
    return reply.code(202).header('location', `${kind.path}/${row.view.id}`).send(row.view);
  }

  /**
   * Sends an Update (corrections, an edit, a resend) and answers with the row as the workflow left it. The
   * workflow's refusal — its validator's reason, or Twilio's answer to the work the Update does — is a 409 with
   * the refusal's `code`; a workflow that no longer runs is a 409 `<noun>_finished`.
   */
  async function update<Args extends unknown[]>(tenantId: string, row: Row, definition: UpdateDefinition<unknown, Args>, args: Args, refusal: UpdateRefusal): Promise<Row['view']> {
    refuseFinished(row);
    try {
      // The Update waits for the workflow to take it: bounded like a short call.
      await boundedTemporalCall(deps.temporal, deps.runner.syncTimeoutMs, () =>
        // (Typed for any arity: the SDK's overloads tell an Update with no arguments from one with some.)
        deps.temporal.workflow.getHandle(row.workflowId).executeUpdate(definition as unknown as UpdateDefinition<unknown, [unknown]>, { args: args as unknown as [unknown] }),
      );
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw refused(err, refusal);
      if (err instanceof WorkflowNotFoundError) throw new HttpError(409, finished, `the ${kind.noun} is no longer running`);
      throw err;
    }
    return (await found(tenantId, row.view.id)).view;
  }

  /** Cancels through the workflow (signal-with-start: one whose workflow never started is cancelled by it too). */
  async function cancel(tenantId: string, id: string): Promise<Row['view']> {
    const row = await found(tenantId, id);
    refuseFinished(row);
    try {
      await boundedTemporalCall(deps.temporal, deps.runner.temporalTimeoutMs, () => kind.start(deps, tenantId, row, { cancel: true }));
    } catch (err) {
      // REJECT_DUPLICATE: its workflow closed between the read and the signal.
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new HttpError(409, finished, `the ${kind.noun} has just finished`);
      throw err;
    }
    return row.view;
  }

  return { found, create, update, cancel };
}

/** The 409 for a refused Update: Twilio's refusal carries Twilio's code; any other, the workflow's reason. */
function refused(err: WorkflowUpdateFailedError, refusal: UpdateRefusal): HttpError {
  const twilio = twilioRefusalOf(err.cause);
  if (twilio) {
    const info = twilio.details?.[0] as TwilioErrorInfo | undefined;
    return new HttpError(409, refusal.twilioCode ?? refusal.code, `Twilio refused ${refusal.what}: ${twilio.message}`, info ? { twilio: info } : {});
  }
  return new HttpError(409, refusal.code, (err.cause as Error | undefined)?.message ?? err.message);
}

/** Twilio's definitive answer to an activity the Update ran (activities/kit/twilio-errors.ts's `TwilioError`). */
function twilioRefusalOf(cause: unknown): ApplicationFailure | null {
  const failure = cause instanceof ActivityFailure ? cause.cause : cause;
  return failure instanceof ApplicationFailure && failure.type === 'TwilioError' ? failure : null;
}
