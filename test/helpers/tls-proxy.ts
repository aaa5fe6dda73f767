import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

/** A throw-away CA and the certificates it signs, as files (paths) and PEM text. */
export interface TestPki {
  dir: string;
  caPath: string;
  serverName: string;
  server: { cert: string; key: string };
  client: { certPath: string; keyPath: string; cert: string; key: string };
  /** A client pair signed by another CA, which an mTLS server must refuse. */
  stranger: { cert: string; key: string };
  remove(): void;
}

/**
 * Generates the PKI with the openssl CLI (installed everywhere the tests run; no npm package needed for a
 * few certificates): EC P-256, v3 certificates with subjectAltName, as rustls (the worker's connection) wants.
 */
export function makeTestPki(serverName = 'temporal.test'): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'temporal-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const newCa = (name: string) =>
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leaf = (name: string, ca: string, san: string, usage: 'serverAuth' | 'clientAuth') => {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(path.join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${usage}\nsubjectAltName=${san}\n`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
  };
  newCa('ca');
  newCa('other-ca');
  leaf('server', 'ca', `DNS:${serverName}`, 'serverAuth');
  leaf('client', 'ca', 'DNS:twilio-pro-worker', 'clientAuth');
  leaf('stranger', 'other-ca', 'DNS:stranger', 'clientAuth');
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  return {
    dir,
    caPath: path.join(dir, 'ca.pem'),
    serverName,
    server: { cert: read('server.pem'), key: read('server.key') },
    client: { certPath: path.join(dir, 'client.pem'), keyPath: path.join(dir, 'client.key'), cert: read('client.pem'), key: read('client.key') },
    stranger: { cert: read('stranger.pem'), key: read('stranger.key') },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsProxy {
  address: string;
  /** TLS sessions that completed the handshake (and so reached Temporal through the proxy). */
  readonly sessions: number;
  /** Why handshakes failed (OpenSSL's reasons, e.g. an unknown CA alert or a missing client certificate). */
  readonly refusals: string[];
  close(): Promise<void>;
}

/**
 * The Temporal dev server has no TLS option, so a TLS terminator stands in front of it, as a load balancer
 * or a sidecar would in production: TLS (HTTP/2 over ALPN `h2`, which gRPC needs) outside, the plaintext
 * server inside. With `requireClientCert`, only clients with a certificate from the test CA get through.
 */
export async function startTlsProxy(opts: { target: string; pki: TestPki; requireClientCert: boolean }): Promise<TlsProxy> {
  const [host, port] = splitAddress(opts.target);
  const sockets = new Set<net.Socket>();
  let sessions = 0;
  const refusals: string[] = [];
  const server = tls.createServer(
    {
      cert: opts.pki.server.cert,
      key: opts.pki.server.key,
      ALPNProtocols: ['h2'],
      ...(opts.requireClientCert ? { ca: readFileSync(opts.pki.caPath), requestCert: true, rejectUnauthorized: true } : {}),
    },
    (client) => {
      sessions += 1;
      const upstream = net.connect(port, host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
        s.on('error', () => [client, upstream].forEach((x) => x.destroy()));
      }
      client.pipe(upstream).pipe(client);
    },
  );
  server.on('tlsClientError', (err: Error & { code?: string }) => refusals.push(`${err.code ?? ''} ${err.message}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    get sessions() {
      return sessions;
    },
    refusals,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), Number(address.slice(at + 1))];
}
