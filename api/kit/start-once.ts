import { WorkflowExecutionAlreadyStartedError, type Client, type Workflow } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';

/**
 * Starts a long-running workflow at most once (its id is its row's): false when it was started already. With
 * `cancel`, it is started if need be with the cancel signal, so something cancelled before its workflow ever ran
 * still ends through it; an id that already ended is never run again.
 */
export async function startOnce<W extends Workflow>(
  client: Client,
  workflow: W,
  options: { taskQueue: string; workflowId: string; args: Parameters<W> },
  cancel?: SignalDefinition<[]>,
): Promise<boolean> {
  const common = { ...options, workflowIdReusePolicy: 'REJECT_DUPLICATE' as const };
  if (cancel) {
    await client.workflow.signalWithStart(workflow, { ...common, signal: cancel, signalArgs: [] } as never);
    return true;
  }
  try {
    await client.workflow.start(workflow, common as never);
    return true;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return false;
  }
}
