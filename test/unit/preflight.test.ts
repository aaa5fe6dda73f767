import { describe, expect, it } from 'vitest';
import { preflight } from '../../compliance/preflight';
import type { A2pFees } from '../../compliance/fees';
import { goodDraft } from '../fixtures/a2p-draft';

const fees: A2pFees = { brand: 4.5, secondaryVetting: 41, authPlus: 12.5, campaignVetting: 15, campaignMonthly: 10, lowVolumeCampaignMonthly: 1.5, numberMonthly: 1.15 };
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
    ['website on localhost', (d: Draft) => (d.business.websiteUrl = 'http://localhost:3000'), 'business.websiteUrl:url_not_public'],
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
    ['too few samples', (d: Draft) => (d.campaign.messageSamples = [d.campaign.messageSamples[0]!]), 'campaign.messageSamples:invalid_too_small'],
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
