import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config/env';
import { nonPublicRange, OutboundUrlRefused, outboundPolicyFromConfig, systemResolver, vetOutboundUrl, type OutboundPolicy, type Resolver } from '../../../config/outbound-url';
import { postOnce } from '../../../worker/platform/webhook-dispatcher';

const strict: OutboundPolicy = { allowPrivateAddresses: false, allowedPorts: [80, 443] };
/** A resolver that must not be asked: IP literals are judged as written. */
const noDns: Resolver = async (host) => {
  throw new Error(`resolver asked for ${host}`);
};
const answers = (table: Record<string, string[]>): Resolver => async (host) => {
  const found = table[host];
  if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

async function refusal(url: string, policy = strict, resolve: Resolver = noDns): Promise<OutboundUrlRefused> {
  const err = await vetOutboundUrl(url, policy, resolve).then(() => null, (e: unknown) => e);
  expect(err, url).toBeInstanceOf(OutboundUrlRefused);
  return err as OutboundUrlRefused;
}

describe('nonPublicRange', () => {
  it('names the range of every address that is not public unicast, IPv6 forms carrying IPv4 included', () => {
    const expected: Record<string, string> = {
      '127.0.0.1': 'loopback', '127.255.0.9': 'loopback', '10.0.0.1': 'private', '172.16.0.1': 'private', '192.168.1.1': 'private',
      '169.254.169.254': 'linkLocal', '100.64.0.1': 'carrierGradeNat', '0.0.0.0': 'unspecified', '255.255.255.255': 'broadcast',
      '224.0.0.1': 'multicast', '192.0.2.1': 'reserved', '198.51.100.7': 'reserved', '240.0.0.1': 'reserved',
      '::1': 'loopback', '::': 'unspecified', 'fe80::1': 'linkLocal', 'fc00::1': 'uniqueLocal', 'fd12:3456::1': 'uniqueLocal', 'ff02::1': 'multicast',
      '2001:db8::1': 'reserved', '2002:7f00:1::1': '6to4',
      '::ffff:127.0.0.1': 'IPv4-mapped loopback', '::ffff:10.1.2.3': 'IPv4-mapped private', '::ffff:169.254.169.254': 'IPv4-mapped linkLocal',
      '::127.0.0.1': 'reserved', '::8.8.8.8': 'reserved', // IPv4-compatible (deprecated): outside global unicast, whatever it embeds
      'fe80::1%eth0': 'linkLocal',
      '64:ff9b::10.0.0.1': 'NAT64 private', '64:ff9b::127.0.0.1': 'NAT64 loopback',
    };
    for (const [address, range] of Object.entries(expected)) expect(nonPublicRange(address), address).toBe(range);
    for (const address of ['8.8.8.8', '93.184.215.14', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8']) expect(nonPublicRange(address), address).toBeNull();
  });
});

describe('vetOutboundUrl', () => {
  it('refuses private addresses however the URL spells them, without asking DNS', async () => {
    for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://127.1/', 'http://0177.0.0.1/', 'http://127.0.0.1./', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/', 'http://[64:ff9b::a00:1]/', 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'http://[fd00::1]/', 'http://0/']) {
      const err = await refusal(url);
      expect(err.kind, url).toBe('policy');
      expect(err.message, url).toMatch(/is not a public address/);
    }
  });

  it('refuses a name when any of its addresses is private, and one that does not resolve as such', async () => {
    const dns = answers({ 'mixed.example': ['93.184.215.14', '10.0.0.8'], 'inside.example': ['fd00::5'], 'public.example': ['93.184.215.14', '2606:2800::1'] });
    expect((await refusal('https://mixed.example/h', strict, dns)).message).toBe('mixed.example resolves to 10.0.0.8, which is not a public address (private); webhook endpoints must be reachable on the internet');
    expect((await refusal('https://inside.example/h', strict, dns)).message).toMatch(/fd00::5.*uniqueLocal/);
    const gone = await refusal('https://gone.example/h', strict, dns);
    expect(gone.kind).toBe('unresolved');
    expect(gone.message).toBe('gone.example does not resolve (ENOTFOUND)');
    const vetted = await vetOutboundUrl('https://public.example/h', strict, dns);
    expect(vetted.addresses).toEqual([{ address: '93.184.215.14', family: 4 }, { address: '2606:2800::1', family: 6 }]);
  });

  it('asks the system resolver for names: localhost is loopback', async () => {
    expect((await refusal('http://localhost/', strict, systemResolver)).message).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), which is not a public address \(loopback\)/);
  });

  it('allows ports 80 and 443 only, unless configured; never credentials', async () => {
    expect((await refusal('https://93.184.215.14:8443/')).message).toBe('port 8443 is not allowed (allowed: 80, 443)');
    expect((await refusal('http://93.184.215.14:5432/')).message).toMatch(/port 5432/);
    await expect(vetOutboundUrl('https://93.184.215.14:443/', strict, noDns)).resolves.toMatchObject({ addresses: [{ address: '93.184.215.14', family: 4 }] });
    await expect(vetOutboundUrl('http://93.184.215.14/', strict, noDns)).resolves.toBeDefined();
    await expect(vetOutboundUrl('https://93.184.215.14:8443/', { ...strict, allowedPorts: 'any' }, noDns)).resolves.toBeDefined();
    expect((await refusal('https://user:pw@93.184.215.14/')).message).toMatch(/credentials/);
    expect((await refusal('ftp://93.184.215.14/')).message).toBe('must be an http(s) URL');
  });

  it('lets private addresses through only when the policy allows them', async () => {
    await expect(vetOutboundUrl('http://127.0.0.1:4010/__sandbox/reset', { allowPrivateAddresses: true, allowedPorts: 'any' }, noDns)).resolves.toMatchObject({ addresses: [{ address: '127.0.0.1' }] });
    expect((await refusal('http://127.0.0.1:4010/', { allowPrivateAddresses: true, allowedPorts: [80, 443] })).message).toMatch(/port 4010/);
  });

  it('reads its policy from the configuration: private addresses refused and ports 80, 443 by default', () => {
    const base = { DATABASE_URL: 'postgres://u@localhost/db', TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'b'.repeat(32) };
    expect(outboundPolicyFromConfig(loadConfig(base))).toEqual({ allowPrivateAddresses: false, allowedPorts: [80, 443] });
    expect(outboundPolicyFromConfig(loadConfig({ ...base, NODE_ENV: 'production', SECRETS_KEY: Buffer.alloc(32, 7).toString('base64') }))).toEqual({ allowPrivateAddresses: false, allowedPorts: [80, 443] });
    expect(outboundPolicyFromConfig(loadConfig({ ...base, WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true', WEBHOOK_ALLOWED_PORTS: '443, 8443' }))).toEqual({ allowPrivateAddresses: true, allowedPorts: [443, 8443] });
    expect(loadConfig({ ...base, WEBHOOK_ALLOWED_PORTS: '*' }).WEBHOOK_ALLOWED_PORTS).toBe('any');
    for (const bad of ['80;443', 'http', '0', '70000']) expect(() => loadConfig({ ...base, WEBHOOK_ALLOWED_PORTS: bad }), bad).toThrow(/WEBHOOK_ALLOWED_PORTS/);
    expect(() => loadConfig({ ...base, WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'yes' })).toThrow(/WEBHOOK_ALLOW_PRIVATE_ADDRESSES/);
  });
});

describe('postOnce', () => {
  const seen: { server: string; headers: IncomingHttpHeaders }[] = [];
  const servers: Server[] = [];
  let target = '';
  let redirector = '';
  const listen = async (name: string, answer: (res: import('node:http').ServerResponse) => void) => {
    const server = createServer((req, res) => {
      seen.push({ server: name, headers: req.headers });
      req.resume().on('end', () => answer(res));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  };
  beforeAll(async () => {
    const targetPort = await listen('target', (res) => res.writeHead(204).end());
    target = `http://127.0.0.1:${targetPort}/`;
    redirector = `http://127.0.0.1:${await listen('redirector', (res) => res.writeHead(302, { location: target }).end())}/`;
  });
  afterAll(() => servers.forEach((s) => s.close()));

  it('connects to the vetted address, not to what the name resolves to when it connects (no rebinding)', async () => {
    const port = new URL(target).port;
    // `rebind.invalid` resolves nowhere: reaching the server proves the connection used the vetted address only.
    const status = await postOnce({ url: new URL(`http://rebind.invalid:${port}/hook`), addresses: [{ address: '127.0.0.1', family: 4 }] }, { 'x-test': 'pinned' }, '{}', 5_000);
    expect(status).toBe(204);
    expect(seen.at(-1)).toMatchObject({ server: 'target', headers: { host: `rebind.invalid:${port}`, 'x-test': 'pinned' } });
  });

  it('answers a redirect with its status and follows nothing', async () => {
    const before = seen.length;
    expect(await postOnce({ url: new URL(redirector), addresses: [{ address: '127.0.0.1', family: 4 }] }, {}, '{}', 5_000)).toBe(302);
    expect(seen.slice(before).map((s) => s.server)).toEqual(['redirector']);
  });
});
