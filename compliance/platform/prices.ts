import type { Config } from '../../config/env';

/** Twilio's A2P fees and a number's monthly price, as configured: what the cost ledger and the estimates charge. */
export interface A2pFees {
  brand: number;
  secondaryVetting: number;
  authPlus: number;
  campaignVetting: number;
  campaignMonthly: number;
  lowVolumeCampaignMonthly: number;
  soleProprietorCampaignMonthly: number;
  numberMonthly: number;
}

export const feesFromConfig = (c: Config): A2pFees => ({
  brand: c.A2P_FEE_BRAND_USD,
  secondaryVetting: c.A2P_FEE_SECONDARY_VETTING_USD,
  authPlus: c.A2P_FEE_AUTH_PLUS_USD,
  campaignVetting: c.A2P_FEE_CAMPAIGN_VETTING_USD,
  campaignMonthly: c.A2P_FEE_CAMPAIGN_MONTHLY_USD,
  lowVolumeCampaignMonthly: c.A2P_FEE_LOW_VOLUME_CAMPAIGN_MONTHLY_USD,
  soleProprietorCampaignMonthly: c.A2P_FEE_SOLE_PROPRIETOR_CAMPAIGN_MONTHLY_USD,
  numberMonthly: c.NUMBER_MONTHLY_USD,
});
