import { isIPv4 } from 'node:net';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ReviewClock } from '../review-clock';
import type { Credential, CredentialList, IpAccessControlList, IpAddress, SipStore } from '../sip-store';
import { formString, newSid, page2010, rfc2822, TwilioError } from '../wire';

type Form = Record<string, unknown>;
type Query = Record<string, string | undefined>;

/** The sandbox's limits; Twilio documents the errors (21242, 21237) but not the numbers. */
export const MAX_CREDENTIALS_PER_LIST = 1000;
export const MAX_IP_ADDRESSES_PER_LIST = 1000;

/** The spec's password rule: at least 12 characters, a digit, and both cases. */
const STRONG_PASSWORD = /^(?=.*\d)(?=.*[a-z])(?=.*[A-Z]).{12,}$/;

const sipBase = (accountSid: string) => `/2010-04-01/Accounts/${accountSid}/SIP`;

const credentialListJson = (l: CredentialList) => {
  const path = `${sipBase(l.accountSid)}/CredentialLists/${l.sid}`;
  return {
    account_sid: l.accountSid, date_created: rfc2822(l.dateCreated), date_updated: rfc2822(l.dateUpdated), friendly_name: l.friendlyName,
    sid: l.sid, subresource_uris: { credentials: `${path}/Credentials.json` }, uri: `${path}.json`,
  };
};

/** No password: Twilio never returns it, and neither does the sandbox. */
const credentialJson = (c: Credential) => ({
  sid: c.sid, account_sid: c.accountSid, credential_list_sid: c.credentialListSid, username: c.username,
  date_created: rfc2822(c.dateCreated), date_updated: rfc2822(c.dateUpdated),
  uri: `${sipBase(c.accountSid)}/CredentialLists/${c.credentialListSid}/Credentials/${c.sid}.json`,
});

const aclJson = (l: IpAccessControlList) => {
  const path = `${sipBase(l.accountSid)}/IpAccessControlLists/${l.sid}`;
  return {
    sid: l.sid, account_sid: l.accountSid, friendly_name: l.friendlyName, date_created: rfc2822(l.dateCreated), date_updated: rfc2822(l.dateUpdated),
    subresource_uris: { ip_addresses: `${path}/IpAddresses.json` }, uri: `${path}.json`,
  };
};

const ipAddressJson = (ip: IpAddress) => ({
  sid: ip.sid, account_sid: ip.accountSid, friendly_name: ip.friendlyName, ip_address: ip.ipAddress, cidr_prefix_length: ip.cidrPrefixLength,
  ip_access_control_list_sid: ip.ipAccessControlListSid, date_created: rfc2822(ip.dateCreated), date_updated: rfc2822(ip.dateUpdated),
  uri: `${sipBase(ip.accountSid)}/IpAccessControlLists/${ip.ipAccessControlListSid}/IpAddresses/${ip.sid}.json`,
});

