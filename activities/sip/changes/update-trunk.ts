import type { TrunkInstance } from 'twilio/lib/rest/trunking/v1/trunk';
import type { TrunkSettings } from '../../../schemas/sip/workflow';
import { failOnDefinitive } from '../../kit/twilio-errors';
import { describeAs, describeUndoAs, type SipChangeModule, type SipReversal } from './change';
import { settingsOfTrunk, trunkParams, type SipChangeContext } from './context';

/** What an undo restores when the plan didn't carry it (plans made before 0eeb842): Twilio's values now. */
async function settingsBefore(ctx: SipChangeContext, trunkSid: string, settings: Partial<TrunkSettings>): Promise<Partial<TrunkSettings>> {
  const before = settingsOfTrunk((await ctx.trunking.trunks(trunkSid).fetch().catch(failOnDefinitive)) as TrunkInstance);
  const previous = Object.fromEntries(Object.keys(settings).map((k) => [k, before[k as keyof TrunkSettings]])) as Partial<TrunkSettings>;
  if ('disasterRecoveryUrl' in settings && previous.disasterRecoveryUrl) previous.disasterRecoveryMethod = before.disasterRecoveryMethod;
  return previous;
}

export const restoreTrunkSettings: SipReversal<'restore_trunk'> = {
  kind: 'restore_trunk',
  async run({ trunking }, u) {
    await trunking.trunks(u.trunkSid).update(trunkParams(u.settings)).catch(failOnDefinitive);
  },
  describe: describeUndoAs<'restore_trunk'>(),
};

export const updateTrunk: SipChangeModule<'update_trunk', 'restore_trunk'> = {
  kind: 'update_trunk',
  async apply(ctx, trunkId, { settings, previous: planned }) {
    const trunkSid = await ctx.trunkSidOf(trunkId);
    const previous = planned ?? (await settingsBefore(ctx, trunkSid, settings));
    await ctx.trunking.trunks(trunkSid).update(trunkParams(settings)).catch(failOnDefinitive);
    return { detail: `updated ${Object.keys(settings).join(', ')}`, undo: { kind: 'restore_trunk', trunkSid, settings: previous } };
  },
  undo: restoreTrunkSettings,
  describe: describeAs<'update_trunk'>(),
};
