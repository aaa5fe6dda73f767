import { inTransaction, type Db } from '../kit/pool';
import type { NumberTransferView, TransferLoss } from '../../schemas/platform/number-transfer';
import type { TwilioErrorInfo } from '../../schemas/kit/common';

/** A number the dry run names: the losing tenant's live row, and what it loses by moving. */
export interface TransferPlanNumber {
  phoneNumber: string;
  twilioSid: string;
  loses: TransferLoss[];
}

/** Why a number named in the request can't be transferred: the request's field at fault, and whether it is busy (409) or not the tenant's (400). */
export interface TransferRefusal {
  index: number;
  kind: 'not_held' | 'busy';
  message: string;
}

const REDO = {
  sip_trunk: 'add it to one of the gaining tenant’s trunks (POST /v1/sip/trunks/{id}/numbers)',
  messaging_service: 'add it to the gaining tenant’s A2P campaign (its own brand and campaign: a registration of its own)',
  trust_product: 'put it on the gaining tenant’s own SHAKEN/STIR, CNAM or Voice Integrity registration',
  tollfree_verification: 'verify it again as the gaining tenant (POST /v1/tollfree/verifications)',
} as const;

interface LossRow {
  phone_number: string;
  kind: TransferLoss['kind'];
  sid: string;
  detail: string | null;
}

/** A loss found only when detaching (no detail known): the container in plain words. */
export const plainLoss = (kind: TransferLoss['kind'], sid: string): TransferLoss => lossOf({ phone_number: '', kind, sid, detail: null });

/** In words: what a container is to the number (an A2P campaign's sender pool, a trust product of one kind…). */
function lossOf(r: LossRow): TransferLoss {
  const what = {
    sip_trunk: `its SIP trunk ${r.sid}${r.detail ? ` (${r.detail})` : ''}: calls stop reaching it`,
    messaging_service: r.detail
      ? `A2P 10DLC: Messaging Service ${r.sid} of campaign ${r.detail}; the campaign stays with the first tenant`
      : `Messaging Service ${r.sid}`,
    trust_product: `trust product ${r.sid}${r.detail ? ` (${r.detail.replaceAll('_', ' ')})` : ''}`,
    tollfree_verification: `its toll-free verification ${r.sid}: Twilio’s approval stays with the first account`,
  }[r.kind];
  return { kind: r.kind, sid: r.sid, what, redo: REDO[r.kind] };
}

/**
 * The dry run of a transfer: each named number as the losing tenant holds it, with what it loses (the memberships
 * the service recorded, and an approved toll-free verification) — or why it can't move: not a live number of the
 * tenant, or busy (a verification under review, another transfer). In the request's order.
 */
