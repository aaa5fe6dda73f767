import { describe, expect, it } from 'vitest';
import { preflight } from '../../../compliance/a2p/preflight';
import type { A2pFees } from '../../../compliance/platform/prices';
import { goodDraft, soleProprietorDraft } from '../../fixtures/a2p-draft';

const fees: A2pFees = { brand: 4.5, secondaryVetting: 41, authPlus: 12.5, campaignVetting: 15, campaignMonthly: 10, lowVolumeCampaignMonthly: 1.5, soleProprietorCampaignMonthly: 2, numberMonthly: 1.15 };
type Draft = ReturnType<typeof goodDraft>;
const check = (mutate: (d: Draft) => void) => {
  const d = goodDraft();
  mutate(d);
  return preflight(d, fees);
};
const codes = (r: ReturnType<typeof preflight>) => r.problems.map((p) => `${p.field}:${p.code}`);

describe('preflight', () => {
  it('passes a complete, consistent draft and prices it', () => {
    const r = preflight(goodDraft(), fees);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.cost.oneTimeUsd).toBe(4.5 + 41 + 15);
    expect(r.cost.monthlyUsd).toBe(10 + 1.15);
  });

  it('prices low-volume standard without secondary vetting, and public companies with Auth+', () => {
    expect(check((d) => (d.brandType = 'low_volume_standard')).cost).toMatchObject({ oneTimeUsd: 19.5, monthlyUsd: 2.65 });
    const pub = check((d) => Object.assign(d.company, { type: 'public', stockExchange: 'NASDAQ', stockTicker: 'ACME' }));
    expect(pub.ok).toBe(true);
    expect(pub.cost.oneTimeUsd).toBe(4.5 + 41 + 12.5 + 15);
  });

  it('reports every missing field with its path, not just the first', () => {
    const r = preflight({ brandType: 'standard', campaign: { messageSamples: ['too short'] } }, fees);
    const fields = r.problems.map((p) => p.field);
    for (const f of ['profile', 'business', 'company', 'address', 'authorizedRepresentatives', 'campaign.usecase', 'campaign.messageSamples.0']) {
      expect(fields).toContain(f);
    }
    expect(r.ok).toBe(false);
  });

  it.each([
    ['EIN format', (d: Draft) => (d.business.registrationNumber = '123'), 'business.registrationNumber:ein_format'],
    ['public company without exchange/ticker', (d: Draft) => (d.company.type = 'public'), 'company.stockExchange:public_needs_exchange'],
    ['public company with free-mail contact', (d: Draft) => Object.assign(d.company, { type: 'public', stockExchange: 'NYSE', stockTicker: 'A', brandContactEmail: 'boss@gmail.com' }), 'company.brandContactEmail:free_mail_contact'],
    ['non-profit business type', (d: Draft) => (d.company.type = 'non-profit'), 'business.type:non_profit_business_type'],
    ['website on localhost', (d: Draft) => (d.business.websiteUrl = 'http://localhost:3000'), 'business.websiteUrl:reserved_domain'],
    ['website on a private address', (d: Draft) => (d.business.websiteUrl = 'http://192.168.1.10/'), 'business.websiteUrl:url_not_public'],
    ['message flow without consent', (d: Draft) => (d.campaign.messageFlow = 'We send our customers messages about their appointments and other things.'), 'campaign.messageFlow:message_flow_no_consent'],
    ['sample without the brand', (d: Draft) => (d.campaign.messageSamples[1] = 'Your appointment on [date] was moved to [time]. Reply HELP for help.'), 'campaign.messageSamples.1:sample_missing_brand'],
    ['mixed placeholders', (d: Draft) => (d.campaign.messageSamples[1] = 'Acme Dental: your appointment on {date} was moved to {time}.'), 'campaign.messageSamples:placeholder_style_mixed'],
    ['unbalanced placeholder', (d: Draft) => (d.campaign.messageSamples[1] = 'Acme Dental: your appointment on [date was moved. Reply HELP.'), 'campaign.messageSamples.1:placeholder_unbalanced'],
    ['no opt-out wording', (d: Draft) => (d.campaign.messageSamples = d.campaign.messageSamples.map((s) => s.replace(/ Reply STOP to opt out\./, ''))), 'campaign.messageSamples:samples_no_opt_out'],
    ['link flag disagrees', (d: Draft) => (d.campaign.messageSamples[1] = 'Acme Dental: reschedule at https://acmedental.com/r anytime.'), 'campaign.hasEmbeddedLinks:embedded_links_mismatch'],
    ['phone flag disagrees', (d: Draft) => (d.campaign.hasEmbeddedPhone = true), 'campaign.hasEmbeddedPhone:embedded_phone_mismatch'],
    ['opt-out keywords without STOP', (d: Draft) => (d.campaign.optOutKeywords = ['CANCEL']), 'campaign.optOutKeywords:opt_out_keywords_stop'],
    ['help keywords without HELP', (d: Draft) => (d.campaign.helpKeywords = ['INFO']), 'campaign.helpKeywords:help_keywords_help'],
    ['opt-in message without opt-out', (d: Draft) => (d.campaign.optInMessage = 'Acme Dental: you are subscribed to appointment reminders.'), 'campaign.optInMessage:opt_in_message_no_opt_out'],
    ['post-approval use case', (d: Draft) => (d.campaign.usecase = 'SWEEPSTAKE'), 'campaign.usecase:usecase_post_approval'],
    ['sole-proprietor use case', (d: Draft) => (d.campaign.usecase = 'SOLE_PROPRIETOR'), 'campaign.usecase:usecase_not_for_brand'],
    ['too many numbers for one campaign', (d: Draft) => (d.phoneNumbers = Array.from({ length: 50 }, (_, i) => `+1217555${String(1000 + i)}`)), 'phoneNumbers:campaign_number_cap'],
    ['too few samples', (d: Draft) => (d.campaign.messageSamples = [d.campaign.messageSamples[0]!]), 'campaign.messageSamples:too_few'],
  ])('%s', (_name, mutate, expected) => {
    const r = check(mutate);
    expect(r.ok).toBe(false);
    expect(codes(r)).toContain(expected);
  });

  it('warns, without failing, about a free-mail contact of a private company', () => {
    const r = check((d) => (d.company.brandContactEmail = 'owner@yahoo.com'));
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => w.code)).toContain('free_mail_contact');
  });
});

