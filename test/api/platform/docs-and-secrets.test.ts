import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../../api/app';
import { redactPaths } from '../../../config/logger';
import { temporalDataConverter } from '../../../config/temporal-payload-codec';
import { createPool } from '../../../db/kit/pool';
import { newTenant, stack, testConfig } from '../../helpers/stack';

const lines: string[] = [];
let app: Awaited<ReturnType<typeof buildApp>>;
let close: () => Promise<void>;

beforeAll(async () => {
  const config = testConfig({ LOG_LEVEL: 'trace' });
  const db = createPool(config.DATABASE_URL, 2);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  app = await buildApp(
    // The stack's worker seals payloads: without the codec, a workflow's result (a number search) can't be read.
    { config, db, temporal: new Client({ connection, dataConverter: temporalDataConverter(config) }) },
    { logger: { level: 'trace', stream: sink, redact: { paths: redactPaths, censor: '[redacted]' } } },
  );
  close = async () => {
    await app.close();
    await connection.close();
    await db.end();
  };
});
afterAll(async () => close());

it('documents every endpoint in the OpenAPI spec, with bearer auth', async () => {
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  expect(spec.openapi).toMatch(/^3\./);
  expect(spec.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  for (const path of [
    '/v1/available-numbers', '/v1/numbers', '/v1/numbers/{phoneNumber}', '/v1/jobs', '/v1/jobs/bulk-buy',
    '/v1/jobs/bulk-release', '/v1/jobs/{jobId}', '/v1/jobs/{jobId}/items', '/v1/jobs/{jobId}/cancel', '/v1/a2p/preflight', '/v1/a2p/registrations', '/v1/a2p/registrations/{registrationId}', '/v1/a2p/registrations/{registrationId}/corrections', '/v1/a2p/registrations/{registrationId}/cancel',
    '/v1/a2p/business-profiles', '/v1/a2p/business-profiles/{sid}', '/v1/a2p/business-profiles/{sid}/submit', '/v1/a2p/brands', '/v1/a2p/brands/{sid}',
    '/v1/a2p/campaigns', '/v1/a2p/campaigns/{sid}', '/v1/a2p/campaigns/{sid}/phone-numbers',
    '/v1/sip/trunks', '/v1/sip/trunks/{trunkSid}', '/v1/sip/trunks/{trunkSid}/origination-uris', '/v1/sip/trunks/{trunkSid}/origination-uris/{sid}',
    '/v1/sip/trunks/{trunkSid}/phone-numbers', '/v1/sip/trunks/{trunkSid}/phone-numbers/{number}',
  ]) {
    expect(spec.paths, path).toHaveProperty([path]);
  }
  expect(spec.paths['/v1/jobs/bulk-buy'].post.requestBody.content['application/json'].schema.properties.quantity).toBeDefined();
  const trunk = spec.paths['/v1/sip/trunks'].post;
  expect(Object.keys(trunk.responses)).toEqual(expect.arrayContaining(['202', '400', '409']));
  expect(trunk.requestBody.content['application/json'].schema.properties.secure.default).toBe(true);
  // SIP passwords are declared write-only in the contract.
  expect(JSON.stringify(trunk.requestBody.content['application/json'].schema)).toMatch(/"password":\{[^}]*"writeOnly":true/);
  // Every operation says what it does.
  for (const [path, ops] of Object.entries(spec.paths as Record<string, Record<string, { summary?: string }>>)) {
    for (const [method, op] of Object.entries(ops)) expect(op.summary, `${method} ${path}`).toBeTruthy();
  }
  expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
});

it('never writes API keys or Twilio tokens to logs or responses', async () => {
  const db = createPool(stack.databaseUrl, 1);
  const tenant = await newTenant(db, 'secrets');
  await db.end();
  const responses = [
    await app.inject({ method: 'GET', url: '/v1/numbers', headers: tenant.headers }),
    await app.inject({ method: 'GET', url: '/v1/numbers', headers: { authorization: 'Bearer tp_wrong-key-123456' } }),
    await app.inject({ method: 'GET', url: '/v1/available-numbers?areaCode=415&limit=1', headers: tenant.headers }),
    // A SIP password, in a trunk that is accepted and in one that is refused.
    await app.inject({ method: 'POST', url: '/v1/sip/trunks', headers: tenant.headers, payload: { friendlyName: 'logs', termination: { credentialLists: [{ friendlyName: 'l', credentials: [{ username: 'u', password: 'Log-Secret-2024x' }] }] } } }),
    await app.inject({ method: 'POST', url: '/v1/sip/trunks', headers: tenant.headers, payload: { friendlyName: 'logs', phoneNumbers: ['+19999999999'], termination: { credentialLists: [{ friendlyName: 'l', credentials: [{ username: 'u', password: 'Log-Secret-2024x' }] }] } } }),
  ];
  expect(responses[2]!.statusCode).toBe(200);
  expect(responses.at(-2)!.statusCode).toBe(202);
  expect(responses.at(-1)!.statusCode).toBe(400);
  const everything = lines.join('\n') + responses.map((r) => r.body).join('\n');
  expect(lines.length).toBeGreaterThan(0);
  expect(everything).not.toContain(tenant.apiKey);
  expect(everything).not.toContain('tp_wrong-key-123456');
  expect(everything).not.toContain(stack.authToken);
  expect(everything).not.toContain('Log-Secret-2024x');
});
