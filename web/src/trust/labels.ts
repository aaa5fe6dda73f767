/** How the console names voice trust products and registration steps. */
export const productLabel: Record<string, string> = { shaken_stir: 'SHAKEN/STIR', cnam: 'CNAM', voice_integrity: 'Voice Integrity' };

/** The workflow's steps, in order, as the API names them and as the console shows them. */
export const voiceTrustSteps: [step: string, label: string][] = [
  ['business_profile_numbers', 'Numbers on the business profile'],
  ['trust_product', 'Trust product'],
  ['trust_product_numbers', 'Numbers on the trust product'],
  ['review', 'Twilio’s review'],
  ['done', 'Done'],
];
