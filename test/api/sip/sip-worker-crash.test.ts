import { expect, it } from 'vitest';
import { buyThroughApi, apiOnOwnQueue, newTenant, sandboxControl, startWorkerProcess, stopChild, waitFor } from '../../helpers/stack';
import { atTwilio, getTrunk, listsFor, waitForTrunk } from '../../helpers/sip';

// A task queue of its own, so only the workers this test starts and kills run the saga.
const taskQueue = 'sip-crash-test';
const api = apiOnOwnQueue(taskQueue);

it('a worker killed mid-saga: progress stays readable and frozen, a new worker finishes it with nothing leaked or repeated', async () => {
  const tenant = await newTenant(api().db, 'sip-crash');
  const first = await startWorkerProcess(taskQueue);
  let second: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  try {
    const numbers = [];
    for (let i = 0; i < 4; i++) numbers.push(await buyThroughApi(api().app, tenant.headers, '646'));
    // Slow Twilio, so the kill lands in the middle of the saga.
    await sandboxControl('POST', 'faults', { latencyMs: 150 });
    const res = await api().app.inject({
      method: 'POST',
      url: '/v1/sip/trunks',
      headers: tenant.headers,
      payload: {
        friendlyName: 'Crash test',
        originationUris: [1, 2, 3].map((i) => ({ sipUrl: `sip:edge${i}.example.com;transport=tls`, priority: i * 10 })),
        termination: {
          credentialLists: [{ friendlyName: 'agents', credentials: [{ username: 'agent', password: 'Crash-Test-Pass1' }] }],
          ipAccessControlLists: [{ friendlyName: 'edges', ipAddresses: [{ ip: '203.0.113.10' }] }],
        },
        phoneNumbers: numbers,
      },
    });
    expect(res.statusCode).toBe(202);
    const id = res.json().id as string;
    const midway = await waitFor(async () => {
      const t = await getTrunk(api().app, tenant.headers, id);
      return t.operation!.steps.filter((s) => s.status === 'done').length >= 3 ? t : null;
    }, 'the saga to be under way', 60_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    // With no worker: readable from PostgreSQL, and nothing moves.
    const frozen = await getTrunk(api().app, tenant.headers, id, true);
    expect(frozen).toMatchObject({ status: 'provisioning', operation: { status: 'running' } });
    expect(frozen.operation!.steps.length).toBeGreaterThanOrEqual(midway.operation!.steps.length);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await getTrunk(api().app, tenant.headers, id)).operation!.steps).toEqual(frozen.operation!.steps);

    second = await startWorkerProcess(taskQueue);
    const done = await waitForTrunk(api().app, tenant.headers, id, undefined, 120_000);
    expect(done).toMatchObject({ status: 'active', operation: { status: 'succeeded' } });
    expect(done.phoneNumbers).toHaveLength(4);

    const twilio = await atTwilio(done.domainName);
    expect(twilio.trunks).toHaveLength(1);
    expect(twilio.uris).toHaveLength(3);
    expect(twilio.credentialLists).toHaveLength(1);
    expect(twilio.ipAcls).toHaveLength(1);
    expect(twilio.numbers).toHaveLength(4);
    const lists = await listsFor(id);
    expect(lists.credentialLists).toHaveLength(1);
    expect(lists.ipAcls).toHaveLength(1);
  } finally {
    if (first.exitCode === null) first.kill('SIGKILL');
    if (second) await stopChild(second);
  }
}, 240_000);