describe('preflight: the classes reviewers reject (each failing, then passing)', () => {
  const passes = (mutate: (d: Draft) => void) => {
    const r = check(mutate);
    expect(r.problems).toEqual([]);
    return r;
  };

  it.each([
    ['compact E.164', 'Acme Dental: call +14155550100 to reschedule. Reply STOP to opt out.'],
    ['spaced E.164', 'Acme Dental: call +1 415 555 0100 to reschedule. Reply STOP to opt out.'],
    ['parentheses', 'Acme Dental: call (415) 555-0100 to reschedule. Reply STOP to opt out.'],
    ['dots', 'Acme Dental: call 415.555.0100 to reschedule. Reply STOP to opt out.'],
    ['dashes with country code', 'Acme Dental: call 1-415-555-0100 to reschedule. Reply STOP to opt out.'],
    ['plain ten digits', 'Acme Dental: call 4155550100 to reschedule. Reply STOP to opt out.'],
    ['international E.164', 'Acme Dental: call +442071838750 to reschedule. Reply STOP to opt out.'],
  ])('a phone number in a sample (%s) must agree with hasEmbeddedPhone', (_name, sample) => {
    expect(codes(check((d) => (d.campaign.messageSamples[0] = sample)))).toContain('campaign.hasEmbeddedPhone:embedded_phone_mismatch');
    passes((d) => {
      d.campaign.messageSamples[0] = sample;
      d.campaign.hasEmbeddedPhone = true;
    });
  });

  it.each([
    ['a URL', 'Acme Dental: book at https://acmedental.com/book. Reply STOP to opt out.'],
    ['www without a scheme', 'Acme Dental: book at www.acmedental.com. Reply STOP to opt out.'],
    ['a bare domain with a path', 'Acme Dental: book at acme.dental/book. Reply STOP to opt out.'],
  ])('a link in a sample (%s) must agree with hasEmbeddedLinks; an e-mail address is not a link', (_name, sample) => {
    expect(codes(check((d) => (d.campaign.messageSamples[0] = sample)))).toContain('campaign.hasEmbeddedLinks:embedded_links_mismatch');
    passes((d) => {
      d.campaign.messageSamples[0] = sample;
      d.campaign.hasEmbeddedLinks = true;
    });
    passes((d) => (d.campaign.messageSamples[0] = 'Acme Dental: questions? Write to help@acmedental.com. Reply STOP to opt out.'));
  });

  it('public link shorteners are refused; a branded short domain is fine', () => {
    const short = (url: string) => (d: Draft) => {
      d.campaign.messageSamples[0] = `Acme Dental: confirm at ${url} now. Reply STOP to opt out.`;
      d.campaign.hasEmbeddedLinks = true;
    };
    for (const url of ['https://bit.ly/3xYz', 'tinyurl.com/acme-dent', 'http://t.co/abc']) {
      expect(codes(check(short(url))), url).toContain('campaign.messageSamples.0:public_url_shortener');
    }
    passes(short('https://acme.link/r/42'));
  });

  it('Advanced Opt-Out requires the opt-out and help keywords and messages; Twilio’s defaults do not', () => {
    const bare = (d: Draft) => {
      const c = d.campaign as Record<string, unknown>;
      for (const k of ['optInKeywords', 'optInMessage', 'optOutKeywords', 'optOutMessage', 'helpKeywords', 'helpMessage']) delete c[k];
    };
    const advanced = check((d) => {
      bare(d);
      (d.campaign as Record<string, unknown>).optOutHandling = 'advanced';
    });
    expect(codes(advanced).sort()).toEqual(
      ['campaign.helpKeywords', 'campaign.helpMessage', 'campaign.optOutKeywords', 'campaign.optOutMessage'].map((f) => `${f}:advanced_opt_out_requires`),
    );
    passes(bare); // twilio_default is the default
    passes((d) => ((d.campaign as Record<string, unknown>).optOutHandling = 'advanced')); // all given
  });

  it.each([
    ['cannabis', 'Acme Dental: our CBD gummies are back in stock. Reply STOP to opt out.', 'content_cannabis'],
    ['sexual content', 'Acme Dental: new adult content every week. Reply STOP to opt out.', 'content_sex'],
    ['third-party lending', 'Acme Dental: you are pre-approved for a loan of $5000! Reply STOP to opt out.', 'content_third_party_lending'],
    ['lead generation', 'Acme Dental: our partners will contact you with offers. Reply STOP to opt out.', 'content_lead_generation'],
    ['hate speech', 'Acme Dental: join our hate group today. Reply STOP to opt out.', 'content_hate'],
  ])('prohibited content (%s) is refused in samples and in the description', (_name, sample, code) => {
    expect(codes(check((d) => (d.campaign.messageSamples[1] = sample)))).toContain(`campaign.messageSamples.1:${code}`);
    expect(codes(check((d) => (d.campaign.description = `${d.campaign.description} ${sample}`)))).toContain(`campaign.description:${code}`);
  });

  it.each([
    ['alcohol', 'Acme Dental: happy hour at our open house, wine included. Reply STOP to opt out.'],
    ['firearms', 'Acme Dental: raffle for a hunting rifle this week. Reply STOP to opt out.'],
    ['tobacco', 'Acme Dental: vaping stains teeth; ask us about whitening. Reply STOP to opt out.'],
  ])('restricted content (%s) needs an age gate', (_name, sample) => {
    expect(codes(check((d) => (d.campaign.messageSamples[1] = sample)))).toContain('campaign.messageSamples.1:content_needs_age_gate');
    passes((d) => {
      d.campaign.messageSamples[1] = sample;
      (d.campaign as Record<string, unknown>).ageGated = true;
    });
  });

  it('debt collection is flagged with the reason, without failing; lending from a declared direct lender is a warning', () => {
    const r = check((d) => (d.campaign.messageSamples[1] = 'Acme Dental: your past due balance of $120 is ready to pay online. Reply STOP to opt out.'));
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => `${w.field}:${w.code}`)).toContain('campaign.messageSamples.1:content_debt_collection');
    const lender = check((d) => {
      d.campaign.messageSamples[1] = 'Acme Dental: get a loan for your implants in minutes. Reply STOP to opt out.';
      (d.campaign as Record<string, unknown>).directLending = true;
    });
    expect(lender.ok).toBe(true);
    expect(lender.warnings.map((w) => w.code)).toContain('content_direct_lending');
  });

  it('samples may name the brand by its DBA; the profile’s internal label never counts as the brand', () => {
    const dba = (d: Draft) => (d.campaign.messageSamples = d.campaign.messageSamples.map((s) => s.replace('Acme Dental', 'SmileCo')));
    expect(codes(check(dba))).toContain('campaign.messageSamples.0:sample_missing_brand');
    passes((d) => {
      dba(d);
      (d.business as Record<string, unknown>).tradeName = 'SmileCo';
    });
    // The profile's friendly name is only a label: naming the brand by it is not enough.
    expect(
      codes(
        check((d) => {
          d.profile.friendlyName = 'Client 4711';
          d.campaign.messageSamples = d.campaign.messageSamples.map((s) => s.replace('Acme Dental', 'Client 4711'));
        }),
      ),
    ).toContain('campaign.messageSamples.0:sample_missing_brand');
  });

  it.each([
    ['website', (d: Draft) => (d.business.websiteUrl = 'https://example.com'), 'business.websiteUrl'],
    ['privacy policy on .test', (d: Draft) => (d.campaign.privacyPolicyUrl = 'https://acme.test/privacy'), 'campaign.privacyPolicyUrl'],
    ['profile email on example.org', (d: Draft) => (d.profile.email = 'ops@example.org'), 'profile.email'],
    ['brand contact on .invalid', (d: Draft) => (d.company.brandContactEmail = 'owner@acme.invalid'), 'company.brandContactEmail'],
    ['representative on localhost', (d: Draft) => (d.authorizedRepresentatives[0]!.email = 'ada@localhost'), 'authorizedRepresentatives.0.email'],
  ])('a reserved domain is refused in every URL and e-mail field (%s)', (_name, mutate, field) => {
    expect(codes(check(mutate))).toContain(`${field}:reserved_domain`);
  });

  it('warns a public company up front that Authentication+ e-mails the brand contact, at the company’s own domain', () => {
    const pub = (email: string) => (d: Draft) => Object.assign(d.company, { type: 'public', stockExchange: 'NASDAQ', stockTicker: 'ACME', brandContactEmail: email });
    const other = check(pub('owner@acme-holdings.com'));
    expect(other.ok).toBe(true);
    expect(other.warnings.map((w) => `${w.field}:${w.code}`)).toContain('company.brandContactEmail:auth_plus_domain_mismatch');
    const same = check(pub('ir@acmedental.com'));
    expect(same.warnings.map((w) => w.code)).toContain('auth_plus_inbox');
    expect(same.warnings.map((w) => w.code)).not.toContain('auth_plus_domain_mismatch');
    expect(check(() => {}).warnings.map((w) => w.code)).not.toContain('auth_plus_inbox'); // private: no Auth+
  });

  it('the same fact is asked once: the address name and brand contact default to the business name and profile email', () => {
    const r = check((d) => {
      delete (d.address as Record<string, unknown>).customerName;
      delete (d.company as Record<string, unknown>).brandContactEmail;
    });
    expect(r.problems).toEqual([]);
  });

  it('schema problems are for people: "required" for a missing field, limits in words, allowed values listed', () => {
    const r = preflight({ brandType: 'gold', profile: { email: 'x@acmedental.com' }, campaign: { description: 'short', messageSamples: ['Acme Dental: hi. Reply STOP.'], extra: 1 } }, fees);
    const by = (f: string) => r.problems.find((p) => p.field === f);
    expect(by('profile.friendlyName')).toEqual({ field: 'profile.friendlyName', code: 'required', message: 'required' });
    expect(by('brandType')).toMatchObject({ code: 'not_allowed', message: 'must be one of: standard, low_volume_standard, sole_proprietor' });
    expect(by('campaign.description')).toMatchObject({ code: 'too_short', message: 'must have at least 40 characters' });
    expect(by('campaign.messageSamples')).toMatchObject({ code: 'too_few', message: 'must have at least 2 items' });
    expect(by('campaign.extra')).toMatchObject({ code: 'unknown_field' });
    expect(r.problems.every((p) => !/^invalid_/.test(p.code) && !/Invalid input/.test(p.message))).toBe(true);
  });
});

