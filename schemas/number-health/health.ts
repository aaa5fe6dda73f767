import { z } from 'zod';
import { E164, PageQuery } from '../kit/common';

export const CallOutcomeKind = z.enum(['answered', 'no_answer', 'busy', 'failed', 'blocked', 'labelled', 'complaint']);

export const CallOutcomesBody = z
  .object({
    outcomes: z
      .array(
        z
          .object({
            phoneNumber: E164.describe('One of your numbers (the caller ID the call went out with)'),
            at: z.iso.datetime({ offset: true }).max(64),
            outcome: CallOutcomeKind.describe('answered / no_answer / busy / failed / blocked (the carrier blocked the call) are calls; labelled (shown as spam) and complaint are reports'),
            durationSeconds: z.number().int().min(0).max(86_400).optional().describe('For answered calls: under 10 s counts as a short call'),
            externalId: z.string().min(1).max(128).optional().describe('Your id for this outcome: posted again, it counts once'),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
  })
  .strict();
export type CallOutcomesBody = z.infer<typeof CallOutcomesBody>;

export const IngestResult = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int().describe('Already posted (same externalId): not counted again'),
  refused: z.array(z.object({ index: z.number().int(), phoneNumber: z.string(), reason: z.string() })).describe('Not one of your live numbers'),
});

export const ReputationBody = z
  .object({
    scores: z
      .array(
        z
          .object({
            phoneNumber: E164,
            score: z.number().int().min(0).max(100).describe('0 = worst, 100 = best'),
            source: z.string().max(40).regex(/^[a-z0-9_.-]{1,40}$/, 'must be a short lowercase name, e.g. hiya').describe('Who rated it; a newer score from the same source replaces the older'),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
  })
  .strict();

export const HealthFactor = z.object({ factor: z.string(), points: z.number().int(), detail: z.string() });
export const NumberHealth = z.object({
  phoneNumber: z.string(),
  score: z.number().int().describe('0–100: 100 minus the points of the factors listed'),
  factors: z.array(HealthFactor),
  inputs: z.object({
    lineType: z.string().nullable().describe('From the newest cached Lookup, if any'),
    smsPumpingRiskScore: z.number().nullable(),
    calls: z.object({ total: z.number().int(), answered: z.number().int(), short: z.number().int(), blocked: z.number().int(), labelled: z.number().int(), complaints: z.number().int() }),
    reputation: z.object({ score: z.number().int(), source: z.string() }).nullable(),
    voiceTrust: z
      .object({
        shakenStir: z.enum(['A']).nullable().describe('A: on an approved SHAKEN/STIR trust product'),
        cnam: z.boolean().describe('On an approved CNAM trust product'),
        voiceIntegrity: z.boolean().describe('On an approved Voice Integrity trust product'),
      })
      .describe('The number’s approved voice trust registrations'),
  }),
  hygieneState: z.enum(['ok', 'quarantined']).describe('quarantined: a health pass put it out of service (see the hygiene policy)'),
  quarantinedAt: z.string().nullable().describe('When it was put in quarantine (ISO 8601); null when ok'),
  restingUntil: z
    .string()
    .nullable()
    .describe('Quarantined and still in its rest period (the policy’s restDays): no pass restores it before this time (ISO 8601); null otherwise, and for a rotated number'),
});
export type NumberHealth = z.infer<typeof NumberHealth>;

const Bool = z.enum(['true', 'false']).transform((v) => v === 'true');
/** Filters of the health list; a filtered page may hold fewer than `limit` numbers: follow nextCursor until null. */
export const HealthListQuery = PageQuery.extend({
  hygieneState: z.enum(['ok', 'quarantined']).optional().describe('Only numbers in this hygiene state'),
  resting: Bool.optional().describe('true: only quarantined numbers still in their rest period; false: only the others'),
  belowScore: z.coerce.number().int().min(0).max(100).optional().describe('Only numbers whose score is below this (0–100)'),
}).strict();
export type HealthListQuery = z.infer<typeof HealthListQuery>;

export const HealthSummary = z.object({
  total: z.number().int().describe('Your live numbers'),
  quarantined: z.number().int(),
  resting: z.number().int().describe('Quarantined and still in their rest period'),
  threshold: z.number().int().nullable().describe('The policy’s quarantineBelowScore; null without a policy'),
  buckets: z.array(z.object({ from: z.number().int(), to: z.number().int(), count: z.number().int() })).describe('Numbers by score: 0–9, 10–19, …, 90–100 (to is inclusive)'),
  partial: z.boolean().describe('true when the inventory is larger than one request scores: the buckets cover the first numbers only'),
  computedAt: z.string(),
});
export type HealthSummary = z.infer<typeof HealthSummary>;

/** A real instant, written as toISOString writes it (no 30 February). */
const isExactInstant = (iso: string) => {
  const t = Date.parse(iso);
  return !Number.isNaN(t) && new Date(t).toISOString() === iso;
};
/** An outcomes page's cursor: the last outcome's time and id. */
const OUTCOME_CURSOR = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\|\d{1,18}$/;
export const OutcomesQuery = PageQuery.extend({
  cursor: z
    .string()
    .max(60)
    .regex(OUTCOME_CURSOR, 'must be the nextCursor of the previous page')
    .refine((c) => isExactInstant(c.split('|')[0]!), 'must be the nextCursor of the previous page')
    .optional().describe('opaque: the nextCursor of the previous page, passed back unchanged'),
}).strict();

export const CallOutcome = z.object({
  at: z.string().describe('When the call happened, as reported (ISO 8601)'),
  outcome: CallOutcomeKind,
  durationSeconds: z.number().int().nullable(),
  externalId: z.string().nullable().describe('Your id for it, as posted'),
});

/** Five cron fields (minute hour day-of-month month day-of-week), UTC. */
const cronField = String.raw`(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?(,(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?)*`;
const Cron = z.string().max(100).regex(new RegExp(`^${cronField}( ${cronField}){4}$`), 'must be five cron fields, e.g. "0 6 * * *" (06:00 UTC daily)');

export const HygienePolicyBody = z
  .object({
    quarantineBelowScore: z.number().int().min(0).max(100).describe('A number scoring below this is put in quarantine by the health pass; back at or above it, restored'),
    cron: Cron.default('0 6 * * *').describe('When the health pass runs (UTC); daily at 06:00 by default'),
    restDays: z.number().int().min(0).max(365).default(0).describe('A quarantined number rests at least this many days before a pass may restore it, whatever its score'),
    releaseAfterDays: z.number().int().min(1).max(3650).nullable().default(null).describe('The rotation pass releases a number quarantined this many days or longer (after rotating it, when rotate is on); null keeps quarantined numbers'),
    rotate: z.boolean().default(false).describe('The rotation pass buys a replacement in the same area code for each quarantined number and moves its service to it: voice/SMS URLs, SIP trunk, Messaging Services'),
    rotationCron: Cron.default('0 7 * * 1').describe('When the rotation pass runs (UTC); Mondays at 07:00 by default'),
  })
  .strict();

const ScheduleState = z.object({
  scheduleId: z.string().describe('The Temporal Schedule (visible in the Temporal UI)'),
  paused: z.boolean(),
  nextRunAt: z.string().nullable(),
  recentRuns: z
    .array(z.object({ at: z.string(), workflowId: z.string(), jobId: z.string().nullable().describe('The run’s job (GET /v1/jobs/{id}/items: what it did per number); null until the run has made it') }))
    .describe('The newest runs first'),
});
export type ScheduleState = z.infer<typeof ScheduleState>;

export const HygienePolicy = ScheduleState.extend({
  quarantineBelowScore: z.number().int(),
  cron: z.string(),
  scheduleId: z.string().describe('The Temporal Schedule running the health pass (visible in the Temporal UI)'),
  recentRuns: ScheduleState.shape.recentRuns.describe('The newest runs first; each is a job of kind health_pass'),
  restDays: z.number().int(),
  releaseAfterDays: z.number().int().nullable(),
  rotate: z.boolean(),
  rotationCron: z.string(),
  rotation: ScheduleState.describe('The rotation pass Schedule; each run is a job of kind rotation_pass'),
});
export type HygienePolicy = z.infer<typeof HygienePolicy>;

/** Which of the policy's two Schedules an action applies to. */
export const PolicySchedule = z.enum(['health_pass', 'rotation_pass']);
export type PolicySchedule = z.infer<typeof PolicySchedule>;
