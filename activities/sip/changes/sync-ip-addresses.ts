import { failOnDefinitive, goneIsDone } from '../../kit/twilio-errors';
import { describeAs, describeUndoAs, type SipChangeModule, type SipReversal } from './change';

const key = (ip: string, cidr: number) => `${ip}/${cidr}`;

/** Removes the addresses the sync added and adds back those it removed (unless already there). */
export const restoreIpAddresses: SipReversal<'restore_ip_addresses'> = {
  kind: 'restore_ip_addresses',
  async run({ account }, u) {
    const ips = account().sip.ipAccessControlLists(u.listSid).ipAddresses;
    for (const sid of u.remove) await ips(sid).remove().catch(goneIsDone);
    const have = await ips.list({ pageSize: 1000 });
    for (const a of u.add) {
      if (have.some((h) => h.ipAddress === a.ip && (h.cidrPrefixLength ?? 32) === a.cidrPrefixLength)) continue;
      await ips.create({ friendlyName: `${a.ip}-${a.cidrPrefixLength}`, ipAddress: a.ip, cidrPrefixLength: a.cidrPrefixLength }).catch(failOnDefinitive);
    }
  },
  describe: describeUndoAs<'restore_ip_addresses'>(),
};

/** Makes an IP access control list hold exactly the desired addresses. */
export const syncIpAddresses: SipChangeModule<'sync_ip_addresses', 'restore_ip_addresses'> = {
  kind: 'sync_ip_addresses',
  async apply(ctx, trunkId, { list }) {
    const listSid = await ctx.ownListSid(trunkId, 'ip_acl', list.friendlyName);
    const ips = ctx.account().sip.ipAccessControlLists(listSid).ipAddresses;
    const existing = await ips.list({ pageSize: 1000 });
    const have = new Map(existing.map((e) => [key(e.ipAddress, e.cidrPrefixLength ?? 32), e]));
    const added: string[] = [];
    for (const a of list.ipAddresses) {
      if (have.has(key(a.ip, a.cidrPrefixLength))) continue;
      added.push((await ips.create({ friendlyName: key(a.ip, a.cidrPrefixLength).replace('/', '-'), ipAddress: a.ip, cidrPrefixLength: a.cidrPrefixLength }).catch(failOnDefinitive)).sid);
    }
    const removed = existing.filter((e) => !list.ipAddresses.some((a) => key(a.ip, a.cidrPrefixLength) === key(e.ipAddress, e.cidrPrefixLength ?? 32)));
    for (const e of removed) await ips(e.sid).remove().catch(goneIsDone);
    return {
      detail: `${added.length} added, ${removed.length} removed`,
      undo: added.length || removed.length ? { kind: 'restore_ip_addresses', listSid, remove: added, add: removed.map((e) => ({ ip: e.ipAddress, cidrPrefixLength: e.cidrPrefixLength ?? 32 })) } : null,
    };
  },
  undo: restoreIpAddresses,
  describe: describeAs<'sync_ip_addresses'>(),
};
