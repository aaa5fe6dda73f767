import { describeChange, describeUndo } from '../../../schemas/sip/describe';
import type { SipChange, SipUndo } from '../../../schemas/sip/workflow';
import type { SipChangeContext } from './context';

export type ChangeKind = SipChange['kind'];
export type ChangeOf<K extends ChangeKind> = Extract<SipChange, { kind: K }>;
export type UndoKind = SipUndo['kind'];
export type UndoOf<U extends UndoKind> = Extract<SipUndo, { kind: U }>;

/** How to take back what a change did: the kind of undo its `apply` returns, how to carry it out, its name. */
export interface SipReversal<U extends UndoKind> {
  kind: U;
  /** Undoes one applied change; what is already gone counts as done. */
  run(ctx: SipChangeContext, undo: UndoOf<U>): Promise<void>;
  describe(undo: UndoOf<U>): string;
}

/**
 * One kind of SIP trunk change: how it is applied (reconciling before it repeats a side effect), how it is
 * undone (null: irreversible — the plan puts such changes after every reversible one) and how a step of it
 * is named in the operation's report.
 */
export interface SipChangeModule<K extends ChangeKind, U extends UndoKind = UndoKind> {
  kind: K;
  apply(ctx: SipChangeContext, trunkId: string, change: ChangeOf<K>): Promise<{ detail: string; undo: UndoOf<U> | null }>;
  undo: SipReversal<U> | null;
  describe(change: ChangeOf<K>): string;
}

/**
 * A step's name and a compensation's name are the workflow's too (it names a refused step, or a compensation
 * that gave up), and workflow code may not import activities: the words live in schemas/sip/describe.ts.
 */
export const describeAs = <K extends ChangeKind>() => (c: ChangeOf<K>) => describeChange(c);
export const describeUndoAs = <U extends UndoKind>() => (u: UndoOf<U>) => describeUndo(u);
