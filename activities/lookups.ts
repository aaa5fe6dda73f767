import type { Db } from '../db/pool';
import type { LookupField, LookupInput, LookupView } from '../schemas/lookups';
import type { TwilioClient } from './twilio-client';
import { failOnDefinitive } from './twilio-errors';

/** What one Lookup v2 package costs per request, from configuration (Twilio's prices are not published in a form to rely on). */
export type LookupPrices = Record<LookupField, number>;

/** The SDK's name for each package's object on the answer. */
const sdkKey: Record<LookupField, 'lineTypeIntelligence' | 'callerName' | 'smsPumpingRisk' | 'reassignedNumber'> = {
  line_type_intelligence: 'lineTypeIntelligence', caller_name: 'callerName', sms_pumping_risk: 'smsPumpingRisk', reassigned_number: 'reassignedNumber',
};

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
const paramsOf = (p: string, i: LookupInput) => (p === 'reassigned_number' ? (i.lastVerifiedDate ?? '') : '');

/**
 * Lookup v2 with a per-tenant cache: packages fetched within the caller's max age are answered from PostgreSQL
 * and cost nothing; the rest are asked of Twilio in one request, stored, and each billed package goes in the
 * cost ledger. A read has no side effect at Twilio to reconcile; a retry after a lost answer is billed by
 * Twilio again, and the ledger records the answer that arrived.
 */
export function createLookupActivities({ db, twilio, prices }: { db: Db; twilio: TwilioClient; prices: LookupPrices }) {
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
        const stored = [
          { package: 'validation', params: '', result: null },
          ...missing.map((p) => ({ package: p, params: paramsOf(p, i), result: (answer[sdkKey[p]] as unknown as Record<string, unknown> | null) ?? null })),
        ];
        await db.query(
          `INSERT INTO number_lookups (tenant_id, phone_number, package, params, basics, result, fetched_at)
           SELECT $1, $2, p.package, p.params, $3, p.result, $4 FROM jsonb_to_recordset($5) AS p(package text, params text, result jsonb)
           ON CONFLICT (tenant_id, phone_number, package) DO UPDATE SET params = EXCLUDED.params, basics = EXCLUDED.basics, result = EXCLUDED.result, fetched_at = EXCLUDED.fetched_at`,
          [i.tenantId, i.phoneNumber, JSON.stringify(basics), at, JSON.stringify(stored)],
        );
        for (const s of stored) fetched.set(s.package, { ...s, basics, fetched_at: at });
        // Twilio bills each package requested, with or without data ("billed per request, even if no data is returned").
        const billed = missing.filter((p) => prices[p] > 0);
        if (billed.length) {
          await db.query(
            `INSERT INTO cost_ledger (tenant_id, item, amount_usd) SELECT $1, 'lookup_' || f, p FROM unnest($2::text[], $3::numeric[]) AS t(f, p)`,
            [i.tenantId, billed, billed.map((p) => prices[p])],
          );
          costUsd = Math.round(billed.reduce((sum, p) => sum + prices[p], 0) * 10000) / 10000;
        }
      }
      const packages: LookupView['packages'] = {};
      for (const f of i.fields) {
        const row = fetched.get(f) ?? fresh.get(f)!;
        packages[f] = { data: row.result, fetchedAt: row.fetched_at.toISOString(), ageSeconds: Math.max(0, Math.round((now - row.fetched_at.getTime()) / 1000)), fromCache: !fetched.has(f) };
      }
      return { phoneNumber: i.phoneNumber, ...basics, packages, costUsd };
    },
  };
}