const notFound = (req: FastifyRequest) => new TwilioError(404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`);
const pathOf = (req: FastifyRequest) => req.url.split('?')[0]!;

/** A 2010 `:Sid` param carries the `.json` suffix; without it the path names no resource. */
function lookup<T extends { accountSid: string }>(req: FastifyRequest, map: ReadonlyMap<string, T>, raw: string, json = true): T {
  const sid = json ? (raw.endsWith('.json') ? raw.slice(0, -5) : undefined) : raw;
  const found = sid === undefined ? undefined : map.get(sid);
  if (!found || found.accountSid !== req.accountSid) throw notFound(req);
  return found;
}

/**
 * The 2010 SIP lists that trunks (and SIP domains) authenticate with: CredentialLists with their
 * Credentials, and IpAccessControlLists with their IpAddresses. A list a trunk uses can't be deleted.
 */
export const sipListsProduct: FastifyPluginAsync<{ store: SipStore; clock: ReviewClock }> = async (app, { store, clock }) => {
  const prefix = '/2010-04-01/Accounts/:AccountSid/SIP';
  const params = (req: FastifyRequest) => req.params as Record<string, string>;

  /** FriendlyName is required, bounded, and unique among the account's lists of that kind. */
  function listName(
    form: Form, accountSid: string, lists: ReadonlyMap<string, { accountSid: string; friendlyName: string }>, max: number, code: number, exceptSid?: string,
  ): string {
    const name = formString(form.FriendlyName);
    if (!name) throw new TwilioError(400, code, 'Missing required parameter FriendlyName');
    if (name.length > max) throw new TwilioError(400, code, `FriendlyName must be at most ${max} characters`);
    for (const [sid, l] of lists) {
      if (sid !== exceptSid && l.accountSid === accountSid && l.friendlyName === name) throw new TwilioError(400, code, `A list named "${name}" already exists`);
    }
    return name;
  }

  // --- credential lists ---
  app.post(`${prefix}/CredentialLists.json`, async (req, reply) => {
    const now = clock.now();
    const l: CredentialList = {
      sid: newSid('CL'), accountSid: req.accountSid, friendlyName: listName((req.body ?? {}) as Form, req.accountSid, store.credentialLists, 64, 21240),
      dateCreated: now, dateUpdated: now,
    };
    store.credentialLists.set(l.sid, l);
    return reply.code(201).send(credentialListJson(l));
  });
  app.get(`${prefix}/CredentialLists.json`, async (req) => {
    const mine = [...store.credentialLists.values()].filter((l) => l.accountSid === req.accountSid);
    return page2010('credential_lists', mine.map(credentialListJson), pathOf(req), req.query as Query);
  });
  const credentialList = (req: FastifyRequest) => lookup(req, store.credentialLists, params(req).Sid!);
  app.get(`${prefix}/CredentialLists/:Sid`, async (req) => credentialListJson(credentialList(req)));
  app.post(`${prefix}/CredentialLists/:Sid`, async (req) => {
    const l = credentialList(req);
    l.friendlyName = listName((req.body ?? {}) as Form, l.accountSid, store.credentialLists, 64, 21240, l.sid);
    l.dateUpdated = clock.now();
    return credentialListJson(l);
  });
  app.delete(`${prefix}/CredentialLists/:Sid`, async (req, reply) => {
    const l = credentialList(req);
    if (store.isAssociated('credential', l.sid)) throw new TwilioError(400, 21241, 'Credential list dependencies violation: the list is associated with a trunk');
    store.credentialLists.delete(l.sid);
    for (const c of [...store.credentials.values()]) if (c.credentialListSid === l.sid) store.credentials.delete(c.sid);
    return reply.code(204).send();
  });

  // --- credentials ---
  const password = (raw: string | undefined) => {
    if (!raw || !STRONG_PASSWORD.test(raw)) {
      throw new TwilioError(400, 21243, 'Password must be at least 12 characters long and contain a digit, a lower-case and an upper-case letter');
    }
    return raw;
  };
  const parentList = (req: FastifyRequest) => lookup(req, store.credentialLists, params(req).CredentialListSid!, false);
  const credentialsOf = (listSid: string) => [...store.credentials.values()].filter((c) => c.credentialListSid === listSid);
  const credential = (req: FastifyRequest) => {
    const l = parentList(req);
    const c = lookup(req, store.credentials, params(req).Sid!);
    if (c.credentialListSid !== l.sid) throw notFound(req);
    return c;
  };

  app.post(`${prefix}/CredentialLists/:CredentialListSid/Credentials.json`, async (req, reply) => {
    const l = parentList(req);
    const form = (req.body ?? {}) as Form;
    const username = formString(form.Username);
    if (!username) throw new TwilioError(400, 21243, 'Missing required parameter Username');
    if (username.length > 32) throw new TwilioError(400, 21243, 'Username must be at most 32 characters');
    const siblings = credentialsOf(l.sid);
    if (siblings.some((c) => c.username === username)) throw new TwilioError(400, 21243, `Username ${username} already exists in this credential list`);
    if (siblings.length >= MAX_CREDENTIALS_PER_LIST) throw new TwilioError(400, 21242, 'Maximum number of credentials per credential list reached');
    const now = clock.now();
    const c: Credential = {
      sid: newSid('CR'), accountSid: l.accountSid, credentialListSid: l.sid, username, password: password(formString(form.Password)),
      dateCreated: now, dateUpdated: now,
    };
    store.credentials.set(c.sid, c);
    return reply.code(201).send(credentialJson(c));
  });
  app.get(`${prefix}/CredentialLists/:CredentialListSid/Credentials.json`, async (req) =>
    page2010('credentials', credentialsOf(parentList(req).sid).map(credentialJson), pathOf(req), req.query as Query),
  );
  app.get(`${prefix}/CredentialLists/:CredentialListSid/Credentials/:Sid`, async (req) => credentialJson(credential(req)));
  app.post(`${prefix}/CredentialLists/:CredentialListSid/Credentials/:Sid`, async (req) => {
    const c = credential(req);
    const raw = formString(((req.body ?? {}) as Form).Password);
    if (raw !== undefined) {
      c.password = password(raw);
      c.dateUpdated = clock.now();
    }
    return credentialJson(c);
  });
  app.delete(`${prefix}/CredentialLists/:CredentialListSid/Credentials/:Sid`, async (req, reply) => {
    store.credentials.delete(credential(req).sid);
    return reply.code(204).send();
  });

  // --- IP access control lists ---
  app.post(`${prefix}/IpAccessControlLists.json`, async (req, reply) => {
    const now = clock.now();
    const l: IpAccessControlList = {
      sid: newSid('AL'), accountSid: req.accountSid, friendlyName: listName((req.body ?? {}) as Form, req.accountSid, store.ipAccessControlLists, 255, 21235),
      dateCreated: now, dateUpdated: now,
    };
    store.ipAccessControlLists.set(l.sid, l);
    return reply.code(201).send(aclJson(l));
  });
  app.get(`${prefix}/IpAccessControlLists.json`, async (req) => {
    const mine = [...store.ipAccessControlLists.values()].filter((l) => l.accountSid === req.accountSid);
    return page2010('ip_access_control_lists', mine.map(aclJson), pathOf(req), req.query as Query);
  });
  const acl = (req: FastifyRequest) => lookup(req, store.ipAccessControlLists, params(req).Sid!);
  app.get(`${prefix}/IpAccessControlLists/:Sid`, async (req) => aclJson(acl(req)));
  app.post(`${prefix}/IpAccessControlLists/:Sid`, async (req) => {
    const l = acl(req);
    l.friendlyName = listName((req.body ?? {}) as Form, l.accountSid, store.ipAccessControlLists, 255, 21235, l.sid);
    l.dateUpdated = clock.now();
    return aclJson(l);
  });
  app.delete(`${prefix}/IpAccessControlLists/:Sid`, async (req, reply) => {
    const l = acl(req);
    if (store.isAssociated('ip', l.sid)) throw new TwilioError(400, 21236, 'IP ACL dependencies violation: the list is associated with a trunk');
    store.ipAccessControlLists.delete(l.sid);
    for (const ip of [...store.ipAddresses.values()]) if (ip.ipAccessControlListSid === l.sid) store.ipAddresses.delete(ip.sid);
    return reply.code(204).send();
  });

  // --- IP addresses ---
  const parentAcl = (req: FastifyRequest) => lookup(req, store.ipAccessControlLists, params(req).IpAccessControlListSid!, false);
  const addressesOf = (aclSid: string) => [...store.ipAddresses.values()].filter((ip) => ip.ipAccessControlListSid === aclSid);
  const ipAddress = (req: FastifyRequest) => {
    const l = parentAcl(req);
    const ip = lookup(req, store.ipAddresses, params(req).Sid!);
    if (ip.ipAccessControlListSid !== l.sid) throw notFound(req);
    return ip;
  };

  /** Validates a create (everything required but the prefix) or an update (anything given) before changing anything. */
  function addressSettings(ip: IpAddress, form: Form, creating: boolean): IpAddress {
    const name = formString(form.FriendlyName);
    const address = formString(form.IpAddress);
    const prefixRaw = formString(form.CidrPrefixLength);
    if (creating && !name) throw new TwilioError(400, 21235, 'Missing required parameter FriendlyName');
    if (creating && !address) throw new TwilioError(400, 21235, 'Missing required parameter IpAddress');
    if (name !== undefined && name.length > 255) throw new TwilioError(400, 21235, 'FriendlyName must be at most 255 characters');
    if (address !== undefined && !isIPv4(address)) throw new TwilioError(400, 21235, `IpAddress must be an IPv4 address in dotted decimal notation: ${address}`);
    const cidr = prefixRaw === undefined ? undefined : /^\d+$/.test(prefixRaw) ? Number(prefixRaw) : NaN;
    if (cidr !== undefined && !(cidr >= 8 && cidr <= 32)) throw new TwilioError(400, 21235, 'CidrPrefixLength must be an integer from 8 to 32');
    return { ...ip, friendlyName: name ?? ip.friendlyName, ipAddress: address ?? ip.ipAddress, cidrPrefixLength: cidr ?? ip.cidrPrefixLength };
  }

  app.post(`${prefix}/IpAccessControlLists/:IpAccessControlListSid/IpAddresses.json`, async (req, reply) => {
    const l = parentAcl(req);
    if (addressesOf(l.sid).length >= MAX_IP_ADDRESSES_PER_LIST) throw new TwilioError(400, 21237, 'Maximum number of IP addresses per IP ACL reached');
    const now = clock.now();
    const blank: IpAddress = {
      sid: newSid('IP'), accountSid: l.accountSid, ipAccessControlListSid: l.sid, friendlyName: '', ipAddress: '', cidrPrefixLength: 32,
      dateCreated: now, dateUpdated: now,
    };
    const ip = addressSettings(blank, (req.body ?? {}) as Form, true);
    store.ipAddresses.set(ip.sid, ip);
    return reply.code(201).send(ipAddressJson(ip));
  });
  app.get(`${prefix}/IpAccessControlLists/:IpAccessControlListSid/IpAddresses.json`, async (req) =>
    page2010('ip_addresses', addressesOf(parentAcl(req).sid).map(ipAddressJson), pathOf(req), req.query as Query),
  );
  app.get(`${prefix}/IpAccessControlLists/:IpAccessControlListSid/IpAddresses/:Sid`, async (req) => ipAddressJson(ipAddress(req)));
  app.post(`${prefix}/IpAccessControlLists/:IpAccessControlListSid/IpAddresses/:Sid`, async (req) => {
    const ip = { ...addressSettings(ipAddress(req), (req.body ?? {}) as Form, false), dateUpdated: clock.now() };
    store.ipAddresses.set(ip.sid, ip);
    return ipAddressJson(ip);
  });
  app.delete(`${prefix}/IpAccessControlLists/:IpAccessControlListSid/IpAddresses/:Sid`, async (req, reply) => {
    store.ipAddresses.delete(ipAddress(req).sid);
    return reply.code(204).send();
  });
};
