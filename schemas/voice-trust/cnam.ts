/**
 * Twilio refuses CNAM display names that say nothing about the business: "a unique name or value, cannot be a
 * generic value such as a City/State" (https://twilio.com/docs/voice/brand-your-calls-using-cnam). These are
 * the generic values the service refuses before submission; Twilio's review may still refuse others (a City/State
 * among them: telling one from a business name needs a list of places the service does not keep).
 */
const GENERIC_WORDS = new Set([
  'CALLER', 'UNKNOWN', 'UNKNOWN CALLER', 'WIRELESS CALLER', 'PRIVATE', 'PRIVATE CALLER', 'BLOCKED', 'RESTRICTED', 'ANONYMOUS', 'NO CALLER ID',
  'BUSINESS', 'COMPANY', 'OFFICE', 'INFO', 'SALES', 'SUPPORT', 'CUSTOMER SERVICE', 'TOLL FREE', 'TOLLFREE', 'CALL CENTER', 'HOTLINE', 'NAME',
]);

/** Why a display name is generic, or null when it is not. */
export function genericCnamReason(name: string): string | null {
  const upper = name.trim().replace(/\s+/g, ' ').toUpperCase();
  if (GENERIC_WORDS.has(upper)) return `"${name}" is generic: Twilio refuses names that do not identify the business`;
  return null;
}
