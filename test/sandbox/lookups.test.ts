import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from './sandbox-fixture';

type Fixture = Awaited<ReturnType<typeof startSandbox>>;
let fx: Fixture;
beforeAll(async () => {
  fx = await startSandbox(21);
});
afterAll(async () => fx.close());

const lookup = (pn: string, fields: string, extra: Record<string, string> = {}) => fx.sdk().lookups.v2.phoneNumbers(pn).fetch({ fields, ...extra });

describe('Lookup v2 through the official SDK: answers decided by the number', () => {
  it('the magic bands: mobile, landline, VoIP, high pumping risk, reassigned, unknown, invalid', async () => {
    const all = 'line_type_intelligence,caller_name,sms_pumping_risk';
    expect(await lookup('+14155550000', all)).toMatchObject({
      valid: true, nationalFormat: '(415) 555-0000', lineTypeIntelligence: { type: 'mobile', carrierName: 'Sandbox Wireless' },
      callerName: { callerType: 'CONSUMER' }, smsPumpingRisk: { smsPumpingRiskScore: 4, numberBlocked: false },
    });
    expect((await lookup('+14155550101', all)).lineTypeIntelligence).toMatchObject({ type: 'landline' });
    expect((await lookup('+14155550201', all)).lineTypeIntelligence).toMatchObject({ type: 'nonFixedVoip' });
    expect((await lookup('+14155550301', all)).smsPumpingRisk).toMatchObject({ carrierRiskCategory: 'high', numberBlocked: true, smsPumpingRiskScore: 95 });
    expect((await lookup('+14155550501', all)).lineTypeIntelligence).toMatchObject({ type: 'unknown' });
    const invalid = await lookup('+14155550901', all);
    expect(invalid).toMatchObject({ valid: false, validationErrors: ['INVALID_BUT_POSSIBLE'], lineTypeIntelligence: null });
    // Only the packages asked for are answered (and billed).
    expect(await lookup('+14155550000', 'line_type_intelligence')).toMatchObject({ callerName: null, smsPumpingRisk: null });
  });

  it('reassigned numbers need the date the number was last verified', async () => {
    expect((await lookup('+14155550401', 'reassigned_number', { lastVerifiedDate: '20240301' })).reassignedNumber).toMatchObject({ isNumberReassigned: 'yes' });
    expect((await lookup('+14155550000', 'reassigned_number', { lastVerifiedDate: '20240301' })).reassignedNumber).toMatchObject({ isNumberReassigned: 'no' });
    expect((await lookup('+14155550401', 'reassigned_number', { lastVerifiedDate: '20200101' })).reassignedNumber).toMatchObject({ isNumberReassigned: 'no_data_available' });
    expect((await lookup('+14155550401', 'reassigned_number')).reassignedNumber).toMatchObject({ errorCode: '60617' });
  });

  it('an unknown package is refused with Twilio’s code; faults apply as to every product', async () => {
    await expect(lookup('+14155550000', 'horoscope')).rejects.toMatchObject({ status: 400, code: 60200 });
    await fx.control('POST', 'faults', { errorRate5xx: 1 });
    try {
      await expect(lookup('+14155550000', 'line_type_intelligence')).rejects.toMatchObject({ status: expect.any(Number) });
    } finally {
      await fx.control('DELETE', 'faults');
    }
  });

  it('the batch endpoint answers each item in order with its correlation id', async () => {
    const res = await fx.rawJson('POST', '/v2/batch/query', {
      phone_numbers: [
        { correlation_id: 'one', phone_number: '+14155550101', fields: ['line_type_intelligence'] },
        { correlation_id: 'two', phone_number: '+14155550301', fields: ['sms_pumping_risk'] },
        { correlation_id: 'three' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.phone_numbers).toEqual([
      expect.objectContaining({ correlation_id: 'one', valid: true, line_type_intelligence: expect.objectContaining({ type: 'landline' }) }),
      expect.objectContaining({ correlation_id: 'two', sms_pumping_risk: expect.objectContaining({ number_blocked: true }) }),
      { correlation_id: 'three', twilio_error_code: 60200 },
    ]);
    const tooMany = await fx.rawJson('POST', '/v2/batch/query', { phone_numbers: Array.from({ length: 101 }, (_, i) => ({ phone_number: `+1415555${String(i).padStart(4, '0')}` })) });
    expect(tooMany).toMatchObject({ status: 400, body: { code: 60200 } });
  });
});
