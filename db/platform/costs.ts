import type { Db } from '../kit/pool';

/** `YYYY-MM` → the month's bounds in UTC. */
export const monthBounds = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return { from: new Date(Date.UTC(y, m - 1, 1)), to: new Date(Date.UTC(y, m, 1)) };
};
export const currentMonth = () => new Date().toISOString().slice(0, 7);

/** The tenant's ledger for a month, by item, with its budget. */
export async function costsOfMonth(db: Db, tenantId: string, month: string) {
  const { from, to } = monthBounds(month);
  const [{ rows: lines }, { rows: tenant }, { rows: dayLines }] = await Promise.all([
    db.query<{ item: string; count: number; amount_usd: string }>(
      `SELECT item, count(*)::int AS count, sum(amount_usd)::text AS amount_usd FROM cost_ledger
        WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY item ORDER BY item`,
      [tenantId, from, to],
    ),
    db.query<{ monthly_budget_usd: string | null }>('SELECT monthly_budget_usd::text FROM tenants WHERE id = $1', [tenantId]),
    db.query<{ day: string; item: string; amount_usd: string }>(
      `SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, item, sum(amount_usd)::text AS amount_usd FROM cost_ledger
        WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY 1, item ORDER BY 1, item`,
      [tenantId, from, to],
    ),
  ]);
  const totalUsd = round(lines.reduce((a, l) => a + Number(l.amount_usd), 0));
  const budgetUsd = tenant[0]?.monthly_budget_usd === null || tenant[0]?.monthly_budget_usd === undefined ? null : Number(tenant[0].monthly_budget_usd);
  return {
    month,
    currency: 'USD' as const,
    lines: lines.map((l) => ({ item: l.item, count: l.count, amountUsd: Number(l.amount_usd) })),
    totalUsd,
    budgetUsd,
    remainingUsd: budgetUsd === null ? null : round(budgetUsd - totalUsd),
    days: byDay(dayLines),
  };
}

/** The month's ledger by UTC day (ascending, days with charges only), each day by item. */
function byDay(rows: { day: string; item: string; amount_usd: string }[]) {
  const days = new Map<string, { item: string; amountUsd: number }[]>();
  for (const r of rows) days.set(r.day, [...(days.get(r.day) ?? []), { item: r.item, amountUsd: Number(r.amount_usd) }]);
  return [...days].map(([day, lines]) => ({ day, amountUsd: round(lines.reduce((a, l) => a + l.amountUsd, 0)), lines }));
}

export async function setMonthlyBudget(db: Db, tenantId: string, usd: number | null): Promise<void> {
  await db.query('UPDATE tenants SET monthly_budget_usd = $2 WHERE id = $1', [tenantId, usd]);
}

/**
 * Whether `estimateUsd` more would take the tenant over its monthly budget: what the month's ledger holds,
 * plus what running bulk buys are still to buy and what running registrations reserved and were not yet
 * charged, plus the estimate. Null when there is no budget or room.
 */
export async function overBudget(db: Db, tenantId: string, estimateUsd: number, numberMonthlyUsd: number) {
  const { from, to } = monthBounds(currentMonth());
  const { rows } = await db.query<{ budget: string | null; spent: string; committed: number; reserved: string }>(
    `SELECT t.monthly_budget_usd::text AS budget,
            (SELECT COALESCE(sum(amount_usd), 0)::text FROM cost_ledger WHERE tenant_id = t.id AND created_at >= $2 AND created_at < $3) AS spent,
            (SELECT COALESCE(sum(GREATEST(0, j.requested - COALESCE((SELECT sum(c.n) FROM job_item_counts c WHERE c.job_id = j.id AND c.status = 'succeeded'), 0))), 0)::int
               FROM jobs j WHERE j.tenant_id = t.id AND j.kind = 'bulk_buy' AND j.status IN ('queued', 'running')) AS committed,
            (SELECT COALESCE(sum(GREATEST(0, r.budget_reserved_usd - COALESCE((SELECT sum(c.amount_usd) FROM cost_ledger c WHERE c.registration_id = r.id::text), 0))), 0)::text
               FROM a2p_registrations r WHERE r.tenant_id = t.id AND r.finished_at IS NULL AND r.budget_reserved_usd IS NOT NULL) AS reserved
       FROM tenants t WHERE t.id = $1`,
    [tenantId, from, to],
  );
  const r = rows[0];
  if (!r || r.budget === null) return null;
  const budget = Number(r.budget);
  const spent = Number(r.spent);
  const committed = round(r.committed * numberMonthlyUsd + Number(r.reserved));
  return spent + committed + estimateUsd > budget + 1e-9 ? { budget, spent, committed, estimate: round(estimateUsd) } : null;
}

const round = (n: number) => Math.round(n * 100) / 100;
