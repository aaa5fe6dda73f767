import { expect, it } from 'vitest';
import { A2pSetupError, checkA2pSetup, PRIMARY_PROFILE_POLICY_SID } from '../../../worker/trusthub-setup';
import { stack, testConfig, twilioSdk } from '../../helpers/stack';
import { runEntrypoint } from '../../helpers/entrypoint';

const SECONDARY = 'RNdfbf3fae0e1107f8aded0e7cead80bf5';
const TRUST_PRODUCT = 'RNb0d4771c2c98518d916a3d4cd70a8f8b';

it('accepts the configured policies after reading them from Twilio, and finds the approved primary profile', async () => {
  const { policies, voiceTrustPolicies, warnings } = await checkA2pSetup(twilioSdk(), testConfig());
  expect(warnings).toEqual([]);
  expect(voiceTrustPolicies).toEqual({ shaken_stir: 'RN7a97559effdf62d00f4298208492a5ea', cnam: 'RNf3db3cd1fe25fcfd3c3ded065c8fea53', voice_integrity: 'RN5b3660f9598883b1df4e77f77acefba0' });
  const primary = await twilioSdk().trusthub.v1.customerProfiles(policies.primaryProfileSid!).fetch();
  expect(primary).toMatchObject({ status: 'twilio-approved', policySid: PRIMARY_PROFILE_POLICY_SID });
  expect(policies).toMatchObject({ secondaryProfile: SECONDARY, trustProduct: TRUST_PRODUCT });
});

it('refuses swapped, unknown or wrong SIDs with the variable and the reason', async () => {
  const check = (env: Record<string, string>) => checkA2pSetup(twilioSdk(), testConfig(env));
  await expect(check({ A2P_POLICY_SECONDARY_PROFILE_SID: TRUST_PRODUCT, A2P_POLICY_TRUST_PRODUCT_SID: SECONDARY })).rejects.toThrow(
    /A2P_POLICY_SECONDARY_PROFILE_SID=RNb0d4.* is Twilio's policy "A2P Messaging Profile", which does not ask for customer_profile_business_information/,
  );
  // The voice trust policies are checked the same way (SHAKEN/STIR asks for a customer profile and no end user).
  await expect(check({ VOICE_POLICY_CNAM_SID: 'RN5b3660f9598883b1df4e77f77acefba0' })).rejects.toThrow(/VOICE_POLICY_CNAM_SID=RN5b36.* which does not ask for cnam_information/);
  await expect(check({ VOICE_POLICY_SHAKEN_STIR_SID: 'RN00000000000000000000000000000000' })).rejects.toThrow(/VOICE_POLICY_SHAKEN_STIR_SID=RN0+: Twilio has no such Trust Hub policy/);
  await expect(check({ A2P_POLICY_TRUST_PRODUCT_SID: 'RN00000000000000000000000000000000' })).rejects.toThrow(/A2P_POLICY_TRUST_PRODUCT_SID=RN0+: Twilio has no such Trust Hub policy/);
  await expect(check({ A2P_POLICY_TRUST_PRODUCT_SID: PRIMARY_PROFILE_POLICY_SID })).rejects.toBeInstanceOf(A2pSetupError);
  await expect(check({ A2P_PRIMARY_PROFILE_SID: 'BU00000000000000000000000000000000' })).rejects.toThrow(/no such customer profile/);
  // A secondary profile is not the ISV's primary one.
  const secondary = await twilioSdk().trusthub.v1.customerProfiles.create({ friendlyName: 'not primary', email: 'a@example.com', policySid: SECONDARY });
  await expect(check({ A2P_PRIMARY_PROFILE_SID: secondary.sid })).rejects.toThrow(/is not a primary \(ISV\) customer profile/);
});

it('the worker entrypoint refuses to start with a wrong policy SID, naming it', async () => {
  const out = await runEntrypoint('worker/main.ts', {
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TWILIO_ACCOUNT_SID: stack.accountSid,
    TWILIO_AUTH_TOKEN: stack.authToken,
    TWILIO_BASE_URL: stack.sandboxUrl,
    TEMPORAL_TASK_QUEUE: 'never-polled',
    A2P_POLICY_TRUST_PRODUCT_SID: SECONDARY,
  });
  expect(out.code).toBe(2);
  expect(out.stderr).toMatch(/A2P_POLICY_TRUST_PRODUCT_SID=RNdfbf.*not the A2P trust product policy/);
  expect(out.stderr + out.stdout).not.toContain(stack.authToken);
});
