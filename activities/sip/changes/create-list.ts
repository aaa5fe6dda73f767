import { twilioListName } from '../../../compliance/sip/plan';
import type { ListKind } from '../../../schemas/sip/workflow';
import { activityAttempt } from '../../kit/attempt';
import { failOnDefinitive, isTwilioNotFound as notFound, twilioErrorOf } from '../../kit/twilio-errors';
import { foreignObject, sidByName } from '../../kit/twilio-objects';
import { describeAs, describeUndoAs, type SipChangeModule, type SipReversal } from './change';
import type { SipChangeContext } from './context';

const CREDENTIAL_LIST_EXISTS = 21240;
const IP_ACL_EXISTS = 21235;

async function findListByName(ctx: SipChangeContext, kind: ListKind, twilioName: string): Promise<string | null> {
  const sip = ctx.account().sip;
  const listing = kind === 'credential_list' ? sip.credentialLists.list({ pageSize: 1000 }) : sip.ipAccessControlLists.list({ pageSize: 1000 });
  return (await sidByName(listing, twilioName)) ?? null;
}

/** A list found at Twilio is used only if no other tenant's row holds it. */
async function assertListNotForeign(ctx: SipChangeContext, tenantId: string, kind: ListKind, sid: string) {
  const { rowCount } = await ctx.db.query('SELECT 1 FROM sip_auth_lists WHERE list_sid = $1 AND tenant_id <> $2', [sid, tenantId]);
  if (rowCount) throw foreignObject(kind.replace('_', ' '), sid);
}

const exists = (ctx: SipChangeContext, kind: ListKind, sid: string) =>
  ctx.sipLists(kind)(sid).fetch().then(() => true, (err) => (notFound(err) ? false : Promise.reject(err)));

/** Deletes the list the saga created; one Twilio still finds in use is retried, then reported. */
export const deleteCreatedList: SipReversal<'delete_list'> = {
  kind: 'delete_list',
  async run(ctx, u) {
    const result = await ctx.deleteList(u.listKind, u.sid);
    if (result.startsWith('kept')) throw new Error(result); // still associated somewhere: retried, then reported
  },
  describe: describeUndoAs<'delete_list'>(),
};

export const createList: SipChangeModule<'create_list', 'delete_list'> = {
  kind: 'create_list',
  async apply(ctx, trunkId, { listKind: kind, friendlyName }) {
    const row = await ctx.trunkRow(trunkId);
    const twilioName = twilioListName(trunkId, friendlyName);
    const { rows } = await ctx.db.query<{ id: string; list_sid: string | null; fresh: boolean }>(
      `INSERT INTO sip_auth_lists (tenant_id, kind, friendly_name, twilio_name, created_for_trunk) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (twilio_name) DO UPDATE SET list_sid = CASE WHEN sip_auth_lists.deleted_at IS NULL THEN sip_auth_lists.list_sid END, deleted_at = NULL
        WHERE sip_auth_lists.tenant_id = EXCLUDED.tenant_id
       RETURNING id, list_sid, (xmax = 0) AS fresh`,
      [row.tenant_id, kind, friendlyName, twilioName, trunkId],
    );
    // A name another tenant's list already has is never taken over (fail closed).
    const claimed = rows[0];
    if (!claimed) throw foreignObject(kind.replace('_', ' '), twilioName);
    let sid = claimed.list_sid;
    if (sid && !(await exists(ctx, kind, sid))) sid = null;
    // The name carries the trunk, so a list with it can only be one an earlier attempt made: looked for
    // on a retry, or when an earlier operation recorded the list (its compensation may have failed).
    if (!sid && (!claimed.fresh || activityAttempt() > 1)) sid = await findListByName(ctx, kind, twilioName);
    if (sid) await assertListNotForeign(ctx, row.tenant_id, kind, sid);
    if (!sid) {
      try {
        sid = (await ctx.sipLists(kind).create({ friendlyName: twilioName })).sid;
      } catch (err) {
        const code = twilioErrorOf(err)?.code;
        if (code !== CREDENTIAL_LIST_EXISTS && code !== IP_ACL_EXISTS) return failOnDefinitive(err);
        sid = await findListByName(ctx, kind, twilioName);
        if (!sid) return failOnDefinitive(err);
      }
    }
    await ctx.db.query('UPDATE sip_auth_lists SET list_sid = $2 WHERE id = $1', [claimed.id, sid]);
    return { detail: `${kind.replace('_', ' ')} ${sid}`, undo: { kind: 'delete_list', listKind: kind, sid, friendlyName } };
  },
  undo: deleteCreatedList,
  describe: describeAs<'create_list'>(),
};
