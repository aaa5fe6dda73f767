import type { Db } from '../kit/pool';
import { HEALTH_WINDOW_DAYS, scoreNumber, type HealthInputs } from '../../compliance/number-health/score';
import type { CallOutcomesBody, HealthListQuery, HealthSummary, NumberHealth } from '../../schemas/number-health/health';

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
  const [lookups, calls, reputation, trust, hygiene] = await Promise.all([
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
    db.query<HygieneRow>(
      `SELECT p.phone_number, p.hygiene_state, p.quarantined_at, ${RESTING_UNTIL} AS resting_until
         FROM phone_numbers p LEFT JOIN hygiene_policies h ON h.tenant_id = p.tenant_id
        WHERE p.tenant_id = $1 AND p.phone_number = ANY($2) AND p.status IN ${LIVE}`,
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
    const h = hygiene.rows.find((r) => r.phone_number === n);
    return {
      phoneNumber: n,
      ...scoreNumber(inputs),
      inputs: shown,
      hygieneState: h?.hygiene_state ?? 'ok',
      quarantinedAt: h?.quarantined_at?.toISOString() ?? null,
      restingUntil: h?.resting_until?.toISOString() ?? null,
    };
  });
}

interface HygieneRow {
  phone_number: string;
  hygiene_state: 'ok' | 'quarantined';
  quarantined_at: Date | null;
  resting_until: Date | null;
}
const LIVE = `('purchasing','active','releasing')`;
/**
 * Until when a quarantined number rests (p: phone_numbers, h: the tenant's hygiene_policies, maybe none): as the
 * health pass decides (activities/number-health/health.ts), restDays after its quarantine; a rotated number never
 * comes back, so it does not rest. Null when not resting (now).
 */
const RESTING_UNTIL = `CASE WHEN p.hygiene_state = 'quarantined' AND p.replaced_by IS NULL
    AND p.quarantined_at + make_interval(days => COALESCE(h.rest_days, 0)) > now()
  THEN p.quarantined_at + make_interval(days => COALESCE(h.rest_days, 0)) END`;

/**
 * How much one request may score: the score is computed here, not stored, so a filter on it (and the summary)
 * reads the numbers a chunk at a time and stops after maxRows, answering with where it stopped. Tests lower
 * maxRows to see a request stop.
 */
export const healthScan = { chunkRows: 500, maxRows: 5_000, summaryMaxRows: 10_000 };

/** The tenant's active numbers after `after` matching the SQL filters, in number order. */
async function candidates(db: Db, tenantId: string, q: HealthListQuery, after: string | null, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ phone_number: string }>(
    `SELECT p.phone_number FROM phone_numbers p LEFT JOIN hygiene_policies h ON h.tenant_id = p.tenant_id
      WHERE p.tenant_id = $1 AND p.status = 'active' AND ($2::text IS NULL OR p.phone_number > $2)
        AND ($3::text IS NULL OR p.hygiene_state = $3)
        AND ($4::boolean IS NULL OR (${RESTING_UNTIL} IS NOT NULL) = $4)
      ORDER BY p.phone_number LIMIT $5`,
    [tenantId, after, q.hygieneState ?? null, q.resting ?? null, limit],
  );
  return rows.map((r) => r.phone_number);
}

/**
 * One page of the tenant's live numbers, by number, each with its health. hygieneState and resting filter in
 * SQL; belowScore scores chunks of numbers after the cursor until `limit` match, the numbers end, or maxRows
 * were scored: then the page may be short (even empty) and nextCursor is the last number scored.
 */