describe('preflight codes', () => {
  it('every code preflight can report is documented, in preflightCodes and in the A2P guide', async () => {
    const { readFile } = await import('node:fs/promises');
    const { preflightCodes } = await import('../../../compliance/a2p/preflight-codes');
    const { contentCategories } = await import('../../../compliance/a2p/content');
    const source = await readFile(new URL('../../../compliance/a2p/preflight.ts', import.meta.url), 'utf8');
    const literal = [...source.matchAll(/code: '([a-z_]+)'/g)].map((m) => m[1]!);
    const computed = ['too_short', 'too_long', 'too_few', 'too_many', ...contentCategories.filter((c) => c.verdict !== 'age_gated').map((c) => `content_${c.code}`)];
    const guide = await readFile(new URL('../../../docs/products/a2p.md', import.meta.url), 'utf8');
    for (const code of new Set([...literal, ...computed])) {
      expect(preflightCodes[code], code).toBeTruthy();
      expect(guide, `docs/products/a2p.md lists ${code}`).toContain(`\`${code}\``);
    }
  });
});

describe('preflight: political campaigns', () => {
  const token = 'cv|1.0|tcr|10dlc|9975c339-d46f-49b7-a399-0123456789ab|GQ3SIGNATURE';
  it('POLITICAL needs its Campaign Verify token, in the issued format; other use cases must not carry one', () => {
    expect(codes(check((d) => (d.campaign.usecase = 'POLITICAL')))).toContain('campaign.campaignVerifyToken:campaign_verify_token_required');
    expect(codes(check((d) => Object.assign(d.campaign, { usecase: 'POLITICAL', campaignVerifyToken: 'abc123' })))).toContain('campaign.campaignVerifyToken:invalid_format');
    expect(codes(check((d) => Object.assign(d.campaign, { campaignVerifyToken: token })))).toContain('campaign.campaignVerifyToken:campaign_verify_token_not_political');
    expect(check((d) => Object.assign(d.campaign, { usecase: 'POLITICAL', campaignVerifyToken: token })).problems).toEqual([]);
  });
});