export async function transferPlanOf(db: Db, fromTenantId: string, numbers: string[]): Promise<{ numbers: TransferPlanNumber[]; refusals: TransferRefusal[] }> {
  const [held, losses, busy] = await Promise.all([
    db.query<{ phone_number: string; twilio_sid: string }>(
      `SELECT phone_number, twilio_sid FROM phone_numbers WHERE tenant_id = $1 AND phone_number = ANY($2::text[]) AND status = 'active' AND twilio_sid IS NOT NULL`,
      [fromTenantId, numbers],
    ),
    db.query<LossRow>(
      `SELECT n.phone_number, m.kind, m.container_sid AS sid,
              CASE m.kind WHEN 'sip_trunk' THEN (SELECT t.domain_name FROM sip_trunks t WHERE t.trunk_sid = m.container_sid AND t.tenant_id = $1)
                          WHEN 'messaging_service' THEN (SELECT c.campaign_sid FROM a2p_campaigns c WHERE c.messaging_service_sid = m.container_sid AND c.tenant_id = $1 LIMIT 1)
                          WHEN 'trust_product' THEN (SELECT v.product FROM voice_trust_registrations v WHERE v.trust_product_sid = m.container_sid AND v.tenant_id = $1)
              END AS detail
         FROM number_memberships m JOIN phone_numbers n ON n.twilio_sid = m.twilio_sid AND n.tenant_id = m.tenant_id AND n.status = 'active'
        WHERE m.tenant_id = $1 AND n.phone_number = ANY($2::text[])
       UNION ALL
       SELECT n.phone_number, 'sip_trunk', t.trunk_sid, t.domain_name
         FROM phone_numbers n JOIN sip_trunks t ON t.id = n.sip_trunk_id
        WHERE n.tenant_id = $1 AND n.phone_number = ANY($2::text[]) AND n.status = 'active' AND t.trunk_sid IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM number_memberships m WHERE m.twilio_sid = n.twilio_sid AND m.kind = 'sip_trunk' AND m.container_sid = t.trunk_sid)
       UNION ALL
       SELECT v.phone_number, 'tollfree_verification', COALESCE(v.verification_sid, v.id::text), NULL
         FROM tollfree_verifications v JOIN phone_numbers n ON n.twilio_sid = v.number_sid AND n.tenant_id = v.tenant_id AND n.status = 'active'
        WHERE v.tenant_id = $1 AND v.phone_number = ANY($2::text[]) AND v.status = 'completed'
        ORDER BY 1, 2, 3`,
      [fromTenantId, numbers],
    ),
    db.query<{ phone_number: string; why: string }>(
      `SELECT v.phone_number, 'its toll-free verification ' || v.id || ' is ' || v.status || ': cancel it, or let it finish, first' AS why
         FROM tollfree_verifications v JOIN phone_numbers n ON n.twilio_sid = v.number_sid AND n.tenant_id = v.tenant_id AND n.status = 'active'
        WHERE v.tenant_id = $1 AND v.phone_number = ANY($2::text[]) AND v.finished_at IS NULL AND v.status NOT IN ('completed', 'cancelled', 'failed')
       UNION ALL
       SELECT i.phone_number, 'it is in transfer ' || i.transfer_id || ', still running'
         FROM number_transfer_items i WHERE i.phone_number = ANY($2::text[]) AND i.status IN ('pending', 'detached')`,
      [fromTenantId, numbers],
    ),
  ]);
  const sidOf = new Map(held.rows.map((r) => [r.phone_number, r.twilio_sid]));
  const busyWhy = new Map(busy.rows.map((r) => [r.phone_number, r.why]));
  const refusals: TransferRefusal[] = [];
  const plan: TransferPlanNumber[] = [];
  numbers.forEach((phoneNumber, index) => {
    const twilioSid = sidOf.get(phoneNumber);
    if (!twilioSid) refusals.push({ index, kind: 'not_held', message: `${phoneNumber} is not a live number of fromTenantId` });
    else if (busyWhy.has(phoneNumber)) refusals.push({ index, kind: 'busy', message: `${phoneNumber}: ${busyWhy.get(phoneNumber)}` });
    else plan.push({ phoneNumber, twilioSid, loses: losses.rows.filter((r) => r.phone_number === phoneNumber).map(lossOf) });
  });
  return { numbers: plan, refusals };
}

/** Starts a transfer: its row and one item per number (the plan's losses), in one transaction. A number in another running transfer fails the unique index. */
export async function createNumberTransfer(
  db: Db,
  t: { id: string; fromTenantId: string; toTenantId: string; operatorKeyId: string; workflowId: string; tokenHash: string; numbers: TransferPlanNumber[] },
): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.query(
      `INSERT INTO number_transfers (id, from_tenant_id, to_tenant_id, operator_key_id, workflow_id, token_hash) VALUES ($1, $2, $3, $4, $5, $6)`,
      [t.id, t.fromTenantId, t.toTenantId, t.operatorKeyId, t.workflowId, t.tokenHash],
    );
    await tx.query(
      `INSERT INTO number_transfer_items (transfer_id, phone_number, twilio_sid, losses)
       SELECT $1, n->>'phoneNumber', n->>'twilioSid', n->'loses' FROM jsonb_array_elements($2::jsonb) n`,
      [t.id, JSON.stringify(t.numbers)],
    );
  });
}

/** The transfer a confirmation token already started (a repeated request), or null. */
export async function transferByToken(db: Db, tokenHash: string): Promise<{ id: string; workflowId: string; fromTenantId: string; numbers: { phoneNumber: string; twilioSid: string }[] } | null> {
  const { rows } = await db.query<{ id: string; workflow_id: string; from_tenant_id: string; numbers: { phoneNumber: string; twilioSid: string }[] }>(
    `SELECT t.id, t.workflow_id, t.from_tenant_id,
            (SELECT jsonb_agg(jsonb_build_object('phoneNumber', i.phone_number, 'twilioSid', i.twilio_sid) ORDER BY i.phone_number) FROM number_transfer_items i WHERE i.transfer_id = t.id) AS numbers
       FROM number_transfers t WHERE t.token_hash = $1`,
    [tokenHash],
  );
  const r = rows[0];
  return r ? { id: r.id, workflowId: r.workflow_id, fromTenantId: r.from_tenant_id, numbers: r.numbers } : null;
}

