import type { ListKind, SipChange, SipUndo } from './workflow';

/** Names of trunk changes and their compensations, as operation reports show them (shared by workflow and activities, so here below both). */

const listWord = (k: ListKind) => (k === 'credential_list' ? 'credential list' : 'IP access control list');

/** A step's name as the API shows it (and as a failure report names it). */
export function describeChange(c: SipChange): string {
  switch (c.kind) {
    case 'create_trunk': return `create trunk ${c.settings.domainName}`;
    case 'update_trunk': return `update trunk settings (${Object.keys(c.settings).join(', ')})`;
    case 'set_recording': return `set recording ${c.recording.mode}/${c.recording.trim}`;
    case 'add_origination_uri': return `add origination URI ${c.uri.sipUrl}`;
    case 'update_origination_uri': return `update origination URI ${c.uri.sipUrl}`;
    case 'remove_origination_uri': return `remove origination URI ${c.sipUrl}`;
    case 'create_list': return `create ${listWord(c.listKind)} ${c.friendlyName}`;
    case 'sync_credentials': return `set credentials of ${c.list.friendlyName}`;
    case 'sync_ip_addresses': return `set IP addresses of ${c.list.friendlyName}`;
    case 'associate_list': return `associate ${listWord(c.listKind)} ${'sid' in c.ref ? c.ref.sid : c.ref.friendlyName}`;
    case 'disassociate_list': return `disassociate ${listWord(c.listKind)} ${c.sid}`;
    case 'attach_number': return `attach ${c.number.phoneNumber}`;
    case 'detach_number': return `detach ${c.number.phoneNumber}`;
    case 'delete_list': return `delete ${listWord(c.listKind)} ${c.sid}`;
    case 'delete_trunk': return 'delete trunk';
  }
}

export function describeUndo(u: SipUndo): string {
  switch (u.kind) {
    case 'delete_trunk': return `delete trunk ${u.trunkSid} (${u.domainName})`;
    case 'restore_trunk': return `restore trunk settings (${Object.keys(u.settings).join(', ')})`;
    case 'restore_recording': return `restore recording ${u.recording.mode}/${u.recording.trim}`;
    case 'remove_origination_uri': return `remove origination URI ${u.sipUrl}`;
    case 'restore_origination_uri': return `restore origination URI ${u.uri.sipUrl}`;
    case 'delete_list': return `delete ${listWord(u.listKind)} ${u.friendlyName} (${u.sid})`;
    case 'delete_credentials': return `delete credentials ${u.usernames.join(', ')}`;
    case 'restore_ip_addresses': return `restore IP addresses of ${u.listSid}`;
    case 'disassociate_list': return `disassociate ${listWord(u.listKind)} ${u.sid}`;
    case 'associate_list': return `re-associate ${listWord(u.listKind)} ${u.sid}`;
    case 'detach_number': return `detach ${u.number.phoneNumber}${u.priorTrunkSid ? ` (back to trunk ${u.priorTrunkSid})` : ''}${u.priorVoiceApplicationSid ? ' (voice application restored)' : ''}`;
    case 'reattach_number': return `re-attach ${u.number.phoneNumber}`;
  }
}

