import { z } from 'zod';
import { E164, HttpMethod, IdempotencyKey, PageQuery, SID_LENGTH, TwilioErrorInfo, Uuid, WebhookUrl } from '../kit/common';

/**
 * Elastic SIP Trunking: a trunk's desired state, as the API takes it, and the views it returns.
 * Limits are Twilio's where Twilio documents them (spec descriptions), ours where it does not.
 */

/** Twilio: "letters, digits, and `-` and must end with `pstn.twilio.com`". */
export const DomainName = z
  .string()
  .max(253)
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.pstn\.twilio\.com$/, 'must be letters, digits and - followed by .pstn.twilio.com, e.g. acme-voice.pstn.twilio.com');

/** Twilio's origination URLs must use `sip:` (`sips:` is not supported) and name a host. */
export const SipUrl = z
  .string()
  .max(255)
  .regex(/^sip:(?:[^@\s;]+@)?[A-Za-z0-9.-]+(?::\d{1,5})?(?:;[^\s]*)?$/i, 'must be a sip: URI with a host, e.g. sip:agent.example.com;transport=tls (Twilio does not support sips:)');

export const MAX_ORIGINATION_URIS = 10;
export const MAX_CREDENTIALS_PER_LIST = 100;
export const MAX_IPS_PER_ACL = 100;
/** Twilio's per-account trunk limit (21244). */
export const MAX_TRUNKS_PER_ACCOUNT = 100;

export const OriginationUri = z
  .object({
    sipUrl: SipUrl,
    priority: z.number().int().min(0).max(65535).default(10).describe('0–65535; the lowest number is tried first'),
    weight: z.number().int().min(1).max(65535).default(10).describe('1–65535; share of calls among URIs of the same priority'),
    enabled: z.boolean().default(true),
    friendlyName: z.string().min(1).max(64).optional(),
  })
  .strict();
export type OriginationUri = z.output<typeof OriginationUri>;

