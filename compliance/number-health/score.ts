/**
 * A number's health, 0–100, from what the service can observe and what the tenant reports. The score is
 * explainable by construction: it starts at 100 and each factor that moved it is listed with its points and
 * why. No factor is hidden; docs/reference/preflight-codes.md (generated) lists them all.
 */

export interface HealthInputs {
  /** From the newest cached Lookup (line_type_intelligence / sms_pumping_risk), when there is one. */
  lineType?: string | null;
  smsPumpingRiskScore?: number | null;
  /** Call outcomes the tenant posted over the window. */
  calls: { total: number; answered: number; short: number; blocked: number; labelled: number; complaints: number };
  /** The newest external reputation score the tenant posted (0 = worst, 100 = best), and its source. */
  reputation?: { score: number; source: string } | null;
  /** The number's approved voice trust registrations (SHAKEN/STIR attestation, CNAM, Voice Integrity). */
  voiceTrust?: { shakenStir: 'A' | null; cnam: boolean; voiceIntegrity: boolean } | null;
}

export interface HealthFactor {
  factor: string;
  points: number;
  detail: string;
}

/** Below this many calls, rates say nothing and are not scored. */
export const MIN_CALLS_FOR_RATES = 20;
export const HEALTH_WINDOW_DAYS = 30;

/**
 * Every factor a score can list, with the rule behind its points: one list (scoreNumber takes only these
 * names), so the reference page (docs/reference/preflight-codes.md) is generated from it.
 */
export const healthFactors = {
  line_type: '−10 for a non-fixed VoIP number (labelled as spam more often by carrier analytics), −5 when the carrier reports no line type',
  sms_pumping_risk: '−15 when Twilio’s SMS pumping risk score is over 70',
  blocked_reports: `−10 for each call reported blocked in ${HEALTH_WINDOW_DAYS} days, at most −40`,
  spam_labels: '−10 for each call reported labelled as spam, at most −40',
  complaints: '−15 for each complaint, at most −45',
  answer_rate: `with ${MIN_CALLS_FOR_RATES} calls or more: −20 when under 30 % are answered, −10 when under 50 %`,
  short_calls: `with ${MIN_CALLS_FOR_RATES} calls or more: −15 when over 40 % of the answered calls lasted under 10 s`,
  no_a_attestation: `−5 with ${MIN_CALLS_FOR_RATES} calls or more while the number is on no approved SHAKEN/STIR trust product (no A attestation)`,
  external_reputation: '0.3 points for each point under 100 of the newest external reputation score you posted',
} as const;
export type HealthFactorName = keyof typeof healthFactors;

export function scoreNumber(i: HealthInputs): { score: number; factors: HealthFactor[] } {
  const factors: HealthFactor[] = [];
  const add = (factor: HealthFactorName, points: number, detail: string) => points !== 0 && factors.push({ factor, points, detail });

  if (i.lineType === 'nonFixedVoip') add('line_type', -10, 'non-fixed VoIP numbers are labelled as spam more often by carrier analytics');
  else if (i.lineType === 'unknown') add('line_type', -5, 'the carrier does not report a line type');
  if ((i.smsPumpingRiskScore ?? 0) > 70) add('sms_pumping_risk', -15, `Twilio's SMS pumping risk score is ${i.smsPumpingRiskScore} (over 70)`);

  const c = i.calls;
  add('blocked_reports', -Math.min(40, c.blocked * 10), `${c.blocked} call(s) reported blocked in ${HEALTH_WINDOW_DAYS} days (10 points each, at most 40)`);
  add('spam_labels', -Math.min(40, c.labelled * 10), `${c.labelled} call(s) reported labelled as spam (10 points each, at most 40)`);
  add('complaints', -Math.min(45, c.complaints * 15), `${c.complaints} complaint(s) (15 points each, at most 45)`);
  if (c.total >= MIN_CALLS_FOR_RATES) {
    const answerRate = c.answered / c.total;
    if (answerRate < 0.3) add('answer_rate', -20, `${Math.round(answerRate * 100)} % of ${c.total} calls answered (under 30 %)`);
    else if (answerRate < 0.5) add('answer_rate', -10, `${Math.round(answerRate * 100)} % of ${c.total} calls answered (under 50 %)`);
    const shortRate = c.answered ? c.short / c.answered : 0;
    if (shortRate > 0.4) add('short_calls', -15, `${Math.round(shortRate * 100)} % of answered calls lasted under 10 s (over 40 %)`);
  }
  if (i.voiceTrust && i.voiceTrust.shakenStir !== 'A' && c.total >= MIN_CALLS_FOR_RATES) {
    add('no_a_attestation', -5, `${c.total} calls in ${HEALTH_WINDOW_DAYS} days without A attestation: the number is on no approved SHAKEN/STIR trust product`);
  }
  if (i.reputation) {
    add('external_reputation', -Math.round((100 - i.reputation.score) * 0.3), `${i.reputation.source} rates it ${i.reputation.score}/100 (0.3 points per point under 100)`);
  }
  const score = Math.max(0, Math.min(100, 100 + factors.reduce((sum, f) => sum + f.points, 0)));
  return { score, factors };
}
