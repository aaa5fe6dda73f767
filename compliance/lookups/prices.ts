import type { Config } from '../../config/env';
import type { LookupField } from '../../schemas/lookups/lookups';

/** What one Lookup v2 package costs per request (Twilio's prices are not published in a form to rely on). */
export const lookupPricesFromConfig = (c: Config): Record<LookupField, number> => ({
  line_type_intelligence: c.LOOKUP_PRICE_LINE_TYPE_USD,
  caller_name: c.LOOKUP_PRICE_CALLER_NAME_USD,
  sms_pumping_risk: c.LOOKUP_PRICE_SMS_PUMPING_RISK_USD,
  reassigned_number: c.LOOKUP_PRICE_REASSIGNED_NUMBER_USD,
});
