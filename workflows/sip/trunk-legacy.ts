import { ActivityFailure, CancellationScope } from '@temporalio/workflow';
import { describeChange, describeUndo } from '../../schemas/sip/describe';
import type { OperationOutcome, OperationProgress, ProgressReport, SipChange, SipOperationInput, SipUndo } from '../../schemas/sip/workflow';
import { sip, sipCompensation } from './activities';
import { refusalOf, refusedDetail } from './refusal';

/**
 * The saga as runs started before `sip-progress-per-step` execute it (delete this file once they have
 * drained: docs/operations/upgrading-workflows.md). Both of its generations send the whole, growing
 * progress list with every step, and 0eeb842 changed their commands without a marker:
 * - `record-activities` (before 0eeb842): a sipRecordProgress activity before each step's sipApply, one
 *   before the rollback and one after each undo;
 * - `report-in-apply` (0eeb842): the progress rides in sipApply's and sipUndo's input instead.
 */
export type LegacyStyle = 'record-activities' | 'report-in-apply';

export async function legacySipTrunkOperation(input: SipOperationInput, style: LegacyStyle): Promise<OperationOutcome> {
  const { tenantId, trunkId, operationId } = input;
  const progress: OperationProgress = { step: null, steps: [], error: null, rollback: [] };
  const undos: SipUndo[] = [];
  const record = (status: 'running' | 'rolling_back') => sip.sipRecordProgress({ operationId, status, progress });
  const reportIn = (status: 'running' | 'rolling_back'): { report?: ProgressReport } =>
    style === 'report-in-apply' ? { report: { operationId, status, progress } } : {};

  let outcome: OperationOutcome = 'succeeded';
  try {
    await record('running');
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
      if (style === 'record-activities') await record('running');
      try {
        const applied = await sip.sipApply({ tenantId, trunkId, change, ...reportIn('running') });
        step.status = 'done';
        step.detail = applied.detail;
        if (applied.undo) undos.push(applied.undo);
      } catch (err) {
        const refusal = refusalOf(err);
        if (!refusal) throw err;
        step.status = 'failed';
        step.detail = refusedDetail(refusal);
        progress.error = { step: step.name, ...refusal };
        break;
      }
    }
    progress.step = null;
    if (progress.error && input.kind !== 'delete') {
      if (style === 'record-activities') await record('rolling_back');
      outcome = (await rollBack(undos, progress, style === 'record-activities' ? record : null, reportIn('rolling_back'))) ? 'rolled_back' : 'failed';
    } else if (progress.error) {
      outcome = 'failed';
    }
    if (input.kind !== 'delete' && !(input.kind === 'create' && outcome !== 'succeeded')) {
      await sip.sipInspect({ tenantId, trunkId });
    }
  } finally {
    await CancellationScope.nonCancellable(async () => {
      if (input.secretRefs.length) await sip.sipWipeSecrets({ refs: input.secretRefs });
    });
  }
  await sip.sipFinishOperation({ operationId, outcome, progress });
  return outcome;
}

/** Undoes the applied changes newest first; true when every compensation succeeded. */
async function rollBack(
  undos: SipUndo[],
  progress: OperationProgress,
  recordAfterEach: ((s: 'rolling_back') => Promise<void>) | null,
  report: { report?: ProgressReport },
): Promise<boolean> {
  let clean = true;
  for (const undo of [...undos].reverse()) {
    try {
      const action = await sipCompensation.sipUndo({ undo, ...report });
      progress.rollback.push({ action, status: 'done', error: null });
    } catch (err) {
      clean = false;
      const cause = err instanceof ActivityFailure ? err.cause : err;
      progress.rollback.push({ action: describeUndo(undo), status: 'failed', error: (cause as Error | undefined)?.message ?? String(err) });
    }
    if (recordAfterEach) await recordAfterEach('rolling_back');
  }
  return clean;
}
