import type { Client } from '@temporalio/client';
import { startOnce } from '../kit/start-once';
import type { Db } from '../../db/kit/pool';
import { storeSecret, wipeSecrets, type SecretBox } from '../../db/platform/secrets';
import { countLiveTrunks, domainTaken, foreignLists, tenantNumbers } from '../../db/sip/trunks';
import { MAX_TRUNKS_PER_ACCOUNT, type CreateTrunkRequest, type NewCredentialList, type TrunkSpec } from '../../schemas/sip/trunks';
import type { DesiredNumber, SipOperationInput } from '../../schemas/sip/workflow';
import { tenantPrefix } from '../../schemas/kit/workflow-ids';
import { sipTrunkOperation } from '../../workflows/index';
import { HttpError } from '../kit/errors';
import type { z } from 'zod';

/**
 * Turning trunk requests into a stored desired state and a durable operation: every check that can
 * refuse a request runs here, before anything is written or started, and answers with the field.
 */

type Field = { field: string; message: string };
const refuse = (status: number, code: string, fields: Field[]) =>
  new HttpError(status, code, fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });

export const operationWorkflowId = (tenantId: string, trunkId: string, operationId: string) => `${tenantPrefix(tenantId)}/sip-${trunkId}-${operationId}`;
export const inspectWorkflowId = (tenantId: string, trunkId: string) => `${tenantPrefix(tenantId)}/sip-${trunkId}-inspect`;

/** "Acme Voice AI" for tenant 5f3e… → acme-voice-ai-5f3e1c-9a2b.pstn.twilio.com: readable, and never reused after a delete. */
export function deriveDomainName(friendlyName: string, tenantId: string, trunkId: string): string {
  // Each run of other characters is one '-' already, so trimming takes single hyphens (linear, unlike -+$).
  const slug = friendlyName.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40).replace(/-$/, '') || 'trunk';
  return `${slug}-${tenantId.replaceAll('-', '').slice(0, 6)}-${trunkId.replaceAll('-', '').slice(0, 4)}.pstn.twilio.com`;
}

/** The tenant's active numbers for the refs; each one that isn't (or is on another trunk without move) is named. */
export async function resolveNumbers(db: Db, tenantId: string, trunkId: string, refs: string[], move: boolean, field = 'phoneNumbers'): Promise<DesiredNumber[]> {
  const found = await tenantNumbers(db, tenantId, refs);
  const missing: Field[] = [];
  const elsewhere: Field[] = [];
  refs.forEach((ref, i) => {
    const n = found.get(ref);
    if (!n) missing.push({ field: `${field}.${i}`, message: `${ref} is not an active number of this tenant; buy it first` });
    else if (n.sip_trunk_id && n.sip_trunk_id !== trunkId && !move) {
      elsewhere.push({ field: `${field}.${i}`, message: `${n.phone_number} is on another trunk (${n.sip_trunk_id}); a number is on one trunk at a time — send "move": true to take it` });
    }
  });
  if (missing.length) throw refuse(400, 'validation_failed', missing);
  if (elsewhere.length) throw refuse(409, 'number_on_another_trunk', elsewhere);
  const unique = new Map<string, DesiredNumber>();
  for (const ref of refs) {
    const n = found.get(ref)!;
    unique.set(n.twilio_sid, { phoneNumber: n.phone_number, twilioSid: n.twilio_sid });
  }
  return [...unique.values()];
}

/** Existing list SIDs must be lists of this tenant's trunks: Twilio's lists are account-wide, tenants are not. */
export async function checkListOwnership(db: Db, tenantId: string, termination: { credentialLists?: (object | { sid: string })[]; ipAccessControlLists?: (object | { sid: string })[] }) {
  const refs: { field: string; sid: string }[] = [];
  termination.credentialLists?.forEach((l, i) => 'sid' in l && refs.push({ field: `termination.credentialLists.${i}.sid`, sid: l.sid }));
  termination.ipAccessControlLists?.forEach((l, i) => 'sid' in l && refs.push({ field: `termination.ipAccessControlLists.${i}.sid`, sid: l.sid }));
  const foreign = new Set(await foreignLists(db, tenantId, refs.map((r) => r.sid)));
  const bad = refs.filter((r) => foreign.has(r.sid)).map((r) => ({ field: r.field, message: `${r.sid} is not a list of this tenant's trunks` }));
  if (bad.length) throw refuse(400, 'validation_failed', bad);
}

export async function checkDomain(db: Db, domainName: string, trunkId?: string) {
  if (await domainTaken(db, domainName, trunkId)) {
    throw refuse(409, 'domain_taken', [{ field: 'domainName', message: `${domainName} is already the domain of another trunk` }]);
  }
}

export async function checkTrunkLimit(db: Db) {
  if ((await countLiveTrunks(db)) >= MAX_TRUNKS_PER_ACCOUNT) {
    throw new HttpError(409, 'trunk_limit_reached', `the Twilio account already has ${MAX_TRUNKS_PER_ACCOUNT} trunks, Twilio's maximum (21244); delete one first`);
  }
}

/**
 * Runs the part of a request that may still refuse it after passwords were sealed into `refs`: if it throws,
 * they are wiped (nothing of a refused request stays behind; no operation will ever read them).
 */
export async function wipedIfRefused<T>(db: Db, refs: string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    await wipeSecrets(db, refs);
    throw err;
  }
}

/** Passwords go to sip_secrets (encrypted) and the spec keeps only references to them; all of them, or none. */
export async function sealTermination(
  db: Db,
  box: SecretBox,
  tenantId: string,
  lists: (z.output<typeof NewCredentialList> | { sid: string })[],
  refs: string[],
): Promise<TrunkSpec['termination']['credentialLists']> {
  const sealedHere: string[] = [];
  const out: TrunkSpec['termination']['credentialLists'] = [];
  await wipedIfRefused(db, sealedHere, async () => {
    for (const l of lists) {
      if ('sid' in l) {
        out.push({ sid: l.sid });
        continue;
      }
      const credentials = [];
      for (const c of l.credentials) {
        const passwordRef = await storeSecret(db, box, tenantId, c.password);
        sealedHere.push(passwordRef);
        credentials.push({ username: c.username, passwordRef });
      }
      out.push({ friendlyName: l.friendlyName, credentials });
    }
  });
  refs.push(...sealedHere);
  return out;
}

/** The stored desired state of a new trunk (defaults applied, domain derived when absent). */
export async function specOfCreate(db: Db, box: SecretBox, tenantId: string, trunkId: string, body: CreateTrunkRequest, refs: string[]): Promise<TrunkSpec> {
  return {
    friendlyName: body.friendlyName,
    domainName: (body.domainName ?? deriveDomainName(body.friendlyName, tenantId, trunkId)).toLowerCase(),
    secure: body.secure,
    cnamLookupEnabled: body.cnamLookupEnabled,
    transfer: body.transfer,
    recording: body.recording,
    disasterRecovery: body.disasterRecovery,
    originationUris: body.originationUris,
    termination: {
      credentialLists: await sealTermination(db, box, tenantId, body.termination.credentialLists, refs),
      ipAccessControlLists: body.termination.ipAccessControlLists,
    },
  };
}

/** Starts an operation's workflow at most once (its id is the operation's); false when it had been started. */
export const startOperationWorkflow = (client: Client, taskQueue: string, workflowId: string, input: SipOperationInput): Promise<boolean> =>
  startOnce(client, sipTrunkOperation, { taskQueue, workflowId, args: [input] });