export async function listHealth(db: Db, tenantId: string, q: HealthListQuery) {
  if (q.belowScore === undefined) {
    const rows = await candidates(db, tenantId, q, q.cursor ?? null, q.limit + 1);
    const page = rows.slice(0, q.limit);
    return { data: await healthOf(db, tenantId, page), nextCursor: rows.length > q.limit ? page[page.length - 1]! : null };
  }
  const below = q.belowScore;
  const data: NumberHealth[] = [];
  let after = q.cursor ?? null;
  for (let scanned = 0; scanned < healthScan.maxRows; ) {
    const size = Math.min(healthScan.chunkRows, healthScan.maxRows - scanned);
    const chunk = await candidates(db, tenantId, q, after, size);
    if (chunk.length === 0) return { data, nextCursor: null };
    const scored = await healthOf(db, tenantId, chunk);
    for (const [i, h] of scored.entries()) {
      if (h.score >= below) continue;
      // One more matches: the next page starts at it.
      if (data.length === q.limit) return { data, nextCursor: (i > 0 ? chunk[i - 1] : after)! };
      data.push(h);
    }
    scanned += chunk.length;
    after = chunk[chunk.length - 1]!;
    if (chunk.length < size) return { data, nextCursor: null };
  }
  return { data, nextCursor: after };
}

/** Counts of the tenant's live numbers by hygiene state and score, scored a chunk at a time (see healthScan). */
export async function healthSummary(db: Db, tenantId: string): Promise<HealthSummary> {
  const { rows } = await db.query<{ total: number; quarantined: number; resting: number; threshold: number | null }>(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE p.hygiene_state = 'quarantined')::int AS quarantined,
            count(*) FILTER (WHERE ${RESTING_UNTIL} IS NOT NULL)::int AS resting,
            (SELECT quarantine_below FROM hygiene_policies WHERE tenant_id = $1) AS threshold
       FROM phone_numbers p LEFT JOIN hygiene_policies h ON h.tenant_id = p.tenant_id
      WHERE p.tenant_id = $1 AND p.status = 'active'`,
    [tenantId],
  );
  const counts = rows[0]!;
  const buckets = Array.from({ length: 10 }, (_, i) => ({ from: i * 10, to: i === 9 ? 100 : i * 10 + 9, count: 0 }));
  let after: string | null = null;
  let scanned = 0;
  let partial = false;
  for (;;) {
    if (scanned >= healthScan.summaryMaxRows) {
      partial = (await candidates(db, tenantId, { limit: 1 }, after, 1)).length > 0;
      break;
    }
    const size = Math.min(healthScan.chunkRows, healthScan.summaryMaxRows - scanned);
    const chunk = await candidates(db, tenantId, { limit: size }, after, size);
    for (const h of await healthOf(db, tenantId, chunk)) buckets[Math.min(9, Math.floor(h.score / 10))]!.count++;
    scanned += chunk.length;
    if (chunk.length < size) break;
    after = chunk[chunk.length - 1]!;
  }
  return { ...counts, buckets, partial, computedAt: new Date().toISOString() };
}

/** A page of one number's reported call outcomes, newest first; the cursor is the last one's `at|id`. */
export async function callOutcomesOf(db: Db, tenantId: string, phoneNumber: string, q: { limit: number; cursor?: string }) {
  // The query's schema made sure a cursor is one this list gives (OUTCOME_CURSOR).
  const [at, id] = q.cursor ? q.cursor.split('|') : [null, null];
  const { rows } = await db.query<{ id: string; at: Date; outcome: string; duration_seconds: number | null; external_id: string | null }>(
    `SELECT id::text, at, outcome, duration_seconds, external_id FROM number_call_outcomes
      WHERE tenant_id = $1 AND phone_number = $2 AND ($3::timestamptz IS NULL OR (at, id) < ($3, $4::bigint))
      ORDER BY at DESC, id DESC LIMIT $5`,
    [tenantId, phoneNumber, at, id, q.limit + 1],
  );
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    data: page.map((r) => ({ at: r.at.toISOString(), outcome: r.outcome as CallOutcomesBody['outcomes'][number]['outcome'], durationSeconds: r.duration_seconds, externalId: r.external_id })),
    nextCursor: rows.length > q.limit && last ? `${last.at.toISOString()}|${last.id}` : null,
  };
}

export async function isLiveNumber(db: Db, tenantId: string, phoneNumber: string) {
  return (await liveNumbers(db, tenantId, [phoneNumber])).has(phoneNumber);
}
