/** The SIP trunk workflows' inputs, plans and the activities they rely on (plain data only). */
import type { TwilioErrorInfo } from '../kit/common';
import type { OriginationUri, StoredCredentialList, StoredIpAcl, TrunkOperation, TrunkSpec } from './trunks';

export type ListKind = 'credential_list' | 'ip_acl';

/** A number the operation should leave on the trunk. */
export interface DesiredNumber {
  phoneNumber: string;
  twilioSid: string;
}

export interface SipOperationInput {
  tenantId: string;
  trunkId: string;
  operationId: string;
  kind: 'create' | 'update' | 'delete';
  /** The desired state (create/update); null for delete. */
  spec: TrunkSpec | null;
  /** Every number the trunk should hold afterwards (create/update). */
  numbers: DesiredNumber[];
  /** Numbers on another of the tenant's trunks may be taken. */
  move: boolean;
  /** Password references to wipe when the operation ends. */
  secretRefs: string[];
}

export interface TrunkSettings {
  friendlyName: string;
  domainName: string;
  secure: boolean;
  cnamLookupEnabled: boolean;
  transferMode: string;
  transferCallerId: string;
  disasterRecoveryUrl: string | null;
  disasterRecoveryMethod: string | null;
}

/** A reference to a list: by SID, or by the name the spec gave a list the service creates for this trunk. */
export type ListRef = { sid: string } | { friendlyName: string };

/** One change the plan asks for; each is applied by one reconciling activity call. */
export type SipChange =
  | { kind: 'create_trunk'; settings: TrunkSettings }
  /** `previous` (what an undo restores) is absent in plans made before 0eeb842: the activity reads Twilio then. */
  | { kind: 'update_trunk'; settings: Partial<TrunkSettings>; previous?: Partial<TrunkSettings> }
  | { kind: 'set_recording'; recording: TrunkSpec['recording']; previous?: TrunkSpec['recording'] }
  | { kind: 'add_origination_uri'; uri: OriginationUri }
  | { kind: 'update_origination_uri'; sid: string; uri: OriginationUri }
  | { kind: 'remove_origination_uri'; sid: string; sipUrl: string }
  | { kind: 'create_list'; listKind: ListKind; friendlyName: string }
  | { kind: 'sync_credentials'; list: StoredCredentialList }
  | { kind: 'sync_ip_addresses'; list: StoredIpAcl }
  | { kind: 'associate_list'; listKind: ListKind; ref: ListRef }
  | { kind: 'disassociate_list'; listKind: ListKind; sid: string }
  | { kind: 'attach_number'; number: DesiredNumber; move: boolean }
  | { kind: 'detach_number'; number: DesiredNumber }
  /** Irreversible clean-up, planned after every reversible change. */
  | { kind: 'delete_list'; listKind: ListKind; sid: string }
  | { kind: 'delete_trunk' };

/** How to undo an applied change (Twilio state captured before it was made). */
export type SipUndo =
  | { kind: 'delete_trunk'; trunkSid: string; domainName: string }
  | { kind: 'restore_trunk'; trunkSid: string; settings: Partial<TrunkSettings> }
  | { kind: 'restore_recording'; trunkSid: string; recording: TrunkSpec['recording'] }
  | { kind: 'remove_origination_uri'; trunkSid: string; sid: string; sipUrl: string }
  | { kind: 'restore_origination_uri'; trunkSid: string; sid: string | null; uri: OriginationUri }
  | { kind: 'delete_list'; listKind: ListKind; sid: string; friendlyName: string }
  | { kind: 'delete_credentials'; listSid: string; credentialSids: string[]; usernames: string[] }
  | { kind: 'restore_ip_addresses'; listSid: string; remove: string[]; add: { ip: string; cidrPrefixLength: number }[] }
  | { kind: 'disassociate_list'; listKind: ListKind; trunkSid: string; sid: string }
  | { kind: 'associate_list'; listKind: ListKind; trunkSid: string; sid: string }
  | { kind: 'detach_number'; trunkSid: string; number: DesiredNumber; priorTrunkSid: string | null; priorVoiceApplicationSid: string | null }
  | { kind: 'reattach_number'; trunkSid: string; number: DesiredNumber };

/** Changes to a trunk's numbers: many of them are applied by one activity (a 1 000-number attach is 20 activities). */
export type NumberChange = Extract<SipChange, { kind: 'attach_number' | 'detach_number' }>;
export type NumberUndo = Extract<SipUndo, { kind: 'detach_number' | 'reattach_number' }>;

export interface AppliedChange {
  /** What was done, for the operation's step list. */
  detail: string;
  undo: SipUndo | null;
}

