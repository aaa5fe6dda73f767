/**
 * Temporal over TLS and mTLS, with the settings every process takes (TEMPORAL_TLS_CA, _CERT, _KEY,
 * _SERVER_NAME): the client's Connection and the worker's NativeConnection, through a TLS terminator in
 * front of the stack's dev server (which can't serve TLS itself), and a worker process and the API doing
 * real work over mTLS.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalConnectionOptions } from '../../../config/temporal-connection';
import { temporalDataConverter } from '../../../config/temporal-payload-codec';
import { buyThroughApi, createTestApi, newTenant, stack, startWorkerProcess, stopChild, testConfig } from '../../helpers/stack';
import { makeTestPki, startTlsProxy, type TestPki, type TlsProxy } from '../../helpers/tls-proxy';

let pki: TestPki;
let tlsOnly: TlsProxy;
let mutual: TlsProxy;
beforeAll(async () => {
  pki = makeTestPki();
  tlsOnly = await startTlsProxy({ target: stack.temporalAddress, pki, requireClientCert: false });
  mutual = await startTlsProxy({ target: stack.temporalAddress, pki, requireClientCert: true });
});
afterAll(async () => {
  await tlsOnly?.close();
  await mutual?.close();
  pki?.remove();
});

/** The service's config for a Temporal behind `proxy`: the CA as a file, the name its certificate carries. */
const tlsConfig = (proxy: TlsProxy, extra: Record<string, string> = {}) =>
  testConfig({ TEMPORAL_ADDRESS: proxy.address, TEMPORAL_TLS_CA: pki.caPath, TEMPORAL_TLS_SERVER_NAME: pki.serverName, ...extra });
const clientPair = () => ({ TEMPORAL_TLS_CERT: pki.client.certPath, TEMPORAL_TLS_KEY: pki.client.keyPath });
const connectClient = (config: ReturnType<typeof testConfig>) => Connection.connect({ ...temporalConnectionOptions(config), connectTimeout: 5_000 });

describe('the client (Connection) over TLS', () => {
  it('with the CA: connects, starts a workflow and reads it back', async () => {
    const config = tlsConfig(tlsOnly);
    const before = tlsOnly.sessions;
    const connection = await connectClient(config);
    try {
      expect((await connection.workflowService.getSystemInfo({})).capabilities).toBeTruthy();
      const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: temporalDataConverter(config) });
      // No worker polls this queue: the start and the read are the client's round trips alone.
      const handle = await client.workflow.start('tlsProbe', { taskQueue: `tls-${randomUUID()}`, workflowId: `tls-probe-${randomUUID()}`, args: [{ over: 'tls' }] });
      expect((await handle.describe()).status.name).toBe('RUNNING');
      await handle.terminate('probe done');
      expect((await handle.describe()).status.name).toBe('TERMINATED');
    } finally {
      await connection.close();
    }
    expect(tlsOnly.sessions).toBeGreaterThan(before); // it went through the TLS terminator
  });

  it('without the CA, the server is not trusted and nothing connects', async () => {
    const config = testConfig({ TEMPORAL_ADDRESS: tlsOnly.address, TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_NAME: pki.serverName });
    const before = tlsOnly.sessions;
    await expect(connectClient(config)).rejects.toThrow();
    expect(tlsOnly.sessions).toBe(before); // no handshake completed: the client refused the server's certificate
  });

  it('mTLS: with the client pair (PEM text this time) it connects; without one, or with a stranger CA\'s, it does not', async () => {
    const withPair = await connectClient(tlsConfig(mutual, { TEMPORAL_TLS_CERT: pki.client.cert, TEMPORAL_TLS_KEY: pki.client.key }));
    try {
      expect((await withPair.workflowService.getSystemInfo({})).capabilities).toBeTruthy();
    } finally {
      await withPair.close();
    }
    const before = mutual.sessions;
    mutual.refusals.length = 0;
    await expect(connectClient(tlsConfig(mutual))).rejects.toThrow();
    expect(mutual.refusals.join('\n')).toMatch(/PEER_DID_NOT_RETURN_A_CERTIFICATE/);
    await expect(connectClient(tlsConfig(mutual, { TEMPORAL_TLS_CERT: pki.stranger.cert, TEMPORAL_TLS_KEY: pki.stranger.key }))).rejects.toThrow();
    expect(mutual.sessions).toBe(before);
  });
});

describe('the worker (NativeConnection) with the same settings', () => {
  it('mTLS: connects with the client pair, and not without it or without the CA', async () => {
    const connection = await NativeConnection.connect(temporalConnectionOptions(tlsConfig(mutual, clientPair())));
    try {
      expect((await connection.workflowService.getSystemInfo({})).capabilities).toBeTruthy();
    } finally {
      await connection.close();
    }
    // The client sees either TLS 1.3's certificate_required alert or the connection closing after it,
    // depending on timing: the server's side says why.
    mutual.refusals.length = 0;
    await expect(NativeConnection.connect(temporalConnectionOptions(tlsConfig(mutual)))).rejects.toThrow();
    expect(mutual.refusals.join('\n')).toMatch(/PEER_DID_NOT_RETURN_A_CERTIFICATE/);
    const untrusted = testConfig({ TEMPORAL_ADDRESS: mutual.address, TEMPORAL_TLS_SERVER_NAME: pki.serverName, ...clientPair() });
    await expect(NativeConnection.connect(temporalConnectionOptions(untrusted))).rejects.toThrow(/UnknownIssuer/);
  });

  it('a worker process and the API, both over mTLS only, buy a number end to end', async () => {
    const taskQueue = `tls-${randomUUID()}`;
    const env = { TEMPORAL_ADDRESS: mutual.address, TEMPORAL_TLS_CA: pki.caPath, TEMPORAL_TLS_SERVER_NAME: pki.serverName, ...clientPair() };
    const before = mutual.sessions;
    const worker = await startWorkerProcess(taskQueue, env);
    const api = await createTestApi({ TEMPORAL_TASK_QUEUE: taskQueue, ...env });
    try {
      const tenant = await newTenant(api.db, 'tls');
      const bought = await buyThroughApi(api.app, tenant.headers, '505');
      expect(bought).toMatch(/^\+1505\d{7}$/);
      // The worker and the API each held their own session through the mTLS terminator.
      expect(mutual.sessions - before).toBeGreaterThanOrEqual(2);
    } finally {
      await api.close();
      await stopChild(worker);
    }
  });
});
