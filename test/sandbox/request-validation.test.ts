import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { servedSpecFiles } from '../../sandbox/openapi-spec';
import { createSandbox } from '../../sandbox/server';
import { account, startSandbox } from './sandbox-fixture';
import { specDir } from './openapi-validator';

type Fixture = Awaited<ReturnType<typeof startSandbox>>;
let fx: Fixture;
const A = '/2010-04-01/Accounts/{AccountSid}';
const bundle = (n: number) => `BU${String(n).repeat(32)}`;

beforeAll(async () => {
  fx = await startSandbox();
});
afterAll(async () => fx.close());
beforeEach(async () => {
  expect((await fx.control('POST', 'request-validation/reset')).status).toBe(200);
});

const validation = async () => (await fx.control('GET', 'stats')).body.requestValidation;
const twilioError = (name: string) =>
  expect.objectContaining({ status: 400, body: expect.objectContaining({ code: 20001, status: 400, message: expect.stringContaining(name) }) });

describe('requests are held to their operation in Twilio’s OpenAPI documents', () => {
  it('an enum value the spec does not list: 400/20001 naming the parameter, counted, nothing changed', async () => {
    const found = await fx.raw('GET', `${fx.base}/AvailablePhoneNumbers/US/Local.json?AreaCode=415&PageSize=1`);
    const bought = await fx.raw('POST', `${fx.base}/IncomingPhoneNumbers.json`, { PhoneNumber: found.body.available_phone_numbers[0].phone_number });
    const res = await fx.raw('POST', `${fx.base}/IncomingPhoneNumbers/${bought.body.sid}.json`, { FriendlyName: 'renamed', VoiceReceiveMode: 'telepathy' });
    expect(res).toEqual(twilioError('VoiceReceiveMode'));
    expect(await validation()).toEqual({
      enabled: true,
      checkedRequests: 3,
      operations: 3,
      violations: { [`POST ${A}/IncomingPhoneNumbers/{Sid}.json`]: { enum: 1, names: ['VoiceReceiveMode'] } },
      totalViolations: 1,
    });
    expect((await fx.raw('GET', `${fx.base}/IncomingPhoneNumbers/${bought.body.sid}.json`)).body.friendly_name).not.toBe('renamed');
  });

  it('a value of the wrong type (a word where the spec says integer): 400', async () => {
    const res = await fx.raw('GET', `${fx.base}/IncomingPhoneNumbers.json?PageSize=ten`);
    expect(res).toEqual(twilioError('PageSize'));
    expect((await validation()).violations).toEqual({ [`GET ${A}/IncomingPhoneNumbers.json`]: { type: 1, names: ['PageSize'] } });
  });

  it('a required field left out: 400 naming it', async () => {
    const res = await fx.raw('POST', '/v1/a2p/BrandRegistrations', { CustomerProfileBundleSid: bundle(1) });
    expect(res).toEqual(twilioError('A2PProfileBundleSid'));
    expect((await validation()).violations).toEqual({ 'POST /v1/a2p/BrandRegistrations': { required: 1, names: ['A2PProfileBundleSid'] } });
  });

  it('a name the operation does not declare: accepted (Twilio ignores it) but counted as unknown', async () => {
    const res = await fx.raw('POST', '/v1/Trunks', { FriendlyName: 'colourful', Colour: 'blue' });
    expect(res.status).toBe(201);
    expect((await validation()).violations).toEqual({ 'POST /v1/Trunks': { unknown: 1, names: ['Colour'] } });
  });

  it('a product’s more specific code still answers what the product checks (counted all the same)', async () => {
    const res = await fx.raw('POST', '/v1/Trunks', { DisasterRecoveryMethod: 'PATCH' });
    expect(res).toMatchObject({ status: 400, body: { code: 21403 } });
    expect((await validation()).violations).toEqual({ 'POST /v1/Trunks': { enum: 1, names: ['DisasterRecoveryMethod'] } });
  });

  it('correct SDK calls: checked, zero violations', async () => {
    const sdk = fx.sdk();
    const trunk = await sdk.trunking.v1.trunks.create({ friendlyName: 'by the book', transferMode: 'enable-all', secure: true });
    await sdk.trunking.v1.trunks(trunk.sid).update({ cnamLookupEnabled: true });
    await sdk.api.v2010.accounts(account.sid).availablePhoneNumbers('US').local.list({ areaCode: 415, smsEnabled: true, limit: 2 });
    expect(await validation()).toEqual({ enabled: true, checkedRequests: 3, operations: 3, violations: {}, totalViolations: 0 });
  });

  it('the exceptions table covers POST …/2fa: served, not validated, not a violation', async () => {
    expect(fx.sandbox.requests.operationOf('POST', '/v1/a2p/BrandRegistrations/:BrandRegistrationSid/2fa')).toBe('exception');
    const res = await fx.raw('POST', `/v1/a2p/BrandRegistrations/BN${'0'.repeat(32)}/2fa`, { Anything: 'x' });
    expect(res.status).toBe(404);
    expect(await validation()).toEqual({ enabled: true, checkedRequests: 0, operations: 0, violations: {}, totalViolations: 0 });
  });

  it('literal path segments win over templates when routes are mapped to operations', () => {
    const { requests } = fx.sandbox;
    expect(requests.operationOf('POST', '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/Local.json')).toBe(`POST ${A}/IncomingPhoneNumbers/Local.json`);
    expect(requests.operationOf('POST', '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid')).toBe(`POST ${A}/IncomingPhoneNumbers/{Sid}.json`);
    expect(requests.operationOf('GET', '/v1/Services/Usecases')).toBe('GET /v1/Services/Usecases');
    expect(requests.operationOf('GET', '/v1/Services/:MessagingServiceSid/Compliance/Usa2p/Usecases')).toBe('GET /v1/Services/{MessagingServiceSid}/Compliance/Usa2p/Usecases');
  });

  it('the counters are run-wide: neither stats/reset nor the global reset clears them, request-validation/reset does', async () => {
    await fx.raw('POST', '/v1/Trunks', { Colour: 'blue' });
    await fx.control('POST', 'stats/reset');
    await fx.control('POST', 'reset');
    expect(await validation()).toMatchObject({ checkedRequests: 1, totalViolations: 1 });
    await fx.control('POST', 'request-validation/reset');
    expect(await validation()).toEqual({ enabled: true, checkedRequests: 0, operations: 0, violations: {}, totalViolations: 0 });
  });
});

