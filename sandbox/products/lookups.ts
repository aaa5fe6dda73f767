import type { FastifyPluginAsync } from 'fastify';
import type { ReviewClock } from '../review-clock';
import { originOf, TwilioError } from '../wire';

/** The data packages (Fields=…) the sandbox answers; others come back null, as for an account without access. */
const packages = ['line_type_intelligence', 'caller_name', 'sms_pumping_risk', 'reassigned_number'] as const;
type Package = (typeof packages)[number];
const knownFields = new Set(['caller_name', 'sim_swap', 'call_forwarding', 'line_type_intelligence', 'line_status', 'identity_match', 'reassigned_number', 'sms_pumping_risk', 'validation', 'phone_number_quality_score', 'pre_fill']);

/**
 * What the sandbox knows of a number, decided by its last four digits so tests and demos can pick an answer:
 *   01xx landline · 02xx non-fixed VoIP · 03xx high SMS-pumping risk (blocked) · 04xx reassigned ·
 *   05xx unknown line type · 08xx Twilio can't reach the carrier (60600) · 09xx invalid (INVALID_BUT_POSSIBLE) ·
 *   anything else a low-risk mobile.
 * US/CA (+1) numbers only get caller names and reassigned-number data, as on Twilio.
 */
export function numberFacts(e164: string) {
  const band = e164.slice(-4, -2);
  const nanp = e164.startsWith('+1');
  return {
    valid: band !== '09',
    type: band === '01' ? 'landline' : band === '02' ? 'nonFixedVoip' : band === '05' ? 'unknown' : 'mobile',
    carrier: band === '01' ? 'Sandbox Telephone Co' : band === '02' ? 'Sandbox VoIP Inc' : 'Sandbox Wireless',
    pumpingRisk: band === '03' ? 95 : 4,
    reassigned: band === '04',
    unreachable: band === '08',
    nanp,
  };
}

const nationalFormat = (e164: string) => (/^\+1\d{10}$/.test(e164) ? `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}` : e164);

/** Lookup v2: GET /v2/PhoneNumbers/{PhoneNumber}?Fields=… and the batch endpoint POST /v2/batch/query. */
export const lookupsProduct: FastifyPluginAsync<{ clock: ReviewClock }> = async (app, { clock }) => {
  function answer(raw: string, fields: string[], lastVerifiedDate?: string) {
    const e164 = raw.replace(/[\s().-]/g, '');
    const wellFormed = /^\+[1-9]\d{7,14}$/.test(e164);
    const facts = numberFacts(e164);
    const valid = wellFormed && facts.valid;
    const info = (p: Package): Record<string, unknown> | null => {
      if (!fields.includes(p) || !valid) return null;
      switch (p) {
        case 'line_type_intelligence':
          return { type: facts.type, carrier_name: facts.carrier, mobile_country_code: '310', mobile_network_code: facts.type === 'mobile' ? '260' : '' };
        case 'caller_name':
          return facts.nanp ? { caller_name: facts.type === 'landline' ? 'SANDBOX BUSINESS' : 'SANDBOX SUBSCRIBER', caller_type: facts.type === 'landline' ? 'BUSINESS' : 'CONSUMER' } : null;
        case 'sms_pumping_risk':
          return {
            carrier_risk_category: facts.pumpingRisk > 70 ? 'high' : 'low', number_blocked: facts.pumpingRisk > 70, ...(facts.pumpingRisk > 70 ? { number_blocked_date: clock.now().toISOString() } : {}),
            number_blocked_last_3_months: facts.pumpingRisk > 70, sms_pumping_risk_score: facts.pumpingRisk,
          };
        case 'reassigned_number':
          // Twilio needs the date the number was last known to belong to the user (YYYYMMDD).
          if (!lastVerifiedDate) return { error_code: '60617' };
          return facts.nanp
            ? { last_verified_date: lastVerifiedDate, is_number_reassigned: lastVerifiedDate < '20210101' ? 'no_data_available' : facts.reassigned ? 'yes' : 'no' }
            : null;
      }
    };
    // Packages not asked for (or without data) are left out: the spec declares them as objects, never null.
    const packageFields = Object.fromEntries(
      (['caller_name', 'line_type_intelligence', 'reassigned_number', 'sms_pumping_risk'] as const).map((p) => [p, info(p)]).filter(([, v]) => v !== null),
    );
    return {
      calling_country_code: wellFormed ? (facts.nanp ? '1' : e164.slice(1, 3)) : null,
      country_code: wellFormed ? (facts.nanp ? 'US' : null) : null,
      phone_number: wellFormed ? e164 : null,
      national_format: wellFormed ? nationalFormat(e164) : null,
      valid,
      validation_errors: valid ? [] : [wellFormed ? 'INVALID_BUT_POSSIBLE' : 'NOT_A_NUMBER'],
      ...packageFields,
      phone_number_quality_score: null,
      pre_fill: null,
    };
  }

  const fieldsOf = (v: unknown): string[] => {
    const list = [v].flat().filter((x): x is string => typeof x === 'string').flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
    const unknown = list.filter((f) => !knownFields.has(f));
    if (unknown.length) throw new TwilioError(400, 60200, `Invalid parameter Fields: ${unknown.join(', ')}`);
    return list;
  };

  app.get('/v2/PhoneNumbers/:PhoneNumber', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const number = decodeURIComponent((req.params as { PhoneNumber: string }).PhoneNumber);
    const fields = fieldsOf(q.Fields);
    if (numberFacts(number).unreachable) throw new TwilioError(400, 60600, 'Unprovisioned or Out of Coverage');
    const body = answer(number, fields, q.LastVerifiedDate);
    return { ...body, url: `${originOf(req)}/v2/PhoneNumbers/${encodeURIComponent(body.phone_number ?? number)}` };
  });

  /** Up to 100 lookups in one request, each answered in order with its correlation id. */
  app.post('/v2/batch/query', async (req) => {
    const body = req.body as { phone_numbers?: { correlation_id?: string; phone_number?: string; fields?: string[]; reassigned_number?: { last_verified_date?: string } }[] } | null;
    const items = body?.phone_numbers;
    if (!Array.isArray(items) || items.length === 0) throw new TwilioError(400, 60200, 'phone_numbers is required');
    if (items.length > 100) throw new TwilioError(400, 60200, 'At most 100 phone numbers per batch');
    return {
      phone_numbers: items.map((item) => {
        if (!item?.phone_number) return { correlation_id: item?.correlation_id ?? '', twilio_error_code: 60200 };
        if (numberFacts(item.phone_number).unreachable) return { correlation_id: item.correlation_id ?? '', twilio_error_code: 60600 };
        const a = answer(item.phone_number, fieldsOf(item.fields ?? []), item.reassigned_number?.last_verified_date);
        const pruned = Object.fromEntries(Object.entries(a).filter(([, v]) => v !== null));
        return { correlation_id: item.correlation_id ?? '', ...pruned };
      }),
    };
  });
};
