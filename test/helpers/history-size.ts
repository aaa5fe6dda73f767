import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** One run of a workflow (a continue-as-new chain has several): its history's events and encoded size. */
export interface RunHistorySize {
  runId: string;
  events: number;
  /** The history as Temporal stores and sends it (protobuf), which its 50 MB limit counts. */
  bytes: number;
  /** The run's input alone: what continue-as-new carried into it. */
  inputBytes: number;
}

/**
 * Every run of a workflow from its first, following continue-as-new, with each run's history size: what the
 * history-size bench prints and what tests hold under Temporal's limits (it warns at 10 k events / 10 MB).
 */
export async function historySizesOfRuns(client: Client, workflowId: string, firstRunId: string): Promise<RunHistorySize[]> {
  const runs: RunHistorySize[] = [];
  for (let runId: string | null | undefined = firstRunId; runId; ) {
    const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    const input = events[0]?.workflowExecutionStartedEventAttributes?.input ?? {};
    runs.push({
      runId,
      events: events.length,
      bytes: temporal.api.history.v1.History.encode(history).finish().length,
      inputBytes: temporal.api.common.v1.Payloads.encode(input).finish().length,
    });
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return runs;
}
