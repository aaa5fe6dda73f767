import type { AppliedChange, SipChange, SipUndo } from '../../../schemas/sip/workflow';
import { addOriginationUri, removeAddedUri } from './add-origination-uri';
import { associateList, disassociateAssociatedList } from './associate-list';
import { attachNumber, detachAttachedNumber } from './attach-number';
import type { ChangeKind, SipChangeModule, SipReversal, UndoKind } from './change';
import type { SipChangeContext } from './context';
import { createList, deleteCreatedList } from './create-list';
import { createTrunk, deleteCreatedTrunk } from './create-trunk';
import { deleteList } from './delete-list';
import { deleteTrunk } from './delete-trunk';
import { detachNumber, reattachNumber } from './detach-number';
import { disassociateList, reassociateList } from './disassociate-list';
import { removeOriginationUri } from './remove-origination-uri';
import { restoreRecording, setRecording } from './set-recording';
import { deleteAddedCredentials, syncCredentials } from './sync-credentials';
import { restoreIpAddresses, syncIpAddresses } from './sync-ip-addresses';
import { restoreTrunkSettings, updateTrunk } from './update-trunk';
import { restoreUri, updateOriginationUri } from './update-origination-uri';

/** A module of change kind K, whichever kind of undo it returns (none, for an irreversible change). */
type ModuleOf<K extends ChangeKind> = { [U in UndoKind]: SipChangeModule<K, U> }[UndoKind] | SipChangeModule<K, never>;

/** Every kind of change a SIP plan can hold, by kind (the compiler names a kind without a module). */
export const SIP_CHANGES: { [K in ChangeKind]: ModuleOf<K> } = {
  create_trunk: createTrunk,
  update_trunk: updateTrunk,
  set_recording: setRecording,
  add_origination_uri: addOriginationUri,
  update_origination_uri: updateOriginationUri,
  remove_origination_uri: removeOriginationUri,
  create_list: createList,
  sync_credentials: syncCredentials,
  sync_ip_addresses: syncIpAddresses,
  associate_list: associateList,
  disassociate_list: disassociateList,
  attach_number: attachNumber,
  detach_number: detachNumber,
  delete_list: deleteList,
  delete_trunk: deleteTrunk,
};

/**
 * Every kind of undo, by kind: each is its change module's reversal (an updated and a removed URI are both
 * put back by restoring it). Undos arrive on their own — from a rollback, possibly on another worker — so they
 * are found by their own kind, not their change's.
 */
export const SIP_REVERSALS: { [U in UndoKind]: SipReversal<U> } = {
  delete_trunk: deleteCreatedTrunk,
  restore_trunk: restoreTrunkSettings,
  restore_recording: restoreRecording,
  remove_origination_uri: removeAddedUri,
  restore_origination_uri: restoreUri,
  delete_list: deleteCreatedList,
  delete_credentials: deleteAddedCredentials,
  restore_ip_addresses: restoreIpAddresses,
  disassociate_list: disassociateAssociatedList,
  associate_list: reassociateList,
  detach_number: detachAttachedNumber,
  reattach_number: reattachNumber,
};

// A union's members each get their own module; one call point narrows the change to its module's kind.
const moduleOf = (c: SipChange) => SIP_CHANGES[c.kind] as SipChangeModule<ChangeKind, UndoKind> & { apply(ctx: SipChangeContext, trunkId: string, c: SipChange): Promise<AppliedChange> };
const reversalOf = (u: SipUndo) => SIP_REVERSALS[u.kind] as SipReversal<UndoKind> & { run(ctx: SipChangeContext, u: SipUndo): Promise<void>; describe(u: SipUndo): string };

/** Applies one change through its module: what was done, and how to undo it. */
export const applySipChange = (ctx: SipChangeContext, trunkId: string, change: SipChange): Promise<AppliedChange> => moduleOf(change).apply(ctx, trunkId, change);

/** Undoes one applied change through its reversal; the compensation's name, as the rollback list shows it. */
export async function undoSipChange(ctx: SipChangeContext, undo: SipUndo): Promise<string> {
  const reversal = reversalOf(undo);
  await reversal.run(ctx, undo);
  return reversal.describe(undo);
}
