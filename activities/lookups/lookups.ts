import type { Db } from '../../db/kit/pool';
import { recordJobItem } from '../../db/kit/jobs';
import { LOOKUP_BATCH_MAX, type LookupBatchInput, type LookupField, type LookupInput, type LookupView, type OwnedLookupPageInput } from '../../schemas/lookups/lookups';
import type { TwilioClient } from '../kit/twilio-client';
import { failOnDefinitive } from '../kit/twilio-errors';

/** What one Lookup v2 package costs per request, from configuration (Twilio's prices are not published in a form to rely on). */
export type LookupPrices = Record<LookupField, number>;

/** The SDK's name for each package's object on the answer. */
const sdkKey: Record<LookupField, 'lineTypeIntelligence' | 'callerName' | 'smsPumpingRisk' | 'reassignedNumber'> = {
  line_type_intelligence: 'lineTypeIntelligence', caller_name: 'callerName', sms_pumping_risk: 'smsPumpingRisk', reassigned_number: 'reassignedNumber',
};

/**
 * A package of a batch answer in the shape a single lookup stores: the SDK turns a single lookup's packages
 * into objects with camelCase fields (`smsPumpingRiskScore`), but leaves the batch answer's as Twilio sent
 * them (`sms_pumping_risk_score`). One shape in the cache, whichever call filled it, so the API's view and
 * the health score (which reads `smsPumpingRiskScore`) don't depend on it.
 */
function asSdkShape(pkg: unknown): Record<string, unknown> | null {
  if (!pkg || typeof pkg !== 'object') return null;
  return Object.fromEntries(Object.entries(pkg).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()), v]));
}

interface Basics {
  valid: boolean;
  nationalFormat: string | null;
  countryCode: string | null;
  validationErrors: string[];
}
interface Row {
  package: string;
  params: string;
  basics: Basics;
  result: Record<string, unknown> | null;
  fetched_at: Date;
}

/** What an answer depends on beyond the number: a reassigned-number check is only as good as its date. */
const paramsOf = (p: string, i: { lastVerifiedDate?: string }) => (p === 'reassigned_number' ? (i.lastVerifiedDate ?? '') : '');

/**
 * Lookup v2 with a per-tenant cache: packages fetched within the caller's max age are answered from PostgreSQL
 * and cost nothing; the rest are asked of Twilio in one request, stored, and each billed package goes in the
 * cost ledger. A read has no side effect at Twilio to reconcile; a retry after a lost answer is billed by
 * Twilio again, and the ledger records the answer that arrived.
 */
