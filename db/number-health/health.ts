import type { Db } from '../kit/pool';
import { HEALTH_WINDOW_DAYS, scoreNumber, type HealthInputs } from '../../compliance/number-health/score';
import type { CallOutcomesBody, NumberHealth } from '../../schemas/number-health/health';

/** The tenant's live numbers among these. */
async function liveNumbers(db: Db, tenantId: string, phoneNumbers: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ phone_number: string }>(
    `SELECT phone_number FROM phone_numbers WHERE tenant_id = $1 AND phone_number = ANY($2) AND status IN ('purchasing','active','releasing')`,
    [tenantId, phoneNumbers],
  );
  return new Set(rows.map((r) => r.phone_number));
}

/** Stores posted call outcomes of the tenant's own numbers; an outcome posted again (same externalId) counts once. */
export async function recordCallOutcomes(db: Db, tenantId: string, body: CallOutcomesBody) {
  const mine = await liveNumbers(db, tenantId, body.outcomes.map((o) => o.phoneNumber));
  const refused = body.outcomes.flatMap((o, index) => (mine.has(o.phoneNumber) ? [] : [{ index, phoneNumber: o.phoneNumber, reason: 'not one of your live numbers' }]));
  const kept = body.outcomes.filter((o) => mine.has(o.phoneNumber));
  if (kept.length === 0) return { accepted: 0, duplicates: 0, refused };
  const { rowCount } = await db.query(
    `INSERT INTO number_call_outcomes (tenant_id, phone_number, at, outcome, duration_seconds, external_id)
     SELECT $1, o."phoneNumber", o.at, o.outcome, o."durationSeconds", o."externalId"
       FROM jsonb_to_recordset($2) AS o("phoneNumber" text, at timestamptz, outcome text, "durationSeconds" integer, "externalId" text)
     ON CONFLICT (tenant_id, external_id) DO NOTHING`,
    [tenantId, JSON.stringify(kept)],
  );
  return { accepted: rowCount ?? 0, duplicates: kept.length - (rowCount ?? 0), refused };
}

export async function recordReputation(db: Db, tenantId: string, scores: { phoneNumber: string; score: number; source: string }[]) {
  const mine = await liveNumbers(db, tenantId, scores.map((s) => s.phoneNumber));
  const refused = scores.flatMap((s, index) => (mine.has(s.phoneNumber) ? [] : [{ index, phoneNumber: s.phoneNumber, reason: 'not one of your live numbers' }]));
  const kept = scores.filter((s) => mine.has(s.phoneNumber));
  if (kept.length) {
    await db.query(
      `INSERT INTO number_reputation (tenant_id, phone_number, source, score, reported_at)
       SELECT $1, s."phoneNumber", s.source, s.score, now() FROM jsonb_to_recordset($2) AS s("phoneNumber" text, source text, score integer)
       ON CONFLICT (tenant_id, phone_number, source) DO UPDATE SET score = EXCLUDED.score, reported_at = EXCLUDED.reported_at`,
      [tenantId, JSON.stringify(kept)],
    );
  }
  return { accepted: kept.length, duplicates: 0, refused };
}