/** Twilio's state of a trunk, as read back. */
export interface TrunkSnapshot {
  trunkSid: string;
  settings: TrunkSettings;
  authType: string[];
  recording: TrunkSpec['recording'];
  originationUris: (OriginationUri & { sid: string })[];
  credentialLists: { sid: string; twilioName: string; usernames: string[] }[];
  ipAccessControlLists: { sid: string; twilioName: string; ipAddresses: { ip: string; cidrPrefixLength: number }[] }[];
  /** Numbers Twilio lists on the trunk. */
  phoneNumbers: { sid: string; phoneNumber: string }[];
  /** Our numbers for this trunk whose trunk_sid at Twilio is something else. */
  drift: { phoneNumber: string; twilioSid: string; trunkSidAtTwilio: string | null }[];
}

export interface OperationProgress {
  step: string | null;
  steps: TrunkOperation['steps'];
  error: { step: string; message: string; twilio: TwilioErrorInfo | null } | null;
  rollback: TrunkOperation['rollback'];
}

export type OperationOutcome = 'succeeded' | 'failed' | 'rolled_back';

/**
 * Progress written by the activity that makes the next step, so reporting costs no activity of its own.
 * Only workflows started before `sip-progress-per-step` send it (the whole list, growing with every step).
 */
export interface ProgressReport {
  operationId: string;
  status: 'running' | 'rolling_back';
  progress: OperationProgress;
}

/** A definitive refusal of a step (Twilio 4xx, or ours): retrying can't change it, so the saga rolls back. */
export interface Refusal {
  message: string;
  twilio: TwilioErrorInfo | null;
}

/** Where an activity writes its own entry of an operation's progress: the operation and the entry's place in its list. */
export interface EntryRef {
  operationId: string;
  index: number;
}

/**
 * One change to an operation's stored progress, written in place: the size of what an activity is sent
 * does not depend on how many steps the operation has (the view reads the same progress as before).
 */
export interface ProgressEntry {
  operationId: string;
  status: 'running' | 'rolling_back';
  /** Sets `progress.step`: the step now running, null when none is. */
  step?: string | null;
  /** Sets `progress.error`. */
  error?: OperationProgress['error'];
  /** One entry of the step list or of the rollback list, at its index. */
  entry?: { list: 'steps'; index: number; value: OperationProgress['steps'][number] } | { list: 'rollback'; index: number; value: OperationProgress['rollback'][number] };
}

/** What one activity made of its numbers: those applied, in order, and the refusal that stopped it (if one did). */
export interface NumbersApplied {
  applied: AppliedChange[];
  refusal: Refusal | null;
}

/** What the trunk workflows ask of the outside world; every Twilio call reconciles before it repeats a side effect. */
export interface SipActivities {
  /** Reads Twilio (when the trunk exists there) and the database, and lists the changes that make it match. */
  sipPlan(i: SipOperationInput): Promise<SipChange[]>;
  /** Records the operation's progress when sent it (this step running; workflows of 0eeb842), then applies the change. */
  sipApply(i: { tenantId: string; trunkId: string; change: SipChange; report?: ProgressReport }): Promise<AppliedChange>;
  /** Records the progress when sent it, then undoes one change; a 20404 (already gone) counts as done. */
  sipUndo(i: { undo: SipUndo; report?: ProgressReport }): Promise<string>;
  /** sipPlan for the operation's input as stored with it (so the activity's input doesn't grow with its numbers). */
  sipPlanOperation(i: { tenantId: string; trunkId: string; operationId: string }): Promise<SipChange[]>;
  /** Applies one change, writing its own step (running, then done) to the operation's progress. */
  sipApplyStep(i: { tenantId: string; trunkId: string; change: SipChange; step: EntryRef & { name: string } }): Promise<AppliedChange>;
  /** Applies number changes in order, each writing its own step, from `first` on; stops at the first refusal. */
  sipApplyNumbers(i: { tenantId: string; trunkId: string; changes: NumberChange[]; first: EntryRef }): Promise<NumbersApplied>;
  /** Undoes one change, writing its own rollback entry when done. */
  sipUndoStep(i: { tenantId: string; trunkId: string; undo: SipUndo; entry: EntryRef }): Promise<string>;
  /** Undoes number changes, each writing its rollback entry (done, or failed with why); the positions that failed. */
  sipUndoNumbers(i: { tenantId: string; trunkId: string; undos: NumberUndo[]; first: EntryRef }): Promise<{ failed: number[] }>;
  /** Writes what the workflow itself decides (a refused step, a compensation that gave up, the error). */
  sipRecordEntry(i: ProgressEntry): Promise<void>;
  /** Reads the trunk back from Twilio and stores the snapshot (and the seed's columns). */
  sipInspect(i: { tenantId: string; trunkId: string }): Promise<TrunkSnapshot | null>;
  sipRecordProgress(i: { operationId: string; status: 'running' | 'rolling_back'; progress: OperationProgress }): Promise<void>;
  /**
   * Ends the operation, sets the trunk's status and stores its desired state when it succeeded. Without
   * `progress` (workflows since `sip-progress-per-step`) the stored progress is kept, with no step running.
   */
  sipFinishOperation(i: { operationId: string; outcome: OperationOutcome; progress?: OperationProgress }): Promise<void>;
  sipWipeSecrets(i: { refs: string[] }): Promise<void>;
}
