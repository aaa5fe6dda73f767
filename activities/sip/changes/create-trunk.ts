import { ApplicationFailure } from '@temporalio/common';
import { forgetContainer } from '../../../db/kit/memberships';
import { activityAttempt } from '../../kit/attempt';
import { failOnDefinitive, goneIsDone, isTwilioNotFound as notFound, twilioErrorOf } from '../../kit/twilio-errors';
import { describeAs, describeUndoAs, type SipChangeModule, type SipReversal } from './change';
import { trunkParams, type SipChangeContext } from './context';

const DOMAIN_TAKEN = 21248;

async function findTrunkByDomain(ctx: SipChangeContext, domainName: string) {
  const all = await ctx.trunking.trunks.list({ pageSize: 100 });
  return all.find((t) => t.domainName?.toLowerCase() === domainName.toLowerCase()) ?? null;
}

/** Deletes the trunk the saga created: the row no longer names a trunk Twilio has, so a later change creates one afresh. */
export const deleteCreatedTrunk: SipReversal<'delete_trunk'> = {
  kind: 'delete_trunk',
  async run({ db, trunking }, u) {
    await trunking.trunks(u.trunkSid).remove().catch(goneIsDone);
    await db.query('UPDATE phone_numbers SET sip_trunk_id = NULL WHERE sip_trunk_id = (SELECT id FROM sip_trunks WHERE trunk_sid = $1)', [u.trunkSid]);
    await forgetContainer(db, 'sip_trunk', u.trunkSid);
    await db.query('UPDATE sip_trunks SET trunk_sid = NULL, snapshot = NULL, updated_at = now() WHERE trunk_sid = $1', [u.trunkSid]);
  },
  describe: describeUndoAs<'delete_trunk'>(),
};

export const createTrunk: SipChangeModule<'create_trunk', 'delete_trunk'> = {
  kind: 'create_trunk',
  async apply(ctx, trunkId, { settings }) {
    const row = await ctx.trunkRow(trunkId);
    if (row.trunk_sid) {
      const existing = await ctx.trunking.trunks(row.trunk_sid).fetch().catch((err) => (notFound(err) ? null : Promise.reject(err)));
      if (existing) return { detail: `trunk ${existing.sid} exists`, undo: { kind: 'delete_trunk', trunkSid: existing.sid, domainName: existing.domainName } };
    }
    // A retry (lost response, killed worker) first looks for the trunk an earlier attempt created.
    let trunk = activityAttempt() > 1 ? await findTrunkByDomain(ctx, settings.domainName) : null;
    if (!trunk) {
      try {
        trunk = await ctx.trunking.trunks.create(trunkParams(settings));
      } catch (err) {
        if (twilioErrorOf(err)?.code !== DOMAIN_TAKEN || activityAttempt() === 1) return failOnDefinitive(err);
        trunk = await findTrunkByDomain(ctx, settings.domainName);
        if (!trunk) return failOnDefinitive(err);
      }
    }
    try {
      await ctx.db.query('UPDATE sip_trunks SET trunk_sid = $2, updated_at = now() WHERE id = $1', [trunkId, trunk.sid]);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw ApplicationFailure.nonRetryable(`trunk ${trunk.sid} (${settings.domainName}) belongs to another trunk of this service`, 'DomainInUse');
      throw err;
    }
    return { detail: `trunk ${trunk.sid}`, undo: { kind: 'delete_trunk', trunkSid: trunk.sid, domainName: settings.domainName } };
  },
  undo: deleteCreatedTrunk,
  describe: describeAs<'create_trunk'>(),
};
