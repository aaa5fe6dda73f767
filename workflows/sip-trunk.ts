import { ActivityFailure, ApplicationFailure, CancellationScope } from '@temporalio/workflow';
import type { TwilioErrorInfo } from '../schemas/common';
import type { OperationOutcome, OperationProgress, ProgressReport, SipChange, SipOperationInput, SipUndo, TrunkSnapshot } from '../schemas/sip-workflow';
import { sip, sipCompensation } from './activities';
import { describeChange, describeUndo } from './sip-describe';

/** A definitive refusal (Twilio 4xx, or ours): retrying can't change it, so the saga rolls back. */
function refusalOf(err: unknown): { message: string; twilio: TwilioErrorInfo | null } | null {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure) || !err.cause.nonRetryable) return null;
  const twilio = err.cause.type === 'TwilioError' ? ((err.cause.details?.[0] as TwilioErrorInfo | undefined) ?? null) : null;
  return { message: err.cause.message, twilio };
}

/**
 * One change to a SIP trunk — create, update or delete — as a compensated saga. A plan lists the
 * changes that make Twilio match the desired state (only what differs); each is applied by a
 * reconciling activity that returns how to undo it. When a step fails for good, the changes made so
 * far are undone in reverse order; a compensation that still fails after its retries is reported by
 * name, never dropped. Deleting goes forward only: its steps are retried until done, or reported.
 */
export async function sipTrunkOperation(input: SipOperationInput): Promise<OperationOutcome> {
  const { tenantId, trunkId, operationId } = input;
  const progress: OperationProgress = { step: null, steps: [], error: null, rollback: [] };
  const undos: SipUndo[] = [];

  let outcome: OperationOutcome = 'succeeded';
  try {
    await sip.sipRecordProgress({ operationId, status: 'running', progress });
    let plan: SipChange[] = [];
    try {
      plan = await sip.sipPlan(input);
    } catch (err) {
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      progress.error = { step: 'plan', ...refusal };
    }
    for (const change of plan) {
      const step = { name: describeChange(change), status: 'running' as 'running' | 'done' | 'failed', detail: null as string | null };
      progress.step = step.name;
      progress.steps.push(step);
      try {
        const applied = await sip.sipApply({ tenantId, trunkId, change, report: { operationId, status: 'running', progress } });
        step.status = 'done';
        step.detail = applied.detail;
        if (applied.undo) undos.push(applied.undo);
      } catch (err) {
        const refusal = refusalOf(err);
        if (!refusal) throw err;
        step.status = 'failed';
        step.detail = refusal.twilio?.code ? `Twilio ${refusal.twilio.code}: ${refusal.message}` : refusal.message;
        progress.error = { step: step.name, ...refusal };
        break;
      }
    }
    progress.step = null;
    if (progress.error && input.kind !== 'delete') {
      outcome = (await rollBack(undos, { operationId, status: 'rolling_back', progress })) ? 'rolled_back' : 'failed';
    } else if (progress.error) {
      outcome = 'failed';
    }
    // The stored view shows Twilio's state as it is now (after a rollback too); a deleted trunk has none.
    if (input.kind !== 'delete' && !(input.kind === 'create' && outcome !== 'succeeded')) {
      await sip.sipInspect({ tenantId, trunkId });
    }
  } finally {
    // Passwords are needed only while the operation runs; never kept afterwards.
    await CancellationScope.nonCancellable(async () => {
      if (input.secretRefs.length) await sip.sipWipeSecrets({ refs: input.secretRefs });
    });
  }
  await sip.sipFinishOperation({ operationId, outcome, progress });
  return outcome;
}

/** Undoes the applied changes newest first; true when every compensation succeeded. */
async function rollBack(undos: SipUndo[], report: ProgressReport): Promise<boolean> {
  let clean = true;
  for (const undo of [...undos].reverse()) {
    try {
      const action = await sipCompensation.sipUndo({ undo, report });
      report.progress.rollback.push({ action, status: 'done', error: null });
    } catch (err) {
      clean = false;
      const cause = err instanceof ActivityFailure ? err.cause : err;
      report.progress.rollback.push({ action: describeUndo(undo), status: 'failed', error: (cause as Error | undefined)?.message ?? String(err) });
    }
  }
  return clean;
}

/** get_trunk_details' live read: Twilio's state now, with health findings computed from it. */
export async function sipInspectTrunk(input: { tenantId: string; trunkId: string }): Promise<TrunkSnapshot | null> {
  return sip.sipInspect(input);
}
