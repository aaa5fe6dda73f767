import type { FastifyInstance } from 'fastify';
import { twilioListName } from '../../activities/sip/trunk';
import { stack, twilioSdk, waitFor } from './stack';

/** A trunk as the API shows it (the fields tests read). */
export interface TrunkJson {
  id: string;
  trunkSid: string | null;
  status: string;
  domainName: string;
  secure: boolean;
  originationUris: { sid: string | null; sipUrl: string; priority: number; weight: number; enabled: boolean }[];
  termination: { authType: string[]; credentialLists: { sid: string | null; friendlyName: string; usernames: string[] }[]; ipAccessControlLists: { sid: string | null; friendlyName: string; ipAddresses: { ip: string; cidrPrefixLength: number }[] }[] };
  phoneNumbers: { phoneNumber: string; twilioSid: string | null }[];
  health: { code: string; severity: string }[];
  warnings: string[];
  operation: {
    id: string;
    kind: string;
    status: string;
    step: string | null;
    steps: { name: string; status: string; detail: string | null }[];
    error: { step: string; message: string; twilio: { code: number | null } | null } | null;
    rollback: { action: string; status: string; error: string | null }[];
  } | null;
}

export const settled = (t: TrunkJson) => t.operation !== null && !['queued', 'running', 'rolling_back'].includes(t.operation.status);

export async function getTrunk(app: FastifyInstance, headers: Record<string, string>, ref: string, refresh = false): Promise<TrunkJson> {
  const res = await app.inject({ method: 'GET', url: `/v1/sip/trunks/${ref}?refresh=${refresh}`, headers });
  if (res.statusCode !== 200) throw new Error(`GET trunk ${ref}: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Polls until the trunk's latest operation has finished (optionally one newer than `afterOperation`). */
export async function waitForTrunk(app: FastifyInstance, headers: Record<string, string>, ref: string, afterOperation?: string, timeoutMs = 120_000) {
  return waitFor(async () => {
    const t = await getTrunk(app, headers, ref);
    return settled(t) && t.operation!.id !== afterOperation ? t : null;
  }, `trunk ${ref} to settle`, timeoutMs);
}

/** What Twilio (the sandbox) holds for a domain, counted with the official SDK. */
export async function atTwilio(domainName: string) {
  const sdk = twilioSdk();
  const trunks = (await sdk.trunking.v1.trunks.list({ pageSize: 100 })).filter((t) => t.domainName === domainName);
  const trunk = trunks[0];
  const t = trunk ? sdk.trunking.v1.trunks(trunk.sid) : null;
  return {
    trunks,
    trunk,
    uris: t ? await t.originationUrls.list() : [],
    credentialLists: t ? await t.credentialsLists.list() : [],
    ipAcls: t ? await t.ipAccessControlLists.list() : [],
    numbers: t ? await t.phoneNumbers.list() : [],
    recording: t ? await t.recordings().fetch() : null,
  };
}

/** The account's 2010 SIP lists whose names carry a trunk id prefix (what the service created for it). */
export async function listsFor(trunkId: string) {
  const prefix = twilioListName(trunkId, '');
  const account = twilioSdk().api.v2010.accounts(stack.accountSid);
  return {
    credentialLists: (await account.sip.credentialLists.list()).filter((l) => l.friendlyName.startsWith(prefix)),
    ipAcls: (await account.sip.ipAccessControlLists.list()).filter((l) => l.friendlyName.startsWith(prefix)),
  };
}

export const incomingNumber = (sid: string) => twilioSdk().api.v2010.accounts(stack.accountSid).incomingPhoneNumbers(sid).fetch();
