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

/**
 * Findings computed from Twilio's state of a trunk, each with a code, a severity and the fix.
 * They name the half-built trunks people end up with: outbound dead for lack of termination auth,
 * inbound dead for lack of an enabled origination URI, no failover, and numbers that drifted.
 */
export function trunkHealth(s: TrunkSnapshot): HealthFinding[] {
  const findings: HealthFinding[] = [];
  if (s.authType.length === 0) {
    findings.push({
      code: 'no_termination_auth',
      severity: 'error',
      message: 'the trunk has no credential list and no IP access control list: Twilio refuses every outbound (termination) call',
      fix: 'add a credential list or an IP access control list under termination',
    });
  }
  const enabled = s.originationUris.filter((u) => u.enabled);
  if (enabled.length === 0) {
    findings.push({
      code: 'no_enabled_origination_uri',
      severity: 'error',
      message: 'no enabled origination URI: inbound calls to the trunk’s numbers fail with Twilio 32010',
      fix: 'add an origination URI (or enable one) pointing at your SIP infrastructure',
    });
  } else if (enabled.length === 1) {
    findings.push({
      code: 'single_origination_uri',
      severity: 'warning',
      message: 'a single enabled origination URI: when it is unreachable, inbound calls fail (no failover)',
      fix: 'add a second origination URI, with a higher priority number for failover or the same priority to share load',
    });
  }
  if (!s.settings.disasterRecoveryUrl) {
    findings.push({
      code: 'no_disaster_recovery_url',
      severity: 'info',
      message: 'no disaster-recovery URL: when every origination URI fails, callers hear an error',
      fix: 'set disasterRecovery.url to a TwiML endpoint (e.g. a voicemail or a forward)',
    });
  }
  const insecure = s.settings.secure ? s.originationUris.filter((u) => !isTlsUri(u.sipUrl)) : [];
  if (insecure.length) {
    findings.push({
      code: 'insecure_origination_uri',
      severity: 'error',
      message: `the trunk is secure but ${insecure.map((u) => u.sipUrl).join(', ')} ${insecure.length === 1 ? 'has' : 'have'} no ;transport=tls: calls fail with Twilio 32208/32209`,
      fix: 'add ;transport=tls to each origination URI (TLS on port 5061, SRTP media), or turn secure off',
    });
  }
  for (const d of s.drift) {
    findings.push({
      code: 'number_trunk_drift',
      severity: 'error',
      message: d.trunkSidAtTwilio === s.trunkSid
        ? `${d.phoneNumber} is on this trunk at Twilio but not in this service’s records`
        : `${d.phoneNumber} should be on this trunk, but at Twilio its trunk is ${d.trunkSidAtTwilio ?? 'none'}`,
      fix: d.trunkSidAtTwilio === s.trunkSid
        ? 'attach it through the API (POST …/phone-numbers) or detach it at Twilio'
        : 'attach it again (POST …/phone-numbers with move: true) or detach it here',
    });
  }
  return findings;
}