describe('preflight: Sole Proprietor drafts', () => {
  type SpDraft = ReturnType<typeof soleProprietorDraft> & Record<string, unknown>;
  const sp = (mutate: (d: SpDraft) => void = () => {}) => {
    const d = soleProprietorDraft() as SpDraft;
    mutate(d);
    return preflight(d, fees);
  };

  it('prices a Sole Proprietor draft still being filled in as a Sole Proprietor, not as a standard brand', () => {
    const r = preflight({ brandType: 'sole_proprietor', phoneNumbers: ['+14155550100'], business: { name: '' } }, fees);
    expect(r.ok).toBe(false);
    expect(r.cost.lines.map((l) => l.item)).toEqual(['brand registration', 'campaign vetting (charged again on every resubmission)', 'campaign fee (Sole Proprietor)', '1 phone number(s)']);
    expect(r.cost).toMatchObject({ oneTimeUsd: 4.5 + 15, monthlyUsd: 2 + 1.15 });
  });

  it('prices an unfinished low-volume draft of a public company with its own fees', () => {
    const r = preflight({ brandType: 'low_volume_standard', company: { type: 'public' } }, fees);
    expect(r.ok).toBe(false);
    expect(r.cost).toMatchObject({ oneTimeUsd: 4.5 + 12.5 + 15, monthlyUsd: 1.5 });
  });

  it('passes a person without a tax ID, warns about the OTP, and prices it without secondary vetting', () => {
    const r = sp();
    expect(r.problems).toEqual([]);
    expect(r.warnings).toContainEqual(expect.objectContaining({ field: 'soleProprietor.mobilePhoneNumber', code: 'sole_proprietor_otp', message: expect.stringMatching(/YES within 24 hours/) }));
    expect(r.cost).toMatchObject({ oneTimeUsd: 4.5 + 15, monthlyUsd: 2 + 1.15 });
    expect(r.cost.lines.map((l) => l.item)).not.toContain('secondary vetting (Standard brands)');
  });

  it.each([
    ['a tax ID', (d: SpDraft) => Object.assign(d.business, { registrationNumber: '12-3456789' }), 'business.registrationNumber:sole_proprietor_tax_id'],
    ['a registration identifier', (d: SpDraft) => Object.assign(d.business, { registrationIdentifier: 'EIN' }), 'business.registrationIdentifier:sole_proprietor_tax_id'],
    ['two numbers', (d: SpDraft) => (d.phoneNumbers = ['+13195550123', '+13195550124']), 'phoneNumbers:sole_proprietor_one_number'],
    ['an address outside the US and Canada', (d: SpDraft) => (d.address.isoCountry = 'GB'), 'address.isoCountry:sole_proprietor_country'],
    ['another use case', (d: SpDraft) => (d.campaign.usecase = 'MARKETING'), 'campaign.usecase:sole_proprietor_usecase'],
    ['a mobile outside the US and Canada', (d: SpDraft) => (d.soleProprietor.mobilePhoneNumber = '+447700900123'), 'soleProprietor.mobilePhoneNumber:sole_proprietor_country'],
    ['no mobile', (d: SpDraft) => delete (d.soleProprietor as Partial<SpDraft['soleProprietor']>).mobilePhoneNumber, 'soleProprietor.mobilePhoneNumber:required'],
    ['a standard brand’s fields', (d: SpDraft) => (d.company = { type: 'private' }), 'company:unknown_field'],
  ])('refuses %s, naming the field', (_what, mutate, expected) => {
    const r = sp(mutate);
    expect(r.ok).toBe(false);
    expect(codes(r)).toContain(expected);
  });

  it('checks the same classes as any draft: samples name the brand, links agree with the flag, no reserved domains', () => {
    expect(codes(sp((d) => (d.campaign.messageSamples = ['Your lesson is on [date] at [time]. Reply STOP to opt out.', 'The lesson moved to [time]. Reply HELP for help.'])))).toContain('campaign.messageSamples.0:sample_missing_brand');
    expect(codes(sp((d) => (d.campaign.hasEmbeddedLinks = true)))).toContain('campaign.hasEmbeddedLinks:embedded_links_mismatch');
    expect(codes(sp((d) => (d.profile.email = 'jane@example.com')))).toContain('profile.email:reserved_domain');
  });

  it('a standard draft may not take the SOLE_PROPRIETOR use case; an unknown brand type names the allowed ones', () => {
    expect(codes(check((d) => (d.campaign.usecase = 'SOLE_PROPRIETOR')))).toContain('campaign.usecase:usecase_not_for_brand');
    const r = preflight({ ...goodDraft(), brandType: 'sole_prop' }, fees);
    expect(r.problems).toEqual([expect.objectContaining({ field: 'brandType', code: 'not_allowed', message: 'must be one of: standard, low_volume_standard, sole_proprietor' })]);
  });
});
