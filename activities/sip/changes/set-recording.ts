import type { TrunkSpec } from '../../../schemas/sip/trunks';
import { failOnDefinitive } from '../../kit/twilio-errors';
import { describeAs, describeUndoAs, type SipChangeModule, type SipReversal } from './change';
import type { SipChangeContext } from './context';

/** What an undo restores when the plan didn't carry it (plans made before 0eeb842): Twilio's values now. */
async function recordingBefore(ctx: SipChangeContext, trunkSid: string): Promise<TrunkSpec['recording']> {
  const before = await ctx.trunking.trunks(trunkSid).recordings().fetch().catch(failOnDefinitive);
  return { mode: before.mode ?? 'do-not-record', trim: before.trim ?? 'do-not-trim' } as TrunkSpec['recording'];
}

export const restoreRecording: SipReversal<'restore_recording'> = {
  kind: 'restore_recording',
  async run({ trunking }, u) {
    await trunking.trunks(u.trunkSid).recordings().update(u.recording).catch(failOnDefinitive);
  },
  describe: describeUndoAs<'restore_recording'>(),
};

export const setRecording: SipChangeModule<'set_recording', 'restore_recording'> = {
  kind: 'set_recording',
  async apply(ctx, trunkId, { recording, previous: planned }) {
    const trunkSid = await ctx.trunkSidOf(trunkId);
    const previous = planned ?? (await recordingBefore(ctx, trunkSid));
    await ctx.trunking.trunks(trunkSid).recordings().update(recording).catch(failOnDefinitive);
    return { detail: `recording ${recording.mode}, ${recording.trim}`, undo: { kind: 'restore_recording', trunkSid, recording: previous } };
  },
  undo: restoreRecording,
  describe: describeAs<'set_recording'>(),
};
