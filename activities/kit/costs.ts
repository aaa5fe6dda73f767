import type { A2pFees } from '../../compliance/platform/prices';

export interface CostLine {
  item: 'number_monthly' | 'brand_registration' | 'secondary_vetting' | 'campaign_vetting' | 'campaign_monthly';
  amountUsd: number;
}

const SID = '[A-Z]{2}[0-9a-f]{32}';

/**
 * What a Twilio write Twilio accepted costs, by the configured prices: buying a number (its first month),
 * registering a brand (plus secondary vetting unless skipped), registering a campaign (vetting and its
 * first month) and resubmitting one (vetting again). Other writes cost nothing here.
 */
export function costOf(method: string, path: string, params: Record<string, unknown>, fees: A2pFees): CostLine[] {
  if (method.toUpperCase() !== 'POST') return [];
  if (new RegExp(`^/2010-04-01/Accounts/${SID}/IncomingPhoneNumbers(\\.json)?$`).test(path)) return [{ item: 'number_monthly', amountUsd: fees.numberMonthly }];
  if (/^\/v1\/a2p\/BrandRegistrations$/.test(path)) {
    // Secondary vetting is for Standard brands that don't skip it; Sole Proprietors have none.
    const skipVetting = String(params.SkipAutomaticSecVet ?? 'false') === 'true' || String(params.BrandType ?? '') === 'SOLE_PROPRIETOR';
    return [{ item: 'brand_registration', amountUsd: fees.brand }, ...(skipVetting ? [] : [{ item: 'secondary_vetting' as const, amountUsd: fees.secondaryVetting }])];
  }
  if (new RegExp(`^/v1/Services/${SID}/Compliance/Usa2p$`).test(path)) {
    const usecase = String(params.UsAppToPersonUsecase ?? '');
    const monthly = usecase === 'SOLE_PROPRIETOR' ? fees.soleProprietorCampaignMonthly : usecase === 'LOW_VOLUME' ? fees.lowVolumeCampaignMonthly : fees.campaignMonthly;
    return [
      { item: 'campaign_vetting', amountUsd: fees.campaignVetting },
      { item: 'campaign_monthly', amountUsd: monthly },
    ];
  }
  if (new RegExp(`^/v1/Services/${SID}/Compliance/Usa2p/${SID}$`).test(path)) return [{ item: 'campaign_vetting', amountUsd: fees.campaignVetting }];
  return [];
}