describe('the startup self-check', () => {
  it('a sandbox serving a Twilio route with no operation in the spec (and no listed exception) refuses to start', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'twilio-oai-'));
    try {
      for (const f of servedSpecFiles) await writeFile(path.join(dir, f), await readFile(path.join(specDir, f)));
      const lookups = JSON.parse(await readFile(path.join(dir, 'twilio_lookups_v2.json'), 'utf8'));
      delete lookups.paths['/v2/batch/query'].post;
      await writeFile(path.join(dir, 'twilio_lookups_v2.json'), JSON.stringify(lookups));
      await expect(createSandbox({ accounts: [account], twilioOaiDir: dir })).rejects.toThrow(/POST \/v2\/batch\/query: no operation/);
      // The same copy, unaltered, starts: the refusal is the missing operation's.
      await writeFile(path.join(dir, 'twilio_lookups_v2.json'), await readFile(path.join(specDir, 'twilio_lookups_v2.json')));
      await (await createSandbox({ accounts: [account], twilioOaiDir: dir })).close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('without the folder of Twilio’s documents (a clone without ../shared) it starts, checks nothing and says so', async () => {
    const missing = path.join(tmpdir(), `no-twilio-oai-${process.pid}`);
    const sandbox = await createSandbox({ accounts: [account], twilioOaiDir: missing });
    try {
      expect(sandbox.requests.disabledReason).toContain(missing);
      expect(sandbox.requests.stats()).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('requests are not validated'), checkedRequests: 0 });
    } finally {
      await sandbox.close();
    }
  });
});
