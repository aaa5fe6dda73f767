import type { Config } from '../../config/env';
import { createTwilioClient } from '../../activities/kit/twilio-client';
import { twilioErrorOf } from '../../activities/kit/twilio-errors';
import type { TwilioCredential } from '../../db/platform/twilio-bindings';
import type { AccountCredentialsBody } from '../../schemas/platform/account';
import { HttpError } from '../kit/errors';

/** The credential a body gives: an auth token, or an API key and its secret. */
export function credentialOf(body: AccountCredentialsBody): TwilioCredential {
  return body.authToken !== undefined
    ? { kind: 'auth_token', authToken: body.authToken }
    : { kind: 'api_key', apiKeySid: body.apiKeySid!, apiKeySecret: body.apiKeySecret! };
}

/** A 400 naming the field, with Twilio's answer when it was Twilio's. */
function refused(field: string, message: string, twilio?: ReturnType<typeof twilioErrorOf>): HttpError {
  return new HttpError(400, 'invalid_request', `${field}: ${message}`, { fields: [{ field, message }], ...(twilio ? { twilio } : {}) });
}

/**
 * Checks a tenant's own credentials at Twilio before they are kept: they sign in to that account, which is active,
 * is not the deployment's account or one of its subaccounts (those are the operator's `shared` and `subaccount`
 * bindings), and the primary customer profile given is the account's and approved. Reads only: nothing at Twilio
 * changes. Twilio away: 503, never a 500.
 */
export async function checkCredentialsAtTwilio(config: Config, body: AccountCredentialsBody): Promise<void> {
  const credential = credentialOf(body);
  const secretField = credential.kind === 'auth_token' ? 'authToken' : 'apiKeySecret';
  if (body.accountSid === config.TWILIO_ACCOUNT_SID) throw refused('accountSid', 'is the deployment’s own account: a tenant binds its own');
  await refuseDeploymentSubaccount(config, body.accountSid);
  const client = createTwilioClient({
    accountSid: body.accountSid,
    username: credential.kind === 'api_key' ? credential.apiKeySid : undefined,
    authToken: credential.kind === 'auth_token' ? credential.authToken : credential.apiKeySecret,
    baseUrl: config.TWILIO_BASE_URL,
    timeoutMs: config.TWILIO_HTTP_TIMEOUT_MS,
  });
  const fields = { 401: secretField, 403: secretField, 404: 'accountSid' };
  if (credential.kind === 'auth_token') {
    const account = await client.api.v2010.accounts(body.accountSid).fetch().catch((err: unknown) => {
      throw asRefusal(err, fields);
    });
    if (account.status !== 'active') throw refused('accountSid', `the account is ${account.status} at Twilio`);
  } else {
    // A Standard API key may not read the Account resource (Twilio keeps /Accounts to the auth token and Main
    // keys): one page of the account's numbers proves the key signs in to it, and an inactive account refuses it.
    await client.api.v2010.accounts(body.accountSid).incomingPhoneNumbers.list({ limit: 1 }).catch((err: unknown) => {
      throw asRefusal(err, fields);
    });
  }
  if (body.primaryCustomerProfileSid) {
    const profile = await client.trusthub.v1.customerProfiles(body.primaryCustomerProfileSid).fetch().catch((err: unknown) => {
      throw asRefusal(err, { 401: secretField, 403: 'primaryCustomerProfileSid', 404: 'primaryCustomerProfileSid' });
    });
    if (profile.status !== 'twilio-approved') throw refused('primaryCustomerProfileSid', `is ${profile.status} at Twilio, not twilio-approved`);
  }
}

/**
 * A subaccount of the deployment's is the operator's to bind: the deployment's credentials read it (they read
 * their own subaccounts, and no other account), whatever credentials the tenant holds for it.
 */
async function refuseDeploymentSubaccount(config: Config, accountSid: string): Promise<void> {
  const deployment = createTwilioClient({ accountSid: config.TWILIO_ACCOUNT_SID, authToken: config.TWILIO_AUTH_TOKEN, baseUrl: config.TWILIO_BASE_URL, timeoutMs: config.TWILIO_HTTP_TIMEOUT_MS });
  const found = await deployment.api.v2010.accounts(accountSid).fetch().catch((err: unknown) => {
    if (twilioErrorOf(err)?.status === 404) return null; // not in the deployment's family: what a tenant's own account is
    throw asRefusal(err, {});
  });
  if (found?.ownerAccountSid === config.TWILIO_ACCOUNT_SID) {
    throw refused('accountSid', 'is a subaccount of the deployment’s account: the operator binds those (binding subaccount)');
  }
}

/** Twilio's refusal as a 400 on the field it is about (an inactive account's, 20005, on accountSid); anything else (5xx, the network) as Twilio unavailable. */
function asRefusal(err: unknown, fieldByStatus: Record<number, string>): HttpError {
  const twilio = twilioErrorOf(err);
  const field = twilio?.code === TWILIO_ACCOUNT_NOT_ACTIVE ? 'accountSid' : twilio?.status ? fieldByStatus[twilio.status] : undefined;
  if (twilio && field) return refused(field, `Twilio refused it: ${twilio.code ?? twilio.status} ${twilio.message}`, twilio);
  return new HttpError(503, 'twilio_unavailable', 'Twilio could not be asked to check the credentials; try again');
}

/** Twilio's "Account not active": the account is suspended (or closed). */
const TWILIO_ACCOUNT_NOT_ACTIVE = 20005;