/** The transfer and the item of one number, as the activities read them. */
export async function transferItemOf(db: Db, transferId: string, twilioSid: string) {
  const { rows } = await db.query<{ from_tenant_id: string; to_tenant_id: string; phone_number: string; status: string; losses: TransferLoss[] }>(
    `SELECT t.from_tenant_id, t.to_tenant_id, i.phone_number, i.status, i.losses FROM number_transfers t JOIN number_transfer_items i ON i.transfer_id = t.id
      WHERE t.id = $1 AND i.twilio_sid = $2`,
    [transferId, twilioSid],
  );
  return rows[0] ?? null;
}

/** What was detached (as found when detaching, which may be more than the dry run knew of). */
export async function markTransferItemDetached(db: Db, transferId: string, twilioSid: string, losses: TransferLoss[]): Promise<void> {
  await db.query(`UPDATE number_transfer_items SET status = 'detached', losses = $3 WHERE transfer_id = $1 AND twilio_sid = $2 AND status = 'pending'`, [
    transferId,
    twilioSid,
    JSON.stringify(losses),
  ]);
}

/** What a number that did not move still lacks after it was put back (empty: it is as it was). */
export async function setTransferItemLosses(db: Db, transferId: string, twilioSid: string, losses: TransferLoss[]): Promise<void> {
  await db.query(`UPDATE number_transfer_items SET losses = $3 WHERE transfer_id = $1 AND twilio_sid = $2 AND status = 'failed'`, [
    transferId,
    twilioSid,
    JSON.stringify(losses),
  ]);
}

export async function markTransferItemFailed(db: Db, transferId: string, twilioSid: string, error: { code: number | null; message: string }): Promise<void> {
  await db.query(
    `UPDATE number_transfer_items SET status = 'failed', error_code = $3, error_message = $4 WHERE transfer_id = $1 AND twilio_sid = $2 AND status IN ('pending', 'detached')`,
    [transferId, twilioSid, error.code, error.message.slice(0, 1000)],
  );
}

/**
 * Twilio has the number in the gaining tenant's account: the losing tenant's row ends `transferred` (its history
 * stays its own) and the gaining tenant gets a live row of its own, with what Twilio keeps (configuration,
 * capabilities). One transaction, idempotent: a repeat finds the item moved.
 */
export async function handOverNumber(db: Db, transferId: string, twilioSid: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const { rows } = await tx.query<{ from_tenant_id: string; to_tenant_id: string }>(
      `SELECT t.from_tenant_id, t.to_tenant_id FROM number_transfers t JOIN number_transfer_items i ON i.transfer_id = t.id
        WHERE t.id = $1 AND i.twilio_sid = $2 AND i.status IN ('pending', 'detached') FOR UPDATE OF i`,
      [transferId, twilioSid],
    );
    const t = rows[0];
    if (!t) return;
    const old = await tx.query(
      `UPDATE phone_numbers SET status = 'transferred', released_at = now(), sip_trunk_id = NULL, sip_prior_voice = NULL, updated_at = now()
        WHERE tenant_id = $1 AND twilio_sid = $2 AND status = 'active'
        RETURNING phone_number, friendly_name, capabilities, config`,
      [t.from_tenant_id, twilioSid],
    );
    const n = old.rows[0] as { phone_number: string; friendly_name: string | null; capabilities: unknown; config: unknown } | undefined;
    if (n) {
      await tx.query('DELETE FROM number_memberships WHERE twilio_sid = $1', [twilioSid]);
      await tx.query(
        `INSERT INTO phone_numbers (tenant_id, phone_number, twilio_sid, status, friendly_name, capabilities, config, purchase_key, purchased_at)
         VALUES ($1, $2, $3, 'active', $4, $5, $6, $7, now())`,
        [t.to_tenant_id, n.phone_number, twilioSid, n.friendly_name, JSON.stringify(n.capabilities), JSON.stringify(n.config), `transfer:${transferId}:${twilioSid}`],
      );
    }
    await tx.query(`UPDATE number_transfer_items SET status = 'moved', error_code = NULL, error_message = NULL WHERE transfer_id = $1 AND twilio_sid = $2`, [transferId, twilioSid]);
  });
}

