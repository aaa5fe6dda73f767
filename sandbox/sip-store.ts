/**
 * Elastic SIP Trunking v1 and 2010 SIP list state: trunks with their origination URLs, recording settings
 * and credential-list / IP-ACL associations; credential lists with credentials; IP ACLs with IP addresses;
 * and the domain names a deleted trunk keeps reserved. Numbers stay in SandboxState: a number is on a
 * trunk when its `config.trunk_sid` says so, which keeps one source of truth for both APIs.
 */
export type TransferMode = 'disable-all' | 'enable-all' | 'sip-only';
export type TransferCallerId = 'from-transferee' | 'from-transferor';
export type RecordingMode = 'do-not-record' | 'record-from-ringing' | 'record-from-answer' | 'record-from-ringing-dual' | 'record-from-answer-dual';
export type RecordingTrim = 'trim-silence' | 'do-not-trim';

export interface Trunk {
  sid: string;
  accountSid: string;
  friendlyName: string | null;
  /** Lower-cased, as domain names compare. */
  domainName: string | null;
  disasterRecoveryUrl: string | null;
  disasterRecoveryMethod: 'GET' | 'POST';
  transferMode: TransferMode;
  transferCallerId: TransferCallerId;
  secure: boolean;
  cnamLookupEnabled: boolean;
  recording: { mode: RecordingMode; trim: RecordingTrim };
  dateCreated: Date;
  dateUpdated: Date;
}

export interface OriginationUrl {
  sid: string;
  accountSid: string;
  trunkSid: string;
  sipUrl: string;
  friendlyName: string;
  weight: number;
  priority: number;
  enabled: boolean;
  dateCreated: Date;
  dateUpdated: Date;
}

/** A credential list or IP ACL attached to a trunk; its SID on the trunk is the list's SID. */
export interface TrunkAssociation {
  trunkSid: string;
  listSid: string;
  accountSid: string;
  dateCreated: Date;
}

export interface CredentialList {
  sid: string;
  accountSid: string;
  friendlyName: string;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface Credential {
  sid: string;
  accountSid: string;
  credentialListSid: string;
  username: string;
  /** Kept so a test can check what was set; never serialised. */
  password: string;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface IpAccessControlList {
  sid: string;
  accountSid: string;
  friendlyName: string;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface IpAddress {
  sid: string;
  accountSid: string;
  ipAccessControlListSid: string;
  friendlyName: string;
  ipAddress: string;
  cidrPrefixLength: number;
  dateCreated: Date;
  dateUpdated: Date;
}

/** How long a deleted trunk's domain name stays taken (Twilio: "up to 30 days"). */
export const DOMAIN_RESERVATION_MS = 30 * 86_400_000;

const associationKey = (trunkSid: string, listSid: string) => `${trunkSid}/${listSid}`;

export class SipStore {
  readonly trunks = new Map<string, Trunk>();
  readonly originationUrls = new Map<string, OriginationUrl>();
  /** Keyed by `${trunkSid}/${credentialListSid}`. */
  readonly trunkCredentialLists = new Map<string, TrunkAssociation>();
  /** Keyed by `${trunkSid}/${ipAccessControlListSid}`. */
  readonly trunkIpAccessControlLists = new Map<string, TrunkAssociation>();
  readonly credentialLists = new Map<string, CredentialList>();
  readonly credentials = new Map<string, Credential>();
  readonly ipAccessControlLists = new Map<string, IpAccessControlList>();
  readonly ipAddresses = new Map<string, IpAddress>();
  /** Domain name (lower case) → the virtual time until which no trunk may take it. */
  readonly domainReservations = new Map<string, Date>();

  trunksOf(accountSid: string): Trunk[] {
    return [...this.trunks.values()].filter((t) => t.accountSid === accountSid);
  }

  originationUrlsOf(trunkSid: string): OriginationUrl[] {
    return [...this.originationUrls.values()].filter((o) => o.trunkSid === trunkSid);
  }

  associations(kind: 'credential' | 'ip', trunkSid: string): TrunkAssociation[] {
    return [...this.associationMap(kind).values()].filter((a) => a.trunkSid === trunkSid);
  }

  association(kind: 'credential' | 'ip', trunkSid: string, listSid: string): TrunkAssociation | undefined {
    return this.associationMap(kind).get(associationKey(trunkSid, listSid));
  }

  associate(kind: 'credential' | 'ip', a: TrunkAssociation) {
    this.associationMap(kind).set(associationKey(a.trunkSid, a.listSid), a);
  }

  dissociate(kind: 'credential' | 'ip', trunkSid: string, listSid: string): boolean {
    return this.associationMap(kind).delete(associationKey(trunkSid, listSid));
  }

  /** Whether any trunk uses the list (such a list can't be deleted). */
  isAssociated(kind: 'credential' | 'ip', listSid: string): boolean {
    return [...this.associationMap(kind).values()].some((a) => a.listSid === listSid);
  }

  /** `auth_type_set`: which kinds of termination auth the trunk's associations give it. */
  authTypes(trunkSid: string): string[] {
    const types: string[] = [];
    if (this.associations('ip', trunkSid).length) types.push('IP_ACL');
    if (this.associations('credential', trunkSid).length) types.push('CREDENTIAL_LIST');
    return types;
  }

  /** Taken by a live trunk (of any account, other than `exceptTrunkSid`) or still reserved at `now`. */
  domainTaken(domain: string, now: Date, exceptTrunkSid?: string): boolean {
    const d = domain.toLowerCase();
    if ([...this.trunks.values()].some((t) => t.domainName === d && t.sid !== exceptTrunkSid)) return true;
    const until = this.domainReservations.get(d);
    return until !== undefined && until.getTime() > now.getTime();
  }

  /** Deletes a trunk with its origination URLs and associations, and reserves its domain from `now`. */
  removeTrunk(sid: string, now: Date) {
    const t = this.trunks.get(sid);
    if (!t) return;
    this.trunks.delete(sid);
    for (const o of this.originationUrlsOf(sid)) this.originationUrls.delete(o.sid);
    for (const kind of ['credential', 'ip'] as const) for (const a of this.associations(kind, sid)) this.dissociate(kind, sid, a.listSid);
    if (t.domainName) this.domainReservations.set(t.domainName, new Date(now.getTime() + DOMAIN_RESERVATION_MS));
  }

  reset() {
    for (const m of [
      this.trunks, this.originationUrls, this.trunkCredentialLists, this.trunkIpAccessControlLists, this.credentialLists,
      this.credentials, this.ipAccessControlLists, this.ipAddresses, this.domainReservations,
    ]) m.clear();
  }

  private associationMap(kind: 'credential' | 'ip') {
    return kind === 'credential' ? this.trunkCredentialLists : this.trunkIpAccessControlLists;
  }
}
