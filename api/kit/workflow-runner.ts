import {
  WorkflowFailedError,
  type Client,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Workflow } from '@temporalio/common';
import type { TwilioErrorInfo } from '../../schemas/kit/common';
import { HttpError } from './errors';
import { boundedTemporalCall } from './temporal-calls';

export const PENDING = Symbol('pending');

export interface RunnerSettings {
  taskQueue: string;
  syncTimeoutMs: number;
  /** How long a start or signal waits for Temporal before the request answers without it. */
  temporalTimeoutMs: number;
}

/** Finds Twilio's code and message in a failed workflow's cause chain. */
export function twilioFailureOf(err: unknown): TwilioErrorInfo | null {
  let cause: unknown = err instanceof WorkflowFailedError ? err.cause : err;
  while (cause) {
    if (cause instanceof ApplicationFailure && cause.type === 'TwilioError') {
      return (cause.details?.[0] as TwilioErrorInfo | undefined) ?? null;
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return null;
}

/** A non-retryable failure of ours (e.g. EvaluationFailed, UsecaseNotAllowed): the request can't succeed as sent. */
function refusalOf(err: unknown): { code: string; message: string } | null {
  let cause: unknown = err instanceof WorkflowFailedError ? err.cause : err;
  while (cause) {
    if (cause instanceof ApplicationFailure && cause.nonRetryable && cause.type) {
      return { code: cause.type.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase(), message: cause.message };
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * Starts (or joins, for a repeated request id) a short workflow and waits for its result
 * up to the sync timeout; after that the caller answers 202 and the work still completes.
 */
export async function runShortWorkflow<W extends Workflow>(
  client: Client,
  s: RunnerSettings,
  workflow: W,
  workflowId: string,
  args: Parameters<W>,
): Promise<Awaited<ReturnType<W>> | typeof PENDING> {
  const options = { taskQueue: s.taskQueue, workflowId, args, workflowIdConflictPolicy: 'USE_EXISTING' as const };
  const handle = await boundedTemporalCall(client, s.temporalTimeoutMs, () => client.workflow.start(workflow, options as unknown as WorkflowStartOptions<W>));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof PENDING>((resolve) => {
    timer = setTimeout(() => resolve(PENDING), s.syncTimeoutMs);
  });
  try {
    return (await Promise.race([handle.result(), timeout])) as Awaited<ReturnType<W>> | typeof PENDING;
  } catch (err) {
    const twilio = twilioFailureOf(err);
    if (twilio) throw new HttpError(twilio.status === 404 ? 404 : 400, 'twilio_error', twilio.message, { twilio });
    const refusal = refusalOf(err);
    if (refusal) throw new HttpError(400, refusal.code, refusal.message);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** How a closed workflow ended, in words a job's outcome can carry ("its workflow was terminated in Temporal: stuck"). */
export interface WorkflowEnding {
  cancelled: boolean;
  reason: string;
}

const endings: Partial<Record<string, string>> = {
  COMPLETED: 'completed without recording an outcome',
  FAILED: 'failed',
  CANCELLED: 'was cancelled',
  TERMINATED: 'was terminated',
  TIMED_OUT: 'timed out',
};

/**
 * How a row's workflow ended, with Temporal's reason (a termination's reason, a failure's message); null
 * while it runs (or its state is unknown). Throws WorkflowNotFoundError when it never started.
 */
export async function workflowEnding(client: Client, workflowId: string): Promise<WorkflowEnding | null> {
  const handle = client.workflow.getHandle(workflowId);
  const { status } = await handle.describe();
  const ending = endings[status.name];
  if (!ending) return null;
  const detail = await handle.result().then(
    () => null,
    (err: unknown) => (err instanceof WorkflowFailedError ? (err.cause?.message ?? null) : null),
  );
  const said = detail && !/^Workflow execution/.test(detail) ? `: ${detail}` : '';
  return { cancelled: status.name === 'CANCELLED', reason: `its workflow ${ending} in Temporal${said}` };
}
