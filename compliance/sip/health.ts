import type { HealthFinding } from '../../schemas/sip/trunks';
import type { TrunkSnapshot } from '../../schemas/sip/workflow';

/** Secure trunks need TLS signalling: a `sip:` URI without `;transport=tls` gets 32208/32209 at call time. */
export const isTlsUri = (sipUrl: string) => /;transport=tls(?:;|$)/i.test(sipUrl);

/** What a secure trunk's origination URIs would break, as warnings for the request's response. */
export function secureTrunkWarnings(secure: boolean, sipUrls: string[]): string[] {
  if (!secure) return [];
  return sipUrls
    .filter((u) => !isTlsUri(u))
    .map((u) => `${u}: the trunk is secure but this URI has no ;transport=tls — calls would fail with Twilio 32208/32209 (add ;transport=tls and use port 5061)`);
}

type FindingCode = HealthFinding['code'];

/**
 * Every finding's severity, what it means and the fix, one entry per code (the type makes the list complete),
 * so the reference page (docs/reference/preflight-codes.md) is generated from what the check really says.
 * The message of a finding names the trunk's own URIs and numbers; the meaning here is the general case.
 */
export const trunkHealthCodes: Record<FindingCode, { severity: HealthFinding['severity']; meaning: string; fix: string }> = {
  no_termination_auth: {
    severity: 'error',
    meaning: 'the trunk has no credential list and no IP access control list: Twilio refuses every outbound (termination) call',
    fix: 'add a credential list or an IP access control list under termination',
  },
  no_enabled_origination_uri: {
    severity: 'error',
    meaning: 'no enabled origination URI: inbound calls to the trunk’s numbers fail with Twilio 32010',
    fix: 'add an origination URI (or enable one) pointing at your SIP infrastructure',
  },
  single_origination_uri: {
    severity: 'warning',
    meaning: 'a single enabled origination URI: when it is unreachable, inbound calls fail (no failover)',
    fix: 'add a second origination URI, with a higher priority number for failover or the same priority to share load',
  },
  no_disaster_recovery_url: {
    severity: 'info',
    meaning: 'no disaster-recovery URL: when every origination URI fails, callers hear an error',
    fix: 'set disasterRecovery.url to a TwiML endpoint (e.g. a voicemail or a forward)',
  },
  insecure_origination_uri: {
    severity: 'error',
    meaning: 'the trunk is secure but an origination URI has no ;transport=tls: calls fail with Twilio 32208/32209',
    fix: 'add ;transport=tls to each origination URI (TLS on port 5061, SRTP media), or turn secure off',
  },
  number_trunk_drift: {
    severity: 'error',
    meaning: 'a number is on this trunk at Twilio but not in this service’s records, or should be on this trunk but at Twilio is on another (or none)',
    fix: 'the first: attach it through the API (POST …/phone-numbers) or detach it at Twilio; the second: attach it again (POST …/phone-numbers with move: true) or detach it here',
  },
};

/** A finding of `code`: its severity from the list above, the fix from it unless the case needs its own. */
const finding = (code: FindingCode, message: string, fix = trunkHealthCodes[code].fix): HealthFinding => ({ code, severity: trunkHealthCodes[code].severity, message, fix });

/**
 * Findings computed from Twilio's state of a trunk, each with a code, a severity and the fix.
 * They name the half-built trunks people end up with: outbound dead for lack of termination auth,
 * inbound dead for lack of an enabled origination URI, no failover, and numbers that drifted.
 */
export function trunkHealth(s: TrunkSnapshot): HealthFinding[] {
  const findings: HealthFinding[] = [];
  const general = (code: FindingCode) => findings.push(finding(code, trunkHealthCodes[code].meaning));
  if (s.authType.length === 0) general('no_termination_auth');
  const enabled = s.originationUris.filter((u) => u.enabled);
  if (enabled.length === 0) general('no_enabled_origination_uri');
  else if (enabled.length === 1) general('single_origination_uri');
  if (!s.settings.disasterRecoveryUrl) general('no_disaster_recovery_url');
  const insecure = s.settings.secure ? s.originationUris.filter((u) => !isTlsUri(u.sipUrl)) : [];
  if (insecure.length) {
    findings.push(finding(
      'insecure_origination_uri',
      `the trunk is secure but ${insecure.map((u) => u.sipUrl).join(', ')} ${insecure.length === 1 ? 'has' : 'have'} no ;transport=tls: calls fail with Twilio 32208/32209`,
    ));
  }
  for (const d of s.drift) {
    const onThisTrunk = d.trunkSidAtTwilio === s.trunkSid;
    findings.push(finding(
      'number_trunk_drift',
      onThisTrunk
        ? `${d.phoneNumber} is on this trunk at Twilio but not in this service’s records`
        : `${d.phoneNumber} should be on this trunk, but at Twilio its trunk is ${d.trunkSidAtTwilio ?? 'none'}`,
      onThisTrunk
        ? 'attach it through the API (POST …/phone-numbers) or detach it at Twilio'
        : 'attach it again (POST …/phone-numbers with move: true) or detach it here',
    ));
  }
  return findings;
}
