import type { FastifyPluginAsync } from 'fastify';
import type { ReviewClock } from '../review-clock';
import type { AddressRecord, TrustHubStore } from '../trusthub-store';
import { formBool, formString, newSid, page2010, rfc2822, TwilioError } from '../wire';

/** Core API 2010 Addresses: what Trust Hub's `customer_profile_address` documents point to. */
export const addressesProduct: FastifyPluginAsync<{ store: TrustHubStore; clock: ReviewClock }> = async (app, { store, clock }) => {
  const prefix = '/2010-04-01/Accounts/:AccountSid';
  const serialize = (a: AddressRecord) => ({
    account_sid: a.accountSid, city: a.city, customer_name: a.customerName, date_created: rfc2822(a.dateCreated),
    date_updated: rfc2822(a.dateUpdated), friendly_name: a.friendlyName, iso_country: a.isoCountry, postal_code: a.postalCode,
    region: a.region, sid: a.sid, street: a.street, uri: `/2010-04-01/Accounts/${a.accountSid}/Addresses/${a.sid}.json`,
    emergency_enabled: a.emergencyEnabled, validated: true, verified: false, street_secondary: a.streetSecondary,
  });

  app.post(`${prefix}/Addresses.json`, async (req, reply) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const required = ['CustomerName', 'Street', 'City', 'Region', 'PostalCode', 'IsoCountry'] as const;
    const missing = required.filter((f) => !formString(form[f]));
    if (missing.length) throw new TwilioError(400, 21629, `Missing required parameter(s): ${missing.join(', ')}`);
    const now = clock.now();
    const a: AddressRecord = {
      sid: newSid('AD'), accountSid: req.accountSid, customerName: formString(form.CustomerName)!, friendlyName: formString(form.FriendlyName) ?? null,
      street: formString(form.Street)!, streetSecondary: formString(form.StreetSecondary) ?? null, city: formString(form.City)!,
      region: formString(form.Region)!, postalCode: formString(form.PostalCode)!, isoCountry: formString(form.IsoCountry)!,
      emergencyEnabled: formBool(form.EmergencyEnabled) ?? false, dateCreated: now, dateUpdated: now,
    };
    store.addresses.set(a.sid, a);
    return reply.code(201).send(serialize(a));
  });
  app.get(`${prefix}/Addresses.json`, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const list = [...store.addresses.values()]
      .filter((a) => a.accountSid === req.accountSid)
      .filter((a) => (!q.CustomerName || a.customerName === q.CustomerName) && (!q.FriendlyName || a.friendlyName === q.FriendlyName) && (!q.IsoCountry || a.isoCountry === q.IsoCountry))
      .map(serialize);
    return page2010('addresses', list, `/2010-04-01/Accounts/${req.accountSid}/Addresses.json`, req.query as Record<string, string | undefined>);
  });
  app.get(`${prefix}/Addresses/:Sid`, async (req) => {
    const sid = (req.params as { Sid: string }).Sid.replace(/\.json$/, '');
    const a = store.addresses.get(sid);
    if (!a || a.accountSid !== req.accountSid) throw new TwilioError(404, 20404, `The requested resource Addresses/${sid} was not found`);
    return serialize(a);
  });
};
