/** Twilio's policy for an ISV's own (primary) business profile. */
export const PRIMARY_PROFILE_POLICY_SID = 'RN6433641899984f951173ef1738c3bdd0';