/** Ends the transfer's row from its items: succeeded (all moved), partial (some) or failed (none), with why not. */
export async function finishNumberTransfer(db: Db, transferId: string, stoppedBecause?: string): Promise<void> {
  await db.query(
    `WITH counts AS (
       SELECT count(*) FILTER (WHERE status = 'moved') AS moved, count(*) AS total FROM number_transfer_items WHERE transfer_id = $1
     ), ended AS (
       -- A transfer stopped early (cancelled through Temporal) leaves numbers it never reached: failed, saying so.
       UPDATE number_transfer_items SET status = 'failed', error_message = $2 WHERE transfer_id = $1 AND status IN ('pending', 'detached') AND $2::text IS NOT NULL
     )
     UPDATE number_transfers SET finished_at = COALESCE(finished_at, now()),
            status = CASE WHEN c.moved = c.total THEN 'succeeded' WHEN c.moved > 0 THEN 'partial' ELSE 'failed' END,
            reason = CASE WHEN c.moved = c.total THEN NULL
                          ELSE COALESCE($2, (c.total - c.moved) || ' of ' || c.total || ' numbers did not move: each says why') END
       FROM counts c WHERE id = $1 AND finished_at IS NULL`,
    [transferId, stoppedBecause ?? null],
  );
}

interface TransferRow {
  id: string;
  status: NumberTransferView['status'];
  reason: string | null;
  from_tenant_id: string;
  to_tenant_id: string;
  created_at: Date;
  finished_at: Date | null;
}

/** The transfer as the operator API shows it; the accounts are given by the caller (bindings resolve them). */
export async function numberTransferOf(db: Db, id: string, accountOf: (tenantId: string) => Promise<string>): Promise<NumberTransferView | null> {
  const { rows } = await db.query<TransferRow>(`SELECT id, status, reason, from_tenant_id, to_tenant_id, created_at, finished_at FROM number_transfers WHERE id = $1`, [id]);
  const t = rows[0];
  if (!t) return null;
  const items = await db.query<{ phone_number: string; twilio_sid: string; status: NumberTransferView['numbers'][number]['status']; losses: TransferLoss[]; error_code: number | null; error_message: string | null }>(
    `SELECT phone_number, twilio_sid, status, losses, error_code, error_message FROM number_transfer_items WHERE transfer_id = $1 ORDER BY phone_number`,
    [id],
  );
  return {
    id: t.id,
    status: t.status,
    reason: t.reason,
    from: { tenantId: t.from_tenant_id, accountSid: await accountOf(t.from_tenant_id) },
    to: { tenantId: t.to_tenant_id, accountSid: await accountOf(t.to_tenant_id) },
    createdAt: t.created_at.toISOString(),
    finishedAt: t.finished_at?.toISOString() ?? null,
    numbers: items.rows.map((i) => ({
      phoneNumber: i.phone_number,
      twilioSid: i.twilio_sid,
      loses: i.losses,
      status: i.status,
      error: i.status === 'failed' ? errorOf(i.error_code, i.error_message ?? '') : null,
    })),
  };
}

/** Twilio's refusals of a transfer that have a known fix (the accounts note, §6.3). */
const FIXES: Record<number, string> = {
  21613: 'the number needs an Address (or a regulatory Bundle) in the gaining account: create one in that subaccount, then transfer the number again',
  21631: 'the number needs an Address in the gaining account: create one in that subaccount, then transfer the number again',
  21649: 'the number needs an approved regulatory Bundle in the gaining account: have one approved there, then transfer the number again',
  21472: 'the gaining account is not active (suspended or closed): resume the tenant, then transfer again',
  20404: 'Twilio does not have the number in the losing account, or the gaining account is outside the deployment’s hierarchy',
};

const errorOf = (code: number | null, message: string): TwilioErrorInfo & { fix: string | null } => ({
  code,
  status: null,
  message,
  moreInfo: code ? `https://www.twilio.com/docs/errors/${code}` : null,
  fix: code ? (FIXES[code] ?? null) : null,
});

