import { describe, expect, it } from 'vitest';
import { scoreNumber, type HealthInputs } from '../../../compliance/number-health/score';

const quiet: HealthInputs['calls'] = { total: 0, answered: 0, short: 0, blocked: 0, labelled: 0, complaints: 0 };

describe('number health score', () => {
  it('a number with nothing against it scores 100 with no factors', () => {
    expect(scoreNumber({ calls: quiet, lineType: 'mobile', smsPumpingRiskScore: 4 })).toEqual({ score: 100, factors: [] });
  });

  it('each factor moves the score by its documented points, and says why', () => {
    const r = scoreNumber({
      lineType: 'nonFixedVoip',
      smsPumpingRiskScore: 95,
      calls: { total: 100, answered: 25, short: 15, blocked: 2, labelled: 1, complaints: 1 },
      reputation: { score: 40, source: 'hiya' },
    });
    expect(r.factors.map((f) => [f.factor, f.points])).toEqual([
      ['line_type', -10], ['sms_pumping_risk', -15], ['blocked_reports', -20], ['spam_labels', -10], ['complaints', -15],
      ['answer_rate', -20], ['short_calls', -15], ['external_reputation', -18],
    ]);
    expect(r.score).toBe(0); // clamped
    expect(r.factors.find((f) => f.factor === 'answer_rate')!.detail).toBe('25 % of 100 calls answered (under 30 %)');
  });

  it('a number making calls without A attestation loses 5 points; one on an approved SHAKEN/STIR product does not', () => {
    const calls = { ...quiet, total: 25, answered: 20 };
    expect(scoreNumber({ calls, voiceTrust: { shakenStir: null, cnam: false, voiceIntegrity: false } })).toMatchObject({ score: 95, factors: [{ factor: 'no_a_attestation', points: -5 }] });
    expect(scoreNumber({ calls, voiceTrust: { shakenStir: 'A', cnam: true, voiceIntegrity: false } })).toEqual({ score: 100, factors: [] });
    expect(scoreNumber({ calls: quiet, voiceTrust: { shakenStir: null, cnam: false, voiceIntegrity: false } }).score).toBe(100); // quiet: nothing to sign
  });

  it('rates need enough calls; caps stop one kind of report from outweighing everything', () => {
    expect(scoreNumber({ calls: { ...quiet, total: 10, answered: 1 } }).score).toBe(100);
    expect(scoreNumber({ calls: { ...quiet, blocked: 9 } })).toMatchObject({ score: 60, factors: [{ factor: 'blocked_reports', points: -40 }] });
    expect(scoreNumber({ calls: { ...quiet, total: 40, answered: 18, short: 2 } })).toMatchObject({ score: 90, factors: [{ factor: 'answer_rate', points: -10 }] });
  });
});
