import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Db } from '../../db/kit/pool';
import type { HygienePolicy, PolicySchedule, ScheduleState } from '../../schemas/number-health/health';
import { TENANT_ID_SEARCH_ATTRIBUTE, tenantPrefix } from '../../schemas/kit/workflow-ids';
import { healthPass, rotationPass } from '../../workflows/index';

export const healthPassScheduleId = (tenantId: string) => `${tenantPrefix(tenantId)}/health-pass`;
export const rotationPassScheduleId = (tenantId: string) => `${tenantPrefix(tenantId)}/rotation-pass`;

/** The policy's two Schedules: the (daily) health pass and the (weekly) rotation pass. */
export const policySchedules = {
  health_pass: { id: healthPassScheduleId, workflow: healthPass },
  rotation_pass: { id: rotationPassScheduleId, workflow: rotationPass },
} as const;

/** Creates one of the tenant's hygiene Schedules, or updates its timing if it exists (its paused state is kept). */
export async function upsertPolicySchedule(client: Client, taskQueue: string, tenantId: string, which: PolicySchedule, cron: string): Promise<void> {
  const { id, workflow } = policySchedules[which];
  const spec = { cronExpressions: [cron] };
  try {
    // Schedules made before runs carried their tenant get it on their next update.
    await client.schedule.getHandle(id(tenantId)).update((prev) => ({ ...prev, spec, action: { ...prev.action, typedSearchAttributes: tenantAttribute(tenantId) } }));
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await client.schedule.create({
      scheduleId: id(tenantId),
      spec,
      // A pass still running when the next is due: the next is skipped, not stacked.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      action: { type: 'startWorkflow', workflowType: workflow, args: [{ tenantId }], taskQueue, typedSearchAttributes: tenantAttribute(tenantId) },
    });
  }
}

/** Scheduled runs don't pass through the API's client: the Schedule's action carries the tenant. */
const tenantAttribute = (tenantId: string) => [{ key: TENANT_ID_SEARCH_ATTRIBUTE, value: tenantId }];

async function scheduleState(client: Client, scheduleId: string): Promise<ScheduleState> {
  const d = await client.schedule.getHandle(scheduleId).describe();
  return {
    scheduleId,
    paused: d.state.paused,
    nextRunAt: d.info.nextActionTimes[0]?.toISOString() ?? null,
    recentRuns: [...d.info.recentActions].reverse().map((a) => ({ at: a.takenAt.toISOString(), workflowId: a.action.workflow.workflowId, jobId: null })),
  };
}

/** The Schedules' runs with their jobs: a pass's workflow makes its job with the run's workflow id (null until it has). */
async function withJobs<T extends ScheduleState[]>(db: Db, tenantId: string, states: [...T]): Promise<T> {
  const workflowIds = states.flatMap((s) => s.recentRuns.map((r) => r.workflowId));
  const { rows } = await db.query<{ id: string; workflow_id: string }>(
    `SELECT id::text, workflow_id FROM jobs WHERE tenant_id = $1 AND workflow_id = ANY($2) AND kind IN ('health_pass', 'rotation_pass')`,
    [tenantId, workflowIds],
  );
  const jobOf = new Map(rows.map((r) => [r.workflow_id, r.id]));
  return states.map((s) => ({ ...s, recentRuns: s.recentRuns.map((r) => ({ ...r, jobId: jobOf.get(r.workflowId) ?? null })) })) as T;
}

interface PolicyRow {
  quarantine_below: number;
  cron: string;
  rest_days: number;
  release_after_days: number | null;
  rotate: boolean;
  rotation_cron: string;
}

/**
 * The policy as stored, with its Schedules' live state from Temporal. A Schedule missing for a stored policy
 * (a policy set before the rotation pass existed) is made from the policy, so both are always there.
 */
export async function describePolicy(db: Db, client: Client, taskQueue: string, tenantId: string): Promise<HygienePolicy | null> {
  const row = (await db.query<PolicyRow>('SELECT quarantine_below, cron, rest_days, release_after_days, rotate, rotation_cron FROM hygiene_policies WHERE tenant_id = $1', [tenantId])).rows[0];
  if (!row) return null;
  const stateOf = async (which: PolicySchedule, cron: string) => {
    const scheduleId = policySchedules[which].id(tenantId);
    try {
      return await scheduleState(client, scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      await upsertPolicySchedule(client, taskQueue, tenantId, which, cron);
      return scheduleState(client, scheduleId);
    }
  };
  const [health, rotation] = await withJobs(db, tenantId, await Promise.all([stateOf('health_pass', row.cron), stateOf('rotation_pass', row.rotation_cron)]));
  return {
    quarantineBelowScore: row.quarantine_below,
    cron: row.cron,
    ...health,
    restDays: row.rest_days,
    releaseAfterDays: row.release_after_days,
    rotate: row.rotate,
    rotationCron: row.rotation_cron,
    rotation,
  };
}