/** Twilio: up to 32 characters. */
const SipUsername = z.string().max(32).regex(/^[A-Za-z0-9._~!$&'()*+,;=%-]{1,32}$/, 'must be 1-32 characters without spaces, @ or :');
/** Twilio: at least 12 characters, a digit, and mixed case. */
export const SipPassword = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(128)
  .refine((p) => /\d/.test(p), 'must contain a digit')
  .refine((p) => /[a-z]/.test(p) && /[A-Z]/.test(p), 'must mix upper- and lower-case letters')
  .meta({ writeOnly: true, description: 'Write-only: encrypted at rest until Twilio has it, never returned or logged' });

const ListName = z.string().max(48).regex(/^[A-Za-z0-9 ._:-]{1,48}$/, 'must be 1-48 letters, digits, spaces or . _ : -');
const CredentialListSid = z.string().max(SID_LENGTH).regex(/^CL[0-9a-f]{32}$/, 'must be a credential list SID (CL…)');
const IpAclSid = z.string().max(SID_LENGTH).regex(/^AL[0-9a-f]{32}$/, 'must be an IP access control list SID (AL…)');

const uniqueBy = <T>(key: (t: T) => string, what: string) => (items: T[], ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate ${what} ${k}` });
    seen.add(k);
  });
};

const IPv4 = z.ipv4({ error: 'must be an IPv4 address in dotted decimal (Twilio supports IPv4 only)' }).max(15);

export const NewCredentialList = z
  .object({
    friendlyName: ListName,
    credentials: z
      .array(z.object({ username: SipUsername, password: SipPassword }).strict())
      .min(1)
      .max(MAX_CREDENTIALS_PER_LIST)
      .superRefine(uniqueBy((c) => c.username, 'username')).meta({ uniqueItems: true }),
  })
  .strict();
export const NewIpAcl = z
  .object({
    friendlyName: ListName,
    ipAddresses: z
      .array(z.object({ ip: IPv4, cidrPrefixLength: z.number().int().min(8).max(32).default(32) }).strict())
      .min(1)
      .max(MAX_IPS_PER_ACL)
      .superRefine(uniqueBy((a) => `${a.ip}/${a.cidrPrefixLength}`, 'address')).meta({ uniqueItems: true }),
  })
  .strict();
const ExistingCredentialList = z.object({ sid: CredentialListSid }).strict();
const ExistingIpAcl = z.object({ sid: IpAclSid }).strict();

const listKey = (l: { sid: string } | { friendlyName: string }) => ('sid' in l ? l.sid : l.friendlyName);

export const Termination = z
  .object({
    credentialLists: z.array(z.union([NewCredentialList, ExistingCredentialList])).max(10).default([]).superRefine(uniqueBy(listKey, 'credential list')).meta({ uniqueItems: true }),
    ipAccessControlLists: z.array(z.union([NewIpAcl, ExistingIpAcl])).max(10).default([]).superRefine(uniqueBy(listKey, 'IP access control list')).meta({ uniqueItems: true }),
  })
  .strict();

export const TransferMode = z.enum(['disable-all', 'enable-all', 'sip-only']);
export const TransferCallerId = z.enum(['from-transferee', 'from-transferor']);
export const RecordingMode = z.enum(['do-not-record', 'record-from-ringing', 'record-from-answer', 'record-from-ringing-dual', 'record-from-answer-dual']);
export const RecordingTrim = z.enum(['trim-silence', 'do-not-trim']);

/** A number by E.164 or by its IncomingPhoneNumber SID. */
export const NumberRef = z.union([E164, z.string().max(SID_LENGTH).regex(/^PN[0-9a-f]{32}$/, 'must be an E.164 number or a PN SID')]);

// Lists without defaults: PATCH must tell "not given" (keep) from "given empty" (remove all).
const OriginationUris = z.array(OriginationUri).max(MAX_ORIGINATION_URIS).superRefine(uniqueBy((u) => u.sipUrl.toLowerCase(), 'sipUrl')).meta({ uniqueItems: true });
const NumberRefs = z.array(NumberRef).max(1000).superRefine(uniqueBy((n) => n, 'number')).meta({ uniqueItems: true });
const DisasterRecovery = z.object({ url: WebhookUrl, method: HttpMethod.default('POST') }).strict();

const specFields = {
  friendlyName: z.string().min(1).max(64),
  domainName: DomainName.optional().describe('Derived from the tenant and the name when absent'),
  secure: z.boolean().default(true).describe('SRTP media and TLS signalling; secure by default'),
  cnamLookupEnabled: z.boolean().default(false),
  transfer: z.object({ mode: TransferMode.default('disable-all'), callerId: TransferCallerId.default('from-transferee') }).strict().default({ mode: 'disable-all', callerId: 'from-transferee' }),
  recording: z.object({ mode: RecordingMode.default('do-not-record'), trim: RecordingTrim.default('do-not-trim') }).strict().default({ mode: 'do-not-record', trim: 'do-not-trim' }),
  disasterRecovery: DisasterRecovery.nullable().default(null),
  originationUris: OriginationUris.default([]),
  termination: Termination.default({ credentialLists: [], ipAccessControlLists: [] }),
  phoneNumbers: NumberRefs.default([]),
  move: z.boolean().default(false).describe('Allow taking numbers that are on another of your trunks'),
};

/** POST /v1/sip/trunks: a whole trunk from one desired-state body. */
export const CreateTrunkRequest = z.object(specFields).strict();
export type CreateTrunkRequest = z.output<typeof CreateTrunkRequest>;

/** PATCH /v1/sip/trunks/{trunkSid}: any part of the desired state; lists replace what was there. */
export const PatchTrunkRequest = z
  .object({
    friendlyName: specFields.friendlyName.optional(),
    domainName: DomainName.optional(),
    secure: z.boolean().optional(),
    cnamLookupEnabled: z.boolean().optional(),
    transfer: z.object({ mode: TransferMode.optional(), callerId: TransferCallerId.optional() }).strict().optional(),
    recording: z.object({ mode: RecordingMode.optional(), trim: RecordingTrim.optional() }).strict().optional(),
    disasterRecovery: DisasterRecovery.nullable().optional(),
    originationUris: OriginationUris.optional(),
    termination: z
      .object({
        credentialLists: z.array(z.union([NewCredentialList, ExistingCredentialList])).max(10).superRefine(uniqueBy(listKey, 'credential list')).meta({ uniqueItems: true }).optional(),
        ipAccessControlLists: z.array(z.union([NewIpAcl, ExistingIpAcl])).max(10).superRefine(uniqueBy(listKey, 'IP access control list')).meta({ uniqueItems: true }).optional(),
      })
      .strict()
      .optional(),
    phoneNumbers: NumberRefs.optional(),
    move: z.boolean().optional(),
  })
  .strict()
  .refine((p) => Object.entries(p).some(([k, v]) => k !== 'move' && v !== undefined), 'must change at least one field')
  .meta({ minProperties: 1 });
export type PatchTrunkRequest = z.output<typeof PatchTrunkRequest>;

export const AddOriginationUriRequest = OriginationUri;
export const AddPhoneNumbersRequest = z
  .object({
    phoneNumbers: z.array(NumberRef).min(1).max(1000).superRefine(uniqueBy((n) => n, 'number')).meta({ uniqueItems: true }),
    move: z.boolean().default(false),
  })
  .strict();

export const TrunkParams = z.object({
  trunkSid: z.union([z.string().max(SID_LENGTH).regex(/^TK[0-9a-f]{32}$/), Uuid()], { error: 'must be a trunk SID (TK…) or the id the create call returned' }),
});
export const TrunkHeaders = z.object({ 'idempotency-key': IdempotencyKey.optional() });
export const ListTrunksQuery = PageQuery.extend({ status: z.enum(['provisioning', 'active', 'updating', 'deleting', 'deleted', 'failed']).optional() }).strict();

/**
 * The desired state as stored and handed to workflows: defaults applied, numbers resolved, and each
 * password replaced by a reference to its encrypted row.
 */
export interface StoredCredentialList {
  friendlyName: string;
  credentials: { username: string; passwordRef: string }[];
}
export interface StoredIpAcl {
  friendlyName: string;
  ipAddresses: { ip: string; cidrPrefixLength: number }[];
}
export interface TrunkSpec {
  friendlyName: string;
  domainName: string;
  secure: boolean;
  cnamLookupEnabled: boolean;
  transfer: { mode: z.infer<typeof TransferMode>; callerId: z.infer<typeof TransferCallerId> };
  recording: { mode: z.infer<typeof RecordingMode>; trim: z.infer<typeof RecordingTrim> };
  disasterRecovery: { url: string; method: 'GET' | 'POST' } | null;
  originationUris: OriginationUri[];
  termination: {
    credentialLists: (StoredCredentialList | { sid: string })[];
    ipAccessControlLists: (StoredIpAcl | { sid: string })[];
  };
}

export const HealthFinding = z.object({
  code: z.enum(['no_termination_auth', 'no_enabled_origination_uri', 'single_origination_uri', 'no_disaster_recovery_url', 'insecure_origination_uri', 'number_trunk_drift']),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string(),
  fix: z.string(),
});
export type HealthFinding = z.infer<typeof HealthFinding>;

export const OperationStep = z.object({
  name: z.string(),
  status: z.enum(['running', 'done', 'failed']),
  detail: z.string().nullable(),
});
export const RollbackEntry = z.object({
  action: z.string(),
  status: z.enum(['done', 'failed']),
  error: z.string().nullable(),
});
export const TrunkOperation = z.object({
  id: z.string(),
  kind: z.enum(['create', 'update', 'delete']),
  status: z.enum(['queued', 'running', 'rolling_back', 'succeeded', 'failed', 'rolled_back']),
  step: z.string().nullable(),
  steps: z.array(OperationStep),
  error: z.object({ step: z.string(), message: z.string(), twilio: TwilioErrorInfo.nullable() }).nullable(),
  rollback: z.array(RollbackEntry),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
}).meta({ id: 'SipTrunkOperation' });
export type TrunkOperation = z.infer<typeof TrunkOperation>;

export const TrunkView = z.object({
  id: z.string(),
  trunkSid: z.string().nullable(),
  status: z.enum(['provisioning', 'active', 'updating', 'deleting', 'deleted', 'failed']),
  friendlyName: z.string().nullable(),
  domainName: z.string(),
  /** `{domainName}`: where your SIP infrastructure sends outbound (termination) calls. */
  terminationUri: z.string(),
  secure: z.boolean(),
  cnamLookupEnabled: z.boolean(),
  transfer: z.object({ mode: z.string(), callerId: z.string() }),
  recording: z.object({ mode: z.string(), trim: z.string() }),
  disasterRecovery: z.object({ url: z.string(), method: z.string() }).nullable(),
  originationUris: z.array(z.object({ sid: z.string().nullable(), sipUrl: z.string(), priority: z.number(), weight: z.number(), enabled: z.boolean(), friendlyName: z.string().nullable() })),
  termination: z.object({
    authType: z.array(z.string()),
    credentialLists: z.array(z.object({ sid: z.string().nullable(), friendlyName: z.string(), usernames: z.array(z.string()) })),
    ipAccessControlLists: z.array(z.object({ sid: z.string().nullable(), friendlyName: z.string(), ipAddresses: z.array(z.object({ ip: z.string(), cidrPrefixLength: z.number() })) })),
  }),
  phoneNumbers: z.array(z.object({ phoneNumber: z.string(), twilioSid: z.string().nullable() })),
  health: z.array(HealthFinding),
  warnings: z.array(z.string()),
  operation: TrunkOperation.nullable(),
  /** When Twilio's state was last read; null before the trunk exists at Twilio. */
  observedAt: z.string().nullable(),
  idempotencyKey: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deletedAt: z.string().nullable(),
}).meta({ id: 'SipTrunk' });
export type TrunkView = z.infer<typeof TrunkView>;

export const TrunkNumberView = z.object({ phoneNumber: z.string(), twilioSid: z.string().nullable(), trunkSidAtTwilio: z.string().nullable().optional() });