/** Health of these numbers of the tenant, from its cached lookups, posted outcomes (last 30 days) and reputation. */
export async function healthOf(db: Db, tenantId: string, phoneNumbers: string[]): Promise<NumberHealth[]> {
  const [lookups, calls, reputation, trust] = await Promise.all([
    db.query<{ phone_number: string; package: string; result: Record<string, unknown> | null }>(
      `SELECT phone_number, package, result FROM number_lookups WHERE tenant_id = $1 AND phone_number = ANY($2) AND package IN ('line_type_intelligence', 'sms_pumping_risk')`,
      [tenantId, phoneNumbers],
    ),
    db.query<{ phone_number: string; total: number; answered: number; short: number; blocked: number; labelled: number; complaints: number }>(
      `SELECT phone_number,
              count(*) FILTER (WHERE outcome IN ('answered','no_answer','busy','failed','blocked'))::int AS total,
              count(*) FILTER (WHERE outcome = 'answered')::int AS answered,
              count(*) FILTER (WHERE outcome = 'answered' AND duration_seconds < 10)::int AS short,
              count(*) FILTER (WHERE outcome = 'blocked')::int AS blocked,
              count(*) FILTER (WHERE outcome = 'labelled')::int AS labelled,
              count(*) FILTER (WHERE outcome = 'complaint')::int AS complaints
         FROM number_call_outcomes
        WHERE tenant_id = $1 AND phone_number = ANY($2) AND at > now() - make_interval(days => $3)
        GROUP BY phone_number`,
      [tenantId, phoneNumbers, HEALTH_WINDOW_DAYS],
    ),
    // The worst current opinion counts: a number flagged by any source is flagged.
    db.query<{ phone_number: string; score: number; source: string }>(
      `SELECT DISTINCT ON (phone_number) phone_number, score, source FROM number_reputation
        WHERE tenant_id = $1 AND phone_number = ANY($2) ORDER BY phone_number, score, source`,
      [tenantId, phoneNumbers],
    ),
    // Approved registrations the number is still on (not detached).
    db.query<{ phone_number: string; product: string }>(
      `SELECT DISTINCT n.phone_number, r.product FROM voice_trust_numbers n JOIN voice_trust_registrations r ON r.id = n.registration_id
        WHERE n.tenant_id = $1 AND n.phone_number = ANY($2) AND n.on_trust_product AND n.detached_at IS NULL AND r.twilio_status = 'twilio-approved'`,
      [tenantId, phoneNumbers],
    ),
  ]);
  return phoneNumbers.map((n) => {
    const pkg = (p: string) => lookups.rows.find((r) => r.phone_number === n && r.package === p)?.result ?? null;
    const c = calls.rows.find((r) => r.phone_number === n);
    const rep = reputation.rows.find((r) => r.phone_number === n);
    const inputs: HealthInputs = {
      lineType: (pkg('line_type_intelligence')?.type as string | undefined) ?? null,
      // Cached by a bulk lookup before its answers were stored in the single lookup's shape: snake_case.
      smsPumpingRiskScore: ((pkg('sms_pumping_risk')?.smsPumpingRiskScore ?? pkg('sms_pumping_risk')?.sms_pumping_risk_score) as number | undefined) ?? null,
      calls: c ? { total: c.total, answered: c.answered, short: c.short, blocked: c.blocked, labelled: c.labelled, complaints: c.complaints } : { total: 0, answered: 0, short: 0, blocked: 0, labelled: 0, complaints: 0 },
      reputation: rep ? { score: rep.score, source: rep.source } : null,
      voiceTrust: {
        shakenStir: trust.rows.some((t) => t.phone_number === n && t.product === 'shaken_stir') ? 'A' : null,
        cnam: trust.rows.some((t) => t.phone_number === n && t.product === 'cnam'),
        voiceIntegrity: trust.rows.some((t) => t.phone_number === n && t.product === 'voice_integrity'),
      },
    };
    const shown = { lineType: inputs.lineType ?? null, smsPumpingRiskScore: inputs.smsPumpingRiskScore ?? null, calls: inputs.calls, reputation: inputs.reputation ?? null, voiceTrust: inputs.voiceTrust! };
    return { phoneNumber: n, ...scoreNumber(inputs), inputs: shown };
  });
}

/** One page of the tenant's live numbers, by number, each with its health. */
export async function listHealth(db: Db, tenantId: string, q: { limit: number; cursor?: string }) {
  const { rows } = await db.query<{ phone_number: string }>(
    `SELECT phone_number FROM phone_numbers WHERE tenant_id = $1 AND status = 'active' AND ($2::text IS NULL OR phone_number > $2)
      ORDER BY phone_number LIMIT $3`,
    [tenantId, q.cursor ?? null, q.limit + 1],
  );
  const page = rows.slice(0, q.limit).map((r) => r.phone_number);
  return { data: await healthOf(db, tenantId, page), nextCursor: rows.length > q.limit ? page[page.length - 1]! : null };
}

export async function isLiveNumber(db: Db, tenantId: string, phoneNumber: string) {
  return (await liveNumbers(db, tenantId, [phoneNumber])).has(phoneNumber);
}
