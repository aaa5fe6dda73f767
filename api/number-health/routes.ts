import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync } from 'fastify';
import { callOutcomesOf, healthOf, healthSummary, isLiveNumber, listHealth, recordCallOutcomes, recordReputation } from '../../db/number-health/health';
import { ErrorBody, pageOf } from '../../schemas/kit/common';
import {
  CallOutcome, CallOutcomesBody, HealthListQuery, HealthSummary, HygienePolicy, HygienePolicyBody, IngestResult, NumberHealth, OutcomesQuery, PolicySchedule, ReputationBody,
} from '../../schemas/number-health/health';
import { describePolicy, policySchedules, upsertPolicySchedule } from './schedules';
import { boundedTemporalCall } from '../kit/temporal-calls';
import { NumberParams } from '../../schemas/numbers/numbers';
import type { ApiDeps } from '../kit/deps';
import { HttpError, notFound } from '../kit/errors';
import { auditChange } from '../platform/control-plane-audit';
import { z } from 'zod';
import { shortestCronGapMinutes } from './cron-interval';
import { ScheduleNotFoundError } from '@temporalio/client';

/** gRPC's INVALID_ARGUMENT: how Temporal refuses a Schedule it cannot parse. */
const GRPC_INVALID_ARGUMENT = 3;

