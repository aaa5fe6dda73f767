import { describe, expect, it } from 'vitest';
import { costOf } from '../../../activities/kit/costs';

const fees = { brand: 4.5, secondaryVetting: 41, authPlus: 12.5, campaignVetting: 15, campaignMonthly: 10, lowVolumeCampaignMonthly: 1.5, soleProprietorCampaignMonthly: 2, numberMonthly: 1.15 };
const AC = `AC${'0'.repeat(32)}`;
const MG = `MG${'1'.repeat(32)}`;
const QE = `QE${'2'.repeat(32)}`;
const PN = `PN${'3'.repeat(32)}`;

describe('what a Twilio write costs', () => {
  it('prices purchases, brands and campaigns, and nothing else', () => {
    expect(costOf('POST', `/2010-04-01/Accounts/${AC}/IncomingPhoneNumbers.json`, { PhoneNumber: '+14155550100' }, fees)).toEqual([{ item: 'number_monthly', amountUsd: 1.15 }]);
    expect(costOf('POST', `/2010-04-01/Accounts/${AC}/IncomingPhoneNumbers/${PN}.json`, { VoiceUrl: 'https://x' }, fees)).toEqual([]); // configuring
    expect(costOf('DELETE', `/2010-04-01/Accounts/${AC}/IncomingPhoneNumbers/${PN}.json`, {}, fees)).toEqual([]);
    expect(costOf('POST', '/v1/a2p/BrandRegistrations', {}, fees).map((c) => c.item)).toEqual(['brand_registration', 'secondary_vetting']);
    expect(costOf('POST', '/v1/a2p/BrandRegistrations', { SkipAutomaticSecVet: true }, fees)).toEqual([{ item: 'brand_registration', amountUsd: 4.5 }]);
    expect(costOf('POST', `/v1/Services/${MG}/Compliance/Usa2p`, { UsAppToPersonUsecase: 'LOW_VOLUME' }, fees)).toEqual([
      { item: 'campaign_vetting', amountUsd: 15 },
      { item: 'campaign_monthly', amountUsd: 1.5 },
    ]);
    expect(costOf('POST', `/v1/Services/${MG}/Compliance/Usa2p/${QE}`, {}, fees)).toEqual([{ item: 'campaign_vetting', amountUsd: 15 }]); // resubmission
    expect(costOf('POST', '/v1/Trunks', {}, fees)).toEqual([]);
  });
});
