import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Db } from '../db/pool';
import type { HygienePolicy } from '../schemas/number-health';
import { tenantPrefix } from '../schemas/workflow-ids';
import { healthPass } from '../workflows';

export const healthPassScheduleId = (tenantId: string) => `${tenantPrefix(tenantId)}/health-pass`;

/** Creates the tenant's health-pass Schedule, or updates its timing if it exists (its paused state is kept). */
export async function upsertHealthPassSchedule(client: Client, taskQueue: string, tenantId: string, cron: string): Promise<void> {
  const scheduleId = healthPassScheduleId(tenantId);
  const spec = { cronExpressions: [cron] };
  try {
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec }));
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await client.schedule.create({
      scheduleId,
      spec,
      // A pass still running when the next is due: the next is skipped, not stacked.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      action: { type: 'startWorkflow', workflowType: healthPass, args: [{ tenantId }], taskQueue },
    });
  }
}

/** The policy as stored, with its Schedule's live state from Temporal. */
export async function describePolicy(db: Db, client: Client, tenantId: string): Promise<HygienePolicy | null> {
  const row = (await db.query<{ quarantine_below: number; cron: string }>('SELECT quarantine_below, cron FROM hygiene_policies WHERE tenant_id = $1', [tenantId])).rows[0];
  if (!row) return null;
  const scheduleId = healthPassScheduleId(tenantId);
  const d = await client.schedule.getHandle(scheduleId).describe();
  return {
    quarantineBelowScore: row.quarantine_below,
    cron: row.cron,
    scheduleId,
    paused: d.state.paused,
    nextRunAt: d.info.nextActionTimes[0]?.toISOString() ?? null,
    recentRuns: [...d.info.recentActions].reverse().map((a) => ({ at: a.takenAt.toISOString(), workflowId: a.action.workflow.workflowId })),
  };
}
