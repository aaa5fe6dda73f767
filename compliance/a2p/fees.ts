import type { A2pFees } from '../platform/prices';
import type { PreflightResult, RegistrationDraft } from '../../schemas/a2p/registration';

const cents = (n: number) => Math.round(n * 100) / 100;

/** What a registration will cost if it goes through first time; every resubmission adds campaign vetting again. */
export function estimateCost(draft: Partial<RegistrationDraft>, fees: A2pFees): PreflightResult['cost'] {
  const lines: PreflightResult['cost']['lines'] = [{ item: 'brand registration', amountUsd: fees.brand, when: 'one_time' }];
  const soleProprietor = draft.brandType === 'sole_proprietor';
  if (draft.brandType !== 'low_volume_standard' && !soleProprietor) {
    lines.push({ item: 'secondary vetting (Standard brands)', amountUsd: fees.secondaryVetting, when: 'one_time' });
  }
  if (draft.brandType !== 'sole_proprietor' && 'company' in draft && draft.company?.type === 'public') {
    lines.push({ item: 'Authentication+ verification (public companies)', amountUsd: fees.authPlus, when: 'one_time' });
  }
  lines.push({ item: 'campaign vetting (charged again on every resubmission)', amountUsd: fees.campaignVetting, when: 'per_submission' });
  const lowVolume = draft.brandType === 'low_volume_standard' || draft.campaign?.usecase === 'LOW_VOLUME';
  lines.push({
    item: soleProprietor ? 'campaign fee (Sole Proprietor)' : lowVolume ? 'campaign fee (low volume)' : 'campaign fee',
    amountUsd: soleProprietor ? fees.soleProprietorCampaignMonthly : lowVolume ? fees.lowVolumeCampaignMonthly : fees.campaignMonthly,
    when: 'monthly',
  });
  const numbers = draft.phoneNumbers?.length ?? 0;
  if (numbers > 0) lines.push({ item: `${numbers} phone number(s)`, amountUsd: cents(numbers * fees.numberMonthly), when: 'monthly' });
  const sum = (f: (l: (typeof lines)[number]) => boolean) => cents(lines.filter(f).reduce((a, l) => a + l.amountUsd, 0));
  return {
    lines,
    oneTimeUsd: sum((l) => l.when !== 'monthly'),
    monthlyUsd: sum((l) => l.when === 'monthly'),
    note: 'Estimate from configured fees; Twilio bills registration fees on submission and they are not refundable.',
  };
}
