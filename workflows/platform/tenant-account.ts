import type { TenantAccountInput, TenantAccountStatusInput } from '../../activities/platform/tenant-accounts';
import { twilio } from '../kit/activities';

/**
 * Makes a tenant's Twilio subaccount (issue #24 §4): one reconciled activity, retried until Twilio answers. The
 * input names the tenant only: the subaccount's token goes from Twilio's answer straight to the sealed binding.
 */
export async function tenantAccountCreate(input: TenantAccountInput): Promise<{ accountSid: string }> {
  return twilio.createTenantSubaccount(input);
}

/** Suspends or resumes a tenant's subaccount at Twilio, and its binding with it. */
export async function tenantAccountStatus(input: TenantAccountStatusInput): Promise<{ accountSid: string | null; status: string }> {
  return twilio.setTenantSubaccountStatus(input);
}

/**
 * Closes a tenant's subaccount at Twilio and marks its rows closed (issue #24 §4). Started by the API after the
 * tenant's keys went read-only and its running registrations were cancelled; retried until Twilio answers.
 */
export async function tenantAccountClose(input: TenantAccountInput): Promise<{ accountSid: string | null; releasedNumbers: number }> {
  return twilio.closeTenantSubaccount(input);
}
