import { describe, expect, it } from 'vitest';
import { tollfreePreflight } from '../../../compliance/tollfree/preflight';

const draft = {
  tollfreePhoneNumber: '+18005550100',
  business: { name: 'Acme Roofing', website: 'https://acmeroofing.com', type: 'PRIVATE_PROFIT', registrationNumber: '12-3456789', registrationAuthority: 'EIN' },
  notificationEmail: 'ops@acmeroofing.com',
  useCaseCategories: ['ACCOUNT_NOTIFICATIONS'],
  useCaseSummary: 'Appointment reminders for customers who booked online and opted in',
  productionMessageSample: 'Acme Roofing: your inspection is tomorrow at 9am. Reply STOP to opt out.',
  optIn: { type: 'WEB_FORM', imageUrls: ['https://acmeroofing.com/optin.png'] },
  messageVolume: '1,000',
  privacyPolicyUrl: 'https://acmeroofing.com/privacy',
};
const fieldsAndCodes = (ps: { field: string | null; code: string }[]) => ps.map((p) => [p.field, p.code]);

describe('toll-free preflight of a draft being typed', () => {
  it('a complete good draft has no problems; one without its registration number has the rule’s', () => {
    expect(tollfreePreflight(draft)).toEqual({ ok: true, problems: [], warnings: [] });
    const { registrationNumber: _n, registrationAuthority: _a, ...business } = draft.business;
    expect(fieldsAndCodes(tollfreePreflight({ ...draft, business }).problems)).toEqual([['business.registrationNumber', 'registration_number_required']]);
  });

  it('each missing or invalid field is a problem with A2P’s codes, and the rules still read what is there', () => {
    const report = tollfreePreflight({ business: { type: 'SOLE_PROPRIETOR', name: 7 }, useCaseCategories: 'MARKETING', productionMessageSample: 'Buy bitcoin now' });
    expect(report.ok).toBe(false);
    expect(fieldsAndCodes(report.problems)).toEqual(expect.arrayContaining([
      ['tollfreePhoneNumber', 'required'],
      ['business.name', 'wrong_type'],
      ['business.website', 'required'],
      ['useCaseCategories', 'wrong_type'],
      ['productionMessageSample', 'content_cryptocurrency'],
    ]));
    // A sole proprietor needs no registration number; the sample names no business and has no opt-out.
    expect(fieldsAndCodes(report.problems)).not.toContainEqual(['business.registrationNumber', 'registration_number_required']);
    expect(report.warnings.map((w) => w.code)).toEqual(['sample_names_business', 'sample_opt_out', 'privacy_policy']);
  });

  it('a value over its limit is reported, and no rule reads it', () => {
    const long = `${'crypto '.repeat(200)}`;
    const report = tollfreePreflight({ ...draft, productionMessageSample: long });
    expect(fieldsAndCodes(report.problems)).toEqual([['productionMessageSample', 'too_long']]);
  });

  it('an unknown field, and anything but an object, are problems of the draft', () => {
    expect(fieldsAndCodes(tollfreePreflight({ ...draft, colour: 'blue' }).problems)).toEqual([['colour', 'unknown_field']]);
    expect(fieldsAndCodes(tollfreePreflight(null).problems)).toEqual([['(draft)', 'wrong_type']]);
  });
});
