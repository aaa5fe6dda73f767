/**
 * The outbound URL policy: where the service may send requests a tenant chose (webhook endpoints).
 * Used by the API at registration and by the worker before every delivery, so it lives in config/, which
 * both import and which imports neither. A tenant's URL must not reach inside the deployment (SSRF):
 * its host is resolved, every address it resolves to must be public, the port must be allowed, and the
 * caller connects to the very addresses checked here (pinnedLookup), so a DNS answer that changes
 * between the check and the connection (rebinding) cannot slip a private address in.
 */
import { lookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { Config } from './env';

export interface OutboundPolicy {
  /** Development and tests: loopback and private receivers are allowed. */
  allowPrivateAddresses: boolean;
  allowedPorts: 'any' | readonly number[];
}

export const outboundPolicyFromConfig = (c: Pick<Config, 'WEBHOOK_ALLOW_PRIVATE_ADDRESSES' | 'WEBHOOK_ALLOWED_PORTS'>): OutboundPolicy => ({
  allowPrivateAddresses: c.WEBHOOK_ALLOW_PRIVATE_ADDRESSES,
  allowedPorts: c.WEBHOOK_ALLOWED_PORTS,
});

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
/** A host name's addresses, all of them. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** A URL that passed the policy, and the addresses it must be reached at: connect there, never look the name up again. */
export interface VettedUrl {
  url: URL;
  addresses: ResolvedAddress[];
}

/**
 * Why a URL is refused. `policy`: it stays refused (a private address, a port, credentials) — a delivery
 * fails at once. `unresolved`: the name has no address now, which DNS trouble can cause — a delivery retries.
 */
export class OutboundUrlRefused extends Error {
  constructor(
    message: string,
    readonly kind: 'policy' | 'unresolved',
  ) {
    super(message);
  }
}

const DNS_TIMEOUT_MS = 5_000;

/** getaddrinfo, as the connection itself would have resolved the name (hosts file included), in its order. */
export const systemResolver: Resolver = async (hostname) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('DNS lookup timed out'), { code: 'ETIMEOUT' })), DNS_TIMEOUT_MS);
  });
  try {
    const found = await Promise.race([lookup(hostname, { all: true, verbatim: true }), timeout]);
    return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  } finally {
    clearTimeout(timer);
  }
};

const globalUnicastV6 = ipaddr.IPv6.parseCIDR('2000::/3');
const nat64WellKnown = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/** The IPv4 address in the last 32 bits of an IPv6 one (NAT64's embedding). */
const lastFourBytes = (v6: ipaddr.IPv6) => new ipaddr.IPv4(v6.toByteArray().slice(12));

/**
 * Null for a public unicast address; otherwise the name of the range it is in (ipaddr.js's names:
 * loopback, private, linkLocal, carrierGradeNat, uniqueLocal, multicast, unspecified, broadcast, reserved, …).
 * IPv6 forms that carry an IPv4 address are judged by that address where it is the one reached
 * (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d); other IPv6 outside global unicast 2000::/3
 * (IPv4-compatible ::a.b.c.d, IPv4-translated, site-local, …) is refused whole.
 */
export function nonPublicRange(address: string): string | null {
  const ip = ipaddr.parse(isIP(address) === 6 ? canonicalV6(address) : address);
  if (ip.kind() === 'ipv4') return rangeUnlessUnicast((ip as ipaddr.IPv4).range());
  const v6 = ip as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return embedded(v6.toIPv4Address(), 'IPv4-mapped');
  if (v6.match(nat64WellKnown)) return embedded(lastFourBytes(v6), 'NAT64');
  if (!v6.match(globalUnicastV6)) return v6.range() === 'unicast' ? 'reserved' : v6.range();
  return rangeUnlessUnicast(v6.range());
}

/** ipaddr.js reads `::a.b.c.d` (IPv4-compatible) as IPv4-mapped; WHATWG URL's hex form is unambiguous. */
const canonicalV6 = (address: string) => new URL(`http://[${address.replace(/%.*$/, '')}]/`).hostname.slice(1, -1);

const rangeUnlessUnicast = (range: string) => (range === 'unicast' ? null : range);
const embedded = (v4: ipaddr.IPv4, form: string) => {
  const range = rangeUnlessUnicast(v4.range());
  return range && `${form} ${range}`;
};

const defaultPort = (url: URL) => (url.protocol === 'https:' ? 443 : 80);

/** Checks a URL against the policy and resolves its host; throws OutboundUrlRefused saying why not. */
export async function vetOutboundUrl(raw: string | URL, policy: OutboundPolicy, resolve: Resolver = systemResolver): Promise<VettedUrl> {
  const url = typeof raw === 'string' ? parseUrl(raw) : raw;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundUrlRefused('must be an http(s) URL', 'policy');
  if (url.username || url.password) throw new OutboundUrlRefused('must not carry credentials (user:password@)', 'policy');
  const port = url.port ? Number(url.port) : defaultPort(url);
  if (policy.allowedPorts !== 'any' && !policy.allowedPorts.includes(port)) {
    throw new OutboundUrlRefused(`port ${port} is not allowed (allowed: ${policy.allowedPorts.join(', ')})`, 'policy');
  }
  // WHATWG URL has already turned 2130706433, 0x7f.1, 127.1 and 0177.0.0.1 into 127.0.0.1; IPv6 keeps its brackets.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) as 4 | 6 }] : await resolveHost(host, resolve);
  if (!policy.allowPrivateAddresses) refuseNonPublic(host, addresses);
  return { url, addresses };
}

function parseUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new OutboundUrlRefused('must be an http(s) URL', 'policy');
  }
}

async function resolveHost(host: string, resolve: Resolver): Promise<ResolvedAddress[]> {
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolve(host);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new OutboundUrlRefused(`${host} does not resolve${code ? ` (${code})` : ''}`, 'unresolved');
  }
  if (!addresses.length) throw new OutboundUrlRefused(`${host} does not resolve`, 'unresolved');
  return addresses;
}

/** Every address must be public: a name with one private address among public ones could be reached there. */
function refuseNonPublic(host: string, addresses: ResolvedAddress[]) {
  for (const { address } of addresses) {
    const range = nonPublicRange(address);
    if (!range) continue;
    const subject = host === address ? address : `${host} resolves to ${address}, which`;
    throw new OutboundUrlRefused(`${subject} is not a public address (${range}); webhook endpoints must be reachable on the internet`, 'policy');
  }
}

/**
 * A `lookup` for node:http(s)/net that answers with the vetted addresses only. Node calls it instead of
 * DNS when it connects (and not at all for an IP literal, which was vetted as is); TLS still checks the
 * certificate against the URL's host name.
 */
export function pinnedLookup(addresses: readonly ResolvedAddress[]) {
  return (_hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    if (options.all) callback(null, addresses.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
}