export function createLookupActivities({ db, twilio, prices }: { db: Db; twilio: TwilioClient; prices: LookupPrices }) {
  /** Stores one number's fresh answer (validation and the packages fetched) and bills the packages; returns the cost. */
  async function store(tenantId: string, phoneNumber: string, basics: Basics, results: { package: string; params: string; result: Record<string, unknown> | null }[], at: Date) {
    await db.query(
      `INSERT INTO number_lookups (tenant_id, phone_number, package, params, basics, result, fetched_at)
       SELECT $1, $2, p.package, p.params, $3, p.result, $4 FROM jsonb_to_recordset($5) AS p(package text, params text, result jsonb)
       ON CONFLICT (tenant_id, phone_number, package) DO UPDATE SET params = EXCLUDED.params, basics = EXCLUDED.basics, result = EXCLUDED.result, fetched_at = EXCLUDED.fetched_at`,
      [tenantId, phoneNumber, JSON.stringify(basics), at, JSON.stringify([{ package: 'validation', params: '', result: null }, ...results])],
    );
    // Twilio bills each package requested, with or without data ("billed per request, even if no data is returned").
    const billed = results.map((r) => r.package as LookupField).filter((p) => prices[p] > 0);
    if (billed.length === 0) return 0;
    await db.query(`INSERT INTO cost_ledger (tenant_id, item, amount_usd) SELECT $1, 'lookup_' || f, p FROM unnest($2::text[], $3::numeric[]) AS t(f, p)`, [
      tenantId, billed, billed.map((p) => prices[p]),
    ]);
    return Math.round(billed.reduce((sum, p) => sum + prices[p], 0) * 10000) / 10000;
  }

  return {
    async lookupNumber(i: LookupInput): Promise<LookupView> {
      const { rows } = await db.query<Row>(
        'SELECT package, params, basics, result, fetched_at FROM number_lookups WHERE tenant_id = $1 AND phone_number = $2',
        [i.tenantId, i.phoneNumber],
      );
      const now = Date.now();
      const fresh = new Map(rows.filter((r) => now - r.fetched_at.getTime() <= i.maxAgeMs && r.params === paramsOf(r.package, i)).map((r) => [r.package, r]));
      const missing = i.fields.filter((f) => !fresh.has(f));
      let basics = fresh.get('validation')?.basics;
      const fetched = new Map<string, Row>();
      let costUsd = 0;
      if (missing.length > 0 || !basics) {
        const answer = await twilio.lookups.v2
          .phoneNumbers(i.phoneNumber)
          .fetch({ ...(missing.length ? { fields: missing.join(',') } : {}), ...(missing.includes('reassigned_number') ? { lastVerifiedDate: i.lastVerifiedDate } : {}) })
          .catch(failOnDefinitive);
        basics = { valid: answer.valid, nationalFormat: answer.nationalFormat ?? null, countryCode: answer.countryCode ?? null, validationErrors: (answer.validationErrors ?? []).map(String) };
        const at = new Date();
        const results = missing.map((p) => ({ package: p, params: paramsOf(p, i), result: (answer[sdkKey[p]] as unknown as Record<string, unknown> | null) ?? null }));
        costUsd = await store(i.tenantId, i.phoneNumber, basics, results, at);
        for (const r of [{ package: 'validation', params: '', result: null }, ...results]) fetched.set(r.package, { ...r, basics, fetched_at: at });
      }
      const packages: LookupView['packages'] = {};
      for (const f of i.fields) {
        const row = fetched.get(f) ?? fresh.get(f)!;
        packages[f] = { data: row.result, fetchedAt: row.fetched_at.toISOString(), ageSeconds: Math.max(0, Math.round((now - row.fetched_at.getTime()) / 1000)), fromCache: !fetched.has(f) };
      }
      return { phoneNumber: i.phoneNumber, ...basics, packages, costUsd };
    },

    /**
     * One bulk-lookup job's slice (at most 100 numbers): numbers this job already recorded are skipped (a retry
     * neither asks nor bills twice), cached packages are reused, and the rest go to Twilio's batch endpoint in
     * one request. Each number ends as a job item: succeeded, or failed with Twilio's code.
     */
    async lookupBatch(i: LookupBatchInput): Promise<{ succeeded: number; failed: number }> {
      return lookupSlice(i);
    },

    /**
     * One page of a lookup of the tenant's own numbers: its next live numbers after `after` (by number, as they
     * were when the job was made), looked up as lookupBatch does a slice. `next` is where the following page
     * starts, null once none is left: the workflow holds a cursor, never the list.
     */
    async lookupOwnedNumbersPage(i: OwnedLookupPageInput): Promise<{ succeeded: number; failed: number; next: string | null }> {
      const { rows } = await db.query<{ phone_number: string }>(
        `SELECT p.phone_number FROM phone_numbers p JOIN jobs j ON j.id = $2 AND j.tenant_id = p.tenant_id
          WHERE p.tenant_id = $1 AND p.status = 'active' AND p.created_at <= j.created_at AND p.phone_number > $3
          ORDER BY p.phone_number LIMIT ${LOOKUP_BATCH_MAX + 1}`,
        [i.tenantId, i.jobId, i.after],
      );
      const page = rows.slice(0, LOOKUP_BATCH_MAX).map((r) => r.phone_number);
      const { after: _after, ...job } = i;
      const result = page.length > 0 ? await lookupSlice({ ...job, phoneNumbers: page }) : { succeeded: 0, failed: 0 };
      return { ...result, next: rows.length > LOOKUP_BATCH_MAX ? page[page.length - 1]! : null };
    },
  };

  /**
   * A slice of at most 100 numbers: numbers this job already recorded are skipped (a retry neither asks nor
   * bills twice), cached packages are reused, and the rest go to Twilio's batch endpoint in one request.
   */
  async function lookupSlice(i: LookupBatchInput): Promise<{ succeeded: number; failed: number }> {
      const done = await db.query<{ item_key: string; status: string }>('SELECT item_key, status FROM job_items WHERE job_id = $1 AND item_key = ANY($2)', [i.jobId, i.phoneNumbers]);
      const result = { succeeded: 0, failed: 0 };
      for (const r of done.rows) result[r.status === 'succeeded' ? 'succeeded' : 'failed'] += 1;
      const recorded = new Set(done.rows.map((r) => r.item_key));
      const todo = i.phoneNumbers.filter((n) => !recorded.has(n));
      if (todo.length === 0) return result;
      const { rows } = await db.query<Row & { phone_number: string }>(
        'SELECT phone_number, package, params, basics, result, fetched_at FROM number_lookups WHERE tenant_id = $1 AND phone_number = ANY($2)',
        [i.tenantId, todo],
      );
      const now = Date.now();
      const missingOf = new Map<string, LookupField[]>();
      for (const n of todo) {
        const fresh = new Set(rows.filter((r) => r.phone_number === n && now - r.fetched_at.getTime() <= i.maxAgeMs && r.params === paramsOf(r.package, i)).map((r) => r.package));
        const missing = i.fields.filter((f) => !fresh.has(f));
        if (missing.length > 0 || !fresh.has('validation')) missingOf.set(n, missing);
      }
      const answers = new Map<string, { twilioErrorCode?: number; valid?: boolean; nationalFormat?: string; countryCode?: string; validationErrors?: string[] } & Record<string, unknown>>();
      if (missingOf.size > 0) {
        const body = {
          phone_numbers: [...missingOf].map(([n, missing]) => ({
            correlation_id: n, phone_number: n, fields: missing,
            ...(missing.includes('reassigned_number') ? { reassigned_number: { last_verified_date: i.lastVerifiedDate } } : {}),
          })),
        };
        // The SDK sends this body as JSON as it is (snake_case, as the batch endpoint takes it).
        const answer = await twilio.lookups.v2.query.create(body as never).catch(failOnDefinitive);
        for (const a of answer.phoneNumbers ?? []) if (a.correlationId) answers.set(a.correlationId, a as never);
      }
      const at = new Date();
      for (const n of todo) {
        const missing = missingOf.get(n);
        const a = answers.get(n);
        if (missing && (!a || a.twilioErrorCode)) {
          const code = a?.twilioErrorCode ?? null;
          await recordJobItem(db, { jobId: i.jobId, itemKey: n, phoneNumber: n, status: 'failed', twilioSid: null, error: { code, status: 400, message: code ? `Lookup failed (Twilio ${code})` : 'no answer for this number in the batch', moreInfo: code ? `https://www.twilio.com/docs/errors/${code}` : null } });
          result.failed += 1;
          continue;
        }
        if (missing && a) {
          const basics = { valid: a.valid ?? false, nationalFormat: a.nationalFormat ?? null, countryCode: a.countryCode ?? null, validationErrors: (a.validationErrors ?? []).map(String) };
          await store(i.tenantId, n, basics, missing.map((p) => ({ package: p, params: paramsOf(p, i), result: asSdkShape(a[sdkKey[p]]) })), at);
        }
        await recordJobItem(db, { jobId: i.jobId, itemKey: n, phoneNumber: n, status: 'succeeded', twilioSid: null, error: null });
        result.succeeded += 1;
      }
      return result;
  }
}