/** Number hygiene: what tenants report about their numbers, and each number's explainable health score. */
export const numberHealthRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/number-health/call-outcomes',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['number-health'],
        summary: 'Report call outcomes of your numbers (up to 1 000 per request)',
        description: 'Outcomes of numbers that are not your live numbers are refused one by one; an outcome posted again with the same externalId counts once.',
        body: CallOutcomesBody,
        response: { 200: IngestResult, 400: ErrorBody },
      },
    },
    async (req) => recordCallOutcomes(deps.db, req.tenant.id, req.body),
  );

  r.post(
    '/number-health/reputation',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['number-health'],
        summary: 'Report external reputation scores of your numbers (e.g. from Hiya), 0 = worst, 100 = best',
        description: 'A newer score from the same source replaces the older; the worst current score across sources counts.',
        body: ReputationBody,
        response: { 200: IngestResult, 400: ErrorBody },
      },
    },
    async (req) => recordReputation(deps.db, req.tenant.id, req.body.scores),
  );

  r.get(
    '/number-health',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['number-health'],
        summary: 'Your live numbers with their health score and the factors behind it, by number',
        description:
          'Filters: hygieneState, resting (quarantined and still in the policy’s rest period) and belowScore. The score is computed on each request, so belowScore ' +
          'scores your numbers after the cursor a chunk at a time, and at most a few thousand per request: a filtered page may hold fewer than limit numbers, even none, ' +
          'with a nextCursor to go on from. Follow nextCursor until it is null.',
        querystring: HealthListQuery,
        response: { 200: pageOf(NumberHealth), 400: ErrorBody },
      },
    },
    async (req) => listHealth(deps.db, req.tenant.id, req.query),
  );

  r.get(
    '/number-health/summary',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['number-health'],
        summary: 'Your live numbers by hygiene state and by score (ten buckets), with the policy’s threshold',
        description: 'Scored on request, a chunk at a time; past about ten thousand numbers the buckets cover the first ones only and partial is true (the counts by state stay whole).',
        response: { 200: HealthSummary },
      },
    },
    async (req) => healthSummary(deps.db, req.tenant.id),
  );

  r.get(
    '/number-health/:phoneNumber/outcomes',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['number-health'],
        summary: 'One number’s reported call outcomes, newest first (all of them, not only the 30 days the score reads)',
        params: NumberParams,
        querystring: OutcomesQuery,
        response: { 200: pageOf(CallOutcome), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      if (!(await isLiveNumber(deps.db, req.tenant.id, req.params.phoneNumber))) throw notFound('number');
      return callOutcomesOf(deps.db, req.tenant.id, req.params.phoneNumber, req.query);
    },
  );

  r.get(
    '/number-health/:phoneNumber',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['number-health'],
        summary: 'One number’s health: the score, each factor with its points and why, and the inputs it came from',
        params: NumberParams,
        response: { 200: NumberHealth, 404: ErrorBody },
      },
    },
    async (req) => {
      if (!(await isLiveNumber(deps.db, req.tenant.id, req.params.phoneNumber))) throw notFound('number');
      return (await healthOf(deps.db, req.tenant.id, [req.params.phoneNumber]))[0]!;
    },
  );

  // --- the hygiene policy and its Schedule ---
  const temporal = <T>(call: () => Promise<T>) => boundedTemporalCall(deps.temporal, deps.runner.temporalTimeoutMs, call);
  const policyOrNotFound = async (tenantId: string) => {
    const policy = await temporal(() => describePolicy(deps.db, deps.temporal, deps.runner.taskQueue, tenantId));
    if (!policy) throw notFound('hygiene policy');
    return policy;
  };

  /** Deletes both of the tenant's hygiene Schedules (one already gone is fine); their ids. */
  const deleteSchedules = async (tenantId: string) => {
    const ids = [policySchedules.health_pass.id(tenantId), policySchedules.rotation_pass.id(tenantId)] as const;
    for (const id of ids) {
      await temporal(() => deps.temporal.schedule.getHandle(id).delete()).catch((err) => {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      });
    }
    return ids;
  };

  r.put(
    '/number-health/policy',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['number-health'],
        summary: 'Set the quarantine, rest, release and rotation policy and when its passes run (two Temporal Schedules)',
        description:
          'The health pass (cron, daily by default) scores every live number, puts those below the threshold in quarantine (kept, hygieneState "quarantined", event number.quarantined) and restores those back at or above it once they have rested restDays (number.restored). ' +
          'The rotation pass (rotationCron, weekly by default) buys a replacement in the same area code for each quarantined number when rotate is on and moves its service to it (event number.rotated), and releases numbers quarantined releaseAfterDays or longer. ' +
          'Each run is a job (kind health_pass or rotation_pass) with an item per number: what was found and done.',
        body: HygienePolicyBody,
        response: { 200: HygienePolicy, 400: ErrorBody },
      },
    },
    async (req) => {
      // The Schedules first: Temporal is the judge of the crons, and a refused one leaves nothing stored.
      const timings = [['health_pass', 'cron', req.body.cron], ['rotation_pass', 'rotationCron', req.body.rotationCron]] as const;
      // Each pass reads every number of the tenant (and may buy or release): never more often than the minimum.
      const tooOften = timings.filter(([, , cron]) => shortestCronGapMinutes(cron) < deps.config.HYGIENE_MIN_INTERVAL_MINUTES);
      if (tooOften.length) {
        const message = `runs more often than every ${deps.config.HYGIENE_MIN_INTERVAL_MINUTES} minutes`;
        throw new HttpError(400, 'invalid_request', tooOften.map(([, field]) => `${field}: ${message}`).join('; '), { fields: tooOften.map(([, field]) => ({ field, message })) });
      }
      for (const [which, field, cron] of timings) {
        try {
          await temporal(() => upsertPolicySchedule(deps.temporal, deps.runner.taskQueue, req.tenant.id, which, cron));
        } catch (err) {
          // The client turns Temporal's INVALID_ARGUMENT into a TypeError carrying the server's reason.
          if (err instanceof TypeError || (err as { code?: number }).code === GRPC_INVALID_ARGUMENT) {
            // No policy yet: a Schedule made for the other cron must not run without one.
            const stored = await deps.db.query('SELECT 1 FROM hygiene_policies WHERE tenant_id = $1', [req.tenant.id]);
            if (stored.rowCount === 0) await deleteSchedules(req.tenant.id);
            throw new HttpError(400, 'invalid_request', `${field}: ${(err as Error).message}`, { fields: [{ field, message: 'Temporal cannot schedule this cron expression' }] });
          }
          throw err;
        }
      }
      await deps.db.query(
        `INSERT INTO hygiene_policies (tenant_id, quarantine_below, cron, rest_days, release_after_days, rotate, rotation_cron) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant_id) DO UPDATE SET quarantine_below = EXCLUDED.quarantine_below, cron = EXCLUDED.cron, rest_days = EXCLUDED.rest_days,
           release_after_days = EXCLUDED.release_after_days, rotate = EXCLUDED.rotate, rotation_cron = EXCLUDED.rotation_cron, updated_at = now()`,
        [req.tenant.id, req.body.quarantineBelowScore, req.body.cron, req.body.restDays, req.body.releaseAfterDays, req.body.rotate, req.body.rotationCron],
      );
      await auditChange(deps.db, req, 'hygiene_policy.put', 200, { ...req.body });
      return policyOrNotFound(req.tenant.id);
    },
  );

  r.get(
    '/number-health/policy',
    { config: { scope: 'read' }, schema: { tags: ['number-health'], summary: 'The hygiene policy and its Schedule: paused or not, next run, recent runs', response: { 200: HygienePolicy, 404: ErrorBody } } },
    async (req) => policyOrNotFound(req.tenant.id),
  );

  /** How many passes of this kind the tenant has had, and whether one (scheduled or on demand) is running. */
  const passState = async (tenantId: string, kind: string) =>
    (await deps.db.query<{ count: number; running: boolean }>(
      `SELECT count(*)::int AS count, count(*) FILTER (WHERE status IN ('queued', 'running', 'cancelling')) > 0 AS running FROM jobs WHERE tenant_id = $1 AND kind = $2`,
      [tenantId, kind],
    )).rows[0]!;

  const Action = z.object({ action: z.enum(['pause', 'resume', 'run']) });
  const Which = z.object({ schedule: PolicySchedule.default('health_pass').describe('Which pass: the health pass (default) or the rotation pass') }).strict();
  r.post(
    '/number-health/policy/:action',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['number-health'],
        summary: 'Pause or resume a pass’s Schedule, or run the pass now',
        description: 'run: starts a pass at once, outside the Schedule (its job appears in /v1/jobs with kind health_pass or rotation_pass); while a pass of that kind is running, run joins it instead of starting another.',
        params: Action,
        querystring: Which,
        response: { 200: HygienePolicy, 404: ErrorBody },
      },
    },
    async (req) => {
      await policyOrNotFound(req.tenant.id);
      const { id, workflow } = policySchedules[req.query.schedule];
      const scheduleId = id(req.tenant.id);
      const handle = deps.temporal.schedule.getHandle(scheduleId);
      await temporal(async () => {
        if (req.params.action === 'pause') await handle.pause('paused through the API');
        else if (req.params.action === 'resume') await handle.unpause('resumed through the API');
        // A run on demand is the same workflow, started directly (a Schedule's trigger may be dropped while it is busy).
        // It joins a pass already running instead of starting a second one over the same numbers.
        else {
          const pass = await passState(req.tenant.id, req.query.schedule);
          // Requests that see the same number of passes share one workflow id: the second joins the first
          // even before its job is recorded; once a pass has finished, the next run gets a new id.
          if (!pass.running) {
            await deps.temporal.workflow.start(workflow, {
              taskQueue: deps.runner.taskQueue, workflowId: `${scheduleId}-now-${pass.count}`, workflowIdConflictPolicy: 'USE_EXISTING', args: [{ tenantId: req.tenant.id }],
            });
          }
        }
      });
      await auditChange(deps.db, req, `hygiene_policy.${req.params.action}`, 200, { schedule: req.query.schedule });
      return policyOrNotFound(req.tenant.id);
    },
  );

  r.delete(
    '/number-health/policy',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['number-health'],
        summary: 'Remove the hygiene policy and its Schedules (quarantined numbers stay as they are)',
        response: { 200: z.object({ deleted: z.literal(true), scheduleId: z.string(), rotationScheduleId: z.string() }), 404: ErrorBody },
      },
    },
    async (req) => {
      await policyOrNotFound(req.tenant.id);
      const scheduleIds = await deleteSchedules(req.tenant.id);
      await deps.db.query('DELETE FROM hygiene_policies WHERE tenant_id = $1', [req.tenant.id]);
      await auditChange(deps.db, req, 'hygiene_policy.delete', 200);
      return { deleted: true as const, scheduleId: scheduleIds[0], rotationScheduleId: scheduleIds[1] };
    },
  );
};
