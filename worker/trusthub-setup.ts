import { ConfigError, type Config } from '../config/env';
import type { A2pPolicies } from '../activities/a2p/registration';
import type { TwilioClient } from '../activities/kit/twilio-client';
import type { VoiceTrustPolicies } from '../activities/voice-trust/registration';
import { isDefinitiveTwilioError, twilioErrorOf } from '../activities/kit/twilio-errors';

import { PRIMARY_PROFILE_POLICY_SID } from '../activities/a2p/policies';

export { PRIMARY_PROFILE_POLICY_SID };

/** The A2P setup is wrong in a way only the operator can fix; the worker refuses to start. */
export class A2pSetupError extends ConfigError {}

interface Expectation {
  variable: keyof Config;
  sid: string;
  what: string;
  /** The end-user type only this policy asks for; none: it asks for a customer profile alone (SHAKEN/STIR). */
  endUserType?: string;
}

/** Reads from Twilio, retrying what may be transient (5xx, 429, network) a few times. */
async function read<T>(what: string, call: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (err) {
      if (isDefinitiveTwilioError(err) || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 500 * 2 ** i));
    }
  }
}

/**
 * Checks the configured Trust Hub policy SIDs against Twilio's Policies endpoint (each must exist and
 * ask for the end-user type of its step), and finds or checks the ISV's approved primary profile.
 * Returns the policies to use and warnings for what only affects A2P (a missing primary profile).
 */
export async function checkA2pSetup(twilio: TwilioClient, config: Config): Promise<{ policies: A2pPolicies; voiceTrustPolicies: VoiceTrustPolicies; warnings: string[] }> {
  const th = twilio.trusthub.v1;
  const expectations: Expectation[] = [
    { variable: 'A2P_POLICY_SECONDARY_PROFILE_SID', sid: config.A2P_POLICY_SECONDARY_PROFILE_SID, what: 'secondary customer profile', endUserType: 'customer_profile_business_information' },
    { variable: 'A2P_POLICY_TRUST_PRODUCT_SID', sid: config.A2P_POLICY_TRUST_PRODUCT_SID, what: 'A2P trust product', endUserType: 'us_a2p_messaging_profile_information' },
    { variable: 'A2P_POLICY_STARTER_PROFILE_SID', sid: config.A2P_POLICY_STARTER_PROFILE_SID, what: 'starter customer profile (Sole Proprietor)', endUserType: 'starter_customer_profile_information' },
    {
      variable: 'A2P_POLICY_SOLE_PROPRIETOR_TRUST_PRODUCT_SID', sid: config.A2P_POLICY_SOLE_PROPRIETOR_TRUST_PRODUCT_SID, what: 'Sole Proprietor trust product', endUserType: 'sole_proprietor_information',
    },
    { variable: 'VOICE_POLICY_SHAKEN_STIR_SID', sid: config.VOICE_POLICY_SHAKEN_STIR_SID, what: 'SHAKEN/STIR trust product' },
    { variable: 'VOICE_POLICY_CNAM_SID', sid: config.VOICE_POLICY_CNAM_SID, what: 'CNAM trust product', endUserType: 'cnam_information' },
    { variable: 'VOICE_POLICY_VOICE_INTEGRITY_SID', sid: config.VOICE_POLICY_VOICE_INTEGRITY_SID, what: 'Voice Integrity trust product', endUserType: 'voice_integrity_information' },
  ];
  for (const e of expectations) {
    const policy = await read(`policy ${e.sid}`, () => th.policies(e.sid).fetch()).catch((err) => {
      if (twilioErrorOf(err)?.status === 404) throw new A2pSetupError(`${e.variable}=${e.sid}: Twilio has no such Trust Hub policy`);
      throw err;
    });
    const requirements = policy.requirements as { end_user?: { type?: string }[]; supporting_customer_profiles?: unknown[] } | null;
    const endUsers = (requirements?.end_user ?? []).map((u) => u.type);
    const asksFor = e.endUserType ?? 'a customer profile';
    const fits = e.endUserType ? endUsers.includes(e.endUserType) : (requirements?.supporting_customer_profiles ?? []).length > 0;
    if (!fits) {
      throw new A2pSetupError(`${e.variable}=${e.sid} is Twilio's policy "${policy.friendlyName}", which does not ask for ${asksFor}: it is not the ${e.what} policy`);
    }
  }

  const policies: A2pPolicies = {
    secondaryProfile: config.A2P_POLICY_SECONDARY_PROFILE_SID,
    trustProduct: config.A2P_POLICY_TRUST_PRODUCT_SID,
    starterProfile: config.A2P_POLICY_STARTER_PROFILE_SID,
    soleProprietorTrustProduct: config.A2P_POLICY_SOLE_PROPRIETOR_TRUST_PRODUCT_SID,
  };
  const warnings: string[] = [];
  if (config.A2P_PRIMARY_PROFILE_SID) {
    const sid = config.A2P_PRIMARY_PROFILE_SID;
    const profile = await read(`profile ${sid}`, () => th.customerProfiles(sid).fetch()).catch((err) => {
      if (twilioErrorOf(err)?.status === 404) throw new A2pSetupError(`A2P_PRIMARY_PROFILE_SID=${sid}: no such customer profile in this Twilio account`);
      throw err;
    });
    if (profile.policySid !== PRIMARY_PROFILE_POLICY_SID) throw new A2pSetupError(`A2P_PRIMARY_PROFILE_SID=${sid} is not a primary (ISV) customer profile`);
    if (profile.status !== 'twilio-approved') throw new A2pSetupError(`A2P_PRIMARY_PROFILE_SID=${sid} is ${profile.status}, not twilio-approved`);
    policies.primaryProfileSid = sid;
  } else {
    const approved = (await read('primary profiles', () => th.customerProfiles.list({ policySid: PRIMARY_PROFILE_POLICY_SID, limit: 20 }))).find(
      (p) => p.status === 'twilio-approved',
    );
    if (approved) policies.primaryProfileSid = approved.sid;
    else warnings.push('no approved primary (ISV) customer profile in this Twilio account: A2P registrations will fail at the customer-profile step until one is approved');
  }
  const voiceTrustPolicies: VoiceTrustPolicies = {
    shaken_stir: config.VOICE_POLICY_SHAKEN_STIR_SID,
    cnam: config.VOICE_POLICY_CNAM_SID,
    voice_integrity: config.VOICE_POLICY_VOICE_INTEGRITY_SID,
  };
  return { policies, voiceTrustPolicies, warnings };
}
