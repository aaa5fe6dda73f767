import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenApiValidator } from './openapi-validator';
import { startSandbox } from './sandbox-fixture';

type Fixture = Awaited<ReturnType<typeof startSandbox>>;
let fx: Fixture;
const validator = new OpenApiValidator();
const api = 'twilio_api_v2010.json';
const trusthub = 'twilio_trusthub_v1.json';
const A = '/2010-04-01/Accounts/{AccountSid}';

beforeAll(async () => {
  fx = await startSandbox();
});
afterAll(async () => fx.close());

async function buyOne(areaCode: string) {
  const found = await fx.raw('GET', `${fx.base}/AvailablePhoneNumbers/US/Local.json?AreaCode=${areaCode}&PageSize=1`);
  return fx.raw('POST', `${fx.base}/IncomingPhoneNumbers.json`, { PhoneNumber: found.body.available_phone_numbers[0].phone_number });
}

interface Case {
  name: string;
  /** The sandbox's route (Fastify syntax), to prove every route is covered. */
  route: [method: string, url: string];
  spec: [file: string, method: string, path: string];
  status: number;
  call: () => Promise<{ status: number; body: unknown }>;
}

/** One line per route the sandbox serves. New products add their lines here. */
const cases: Case[] = [
  {
    name: 'search local numbers',
    route: ['GET', '/2010-04-01/Accounts/:AccountSid/AvailablePhoneNumbers/:CountryCode/Local.json'],
    spec: [api, 'GET', `${A}/AvailablePhoneNumbers/{CountryCode}/Local.json`],
    status: 200,
    call: () => fx.raw('GET', `${fx.base}/AvailablePhoneNumbers/US/Local.json?AreaCode=415&SmsEnabled=true&PageSize=5`),
  },
  {
    name: 'search toll-free numbers',
    route: ['GET', '/2010-04-01/Accounts/:AccountSid/AvailablePhoneNumbers/:CountryCode/TollFree.json'],
    spec: [api, 'GET', `${A}/AvailablePhoneNumbers/{CountryCode}/TollFree.json`],
    status: 200,
    call: () => fx.raw('GET', `${fx.base}/AvailablePhoneNumbers/US/TollFree.json?PageSize=3`),
  },
  {
    name: 'buy a number',
    route: ['POST', '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers.json'],
    spec: [api, 'POST', `${A}/IncomingPhoneNumbers.json`],
    status: 201,
    call: () => buyOne('212'),
  },
  {
    name: 'buy a local number by area code',
    route: ['POST', '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/Local.json'],
    spec: [api, 'POST', `${A}/IncomingPhoneNumbers/Local.json`],
    status: 201,
    call: () => fx.raw('POST', `${fx.base}/IncomingPhoneNumbers/Local.json`, { AreaCode: '312', VoiceUrl: 'https://example.com/v' }),
  },
  {
    name: 'buy a toll-free number',
    route: ['POST', '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/TollFree.json'],
    spec: [api, 'POST', `${A}/IncomingPhoneNumbers/TollFree.json`],
    status: 201,
    call: () => fx.raw('POST', `${fx.base}/IncomingPhoneNumbers/TollFree.json`, { AreaCode: '888' }),
  },
  {
    name: 'list numbers',
    route: ['GET', '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers.json'],
    spec: [api, 'GET', `${A}/IncomingPhoneNumbers.json`],
    status: 200,
    call: () => fx.raw('GET', `${fx.base}/IncomingPhoneNumbers.json?PageSize=2`),
  },
  {
    name: 'fetch a number',
    route: ['GET', '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid'],
    spec: [api, 'GET', `${A}/IncomingPhoneNumbers/{Sid}.json`],
    status: 200,
    call: async () => fx.raw('GET', `${fx.base}/IncomingPhoneNumbers/${(await buyOne('213')).body.sid}.json`),
  },
  {
    name: 'update a number',
    route: ['POST', '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid'],
    spec: [api, 'POST', `${A}/IncomingPhoneNumbers/{Sid}.json`],
    status: 200,
    call: async () =>
      fx.raw('POST', `${fx.base}/IncomingPhoneNumbers/${(await buyOne('305')).body.sid}.json`, {
        SmsUrl: 'https://example.com/sms', FriendlyName: 'Support', VoiceCallerIdLookup: 'true',
      }),
  },
  {
    name: 'release a number',
    route: ['DELETE', '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid'],
    spec: [api, 'DELETE', `${A}/IncomingPhoneNumbers/{Sid}.json`],
    status: 204,
    call: async () => fx.raw('DELETE', `${fx.base}/IncomingPhoneNumbers/${(await buyOne('503')).body.sid}.json`),
  },
  ...trustHubCases(),
];

/** A business-information end user, an address document, and a draft profile with both attached. */
async function trustHubFixtures() {
  const endUser = await fx.raw('POST', '/v1/EndUsers', {
    FriendlyName: 'Acme info', Type: 'customer_profile_business_information',
    Attributes: JSON.stringify({ business_name: 'Acme', business_type: 'Corporation' }),
  });
  const address = await fx.raw('POST', `${fx.base}/Addresses.json`, {
    CustomerName: 'Acme', Street: '1 Main St', City: 'Springfield', Region: 'IL', PostalCode: '62701', IsoCountry: 'US',
  });
  const doc = await fx.raw('POST', '/v1/SupportingDocuments', {
    FriendlyName: 'HQ', Type: 'customer_profile_address', Attributes: JSON.stringify({ address_sids: address.body.sid }),
  });
  return { endUser: endUser.body.sid as string, address: address.body.sid as string, doc: doc.body.sid as string };
}

function trustHubCases(): Case[] {
  const cases: Case[] = [];
  for (const [path, param, policy] of [
    ['/v1/CustomerProfiles', 'CustomerProfileSid', 'RNdfbf3fae0e1107f8aded0e7cead80bf5'],
    ['/v1/TrustProducts', 'TrustProductSid', 'RNb0d4771c2c98518d916a3d4cd70a8f8b'],
  ] as const) {
    const create = () => fx.raw('POST', path, { FriendlyName: 'Acme', Email: 'ops@acme.com', PolicySid: policy, StatusCallback: 'https://example.com/cb' });
    const withAssignment = async () => {
      const bundle = (await create()).body.sid as string;
      const { endUser } = await trustHubFixtures();
      const assignment = await fx.raw('POST', `${path}/${bundle}/EntityAssignments`, { ObjectSid: endUser });
      return { bundle, assignment };
    };
    const one = (m: string, suffix: string, status: number, call: Case['call'], sub = '') =>
      cases.push({
        name: `${m} ${path}${sub}${suffix}`,
        route: [m, `${path}${sub ? `/:${param}${sub}` : ''}${suffix ? `/:Sid` : ''}`],
        spec: [trusthub, m, `${path}${sub ? `/{${param}}${sub}` : ''}${suffix ? '/{Sid}' : ''}`],
        status,
        call,
      });
    one('POST', '', 201, create);
    one('GET', '', 200, async () => (await create(), fx.raw('GET', `${path}?PageSize=1`)));
    one('GET', '/x', 200, async () => fx.raw('GET', `${path}/${(await create()).body.sid}`));
    one('POST', '/x', 200, async () => fx.raw('POST', `${path}/${(await create()).body.sid}`, { FriendlyName: 'Acme 2' }));
    one('DELETE', '/x', 204, async () => fx.raw('DELETE', `${path}/${(await create()).body.sid}`));
    one('POST', '', 201, async () => (await withAssignment()).assignment, '/EntityAssignments');
    one('GET', '', 200, async () => fx.raw('GET', `${path}/${(await withAssignment()).bundle}/EntityAssignments`), '/EntityAssignments');
    one('GET', '/x', 200, async () => {
      const { bundle, assignment } = await withAssignment();
      return fx.raw('GET', `${path}/${bundle}/EntityAssignments/${assignment.body.sid}`);
    }, '/EntityAssignments');
    one('DELETE', '/x', 204, async () => {
      const { bundle, assignment } = await withAssignment();
      return fx.raw('DELETE', `${path}/${bundle}/EntityAssignments/${assignment.body.sid}`);
    }, '/EntityAssignments');
    const evaluation = async () => {
      const { bundle } = await withAssignment();
      return { bundle, evaluation: await fx.raw('POST', `${path}/${bundle}/Evaluations`, { PolicySid: policy }) };
    };
    one('POST', '', 201, async () => (await evaluation()).evaluation, '/Evaluations');
    one('GET', '', 200, async () => fx.raw('GET', `${path}/${(await evaluation()).bundle}/Evaluations`), '/Evaluations');
    one('GET', '/x', 200, async () => {
      const e = await evaluation();
      return fx.raw('GET', `${path}/${e.bundle}/Evaluations/${e.evaluation.body.sid}`);
    }, '/Evaluations');
  }
  for (const [path, type] of [['/v1/EndUsers', 'authorized_representative_1'], ['/v1/SupportingDocuments', 'customer_profile_address']] as const) {
    const create = async () => {
      const attributes = path === '/v1/EndUsers' ? { first_name: 'Ada' } : { address_sids: (await trustHubFixtures()).address };
      return fx.raw('POST', path, { FriendlyName: 'x', Type: type, Attributes: JSON.stringify(attributes) });
    };
    const entry = (m: string, withSid: boolean, status: number, call: Case['call']) =>
      cases.push({ name: `${m} ${path}${withSid ? '/{Sid}' : ''}`, route: [m, `${path}${withSid ? '/:Sid' : ''}`], spec: [trusthub, m, `${path}${withSid ? '/{Sid}' : ''}`], status, call });
    entry('POST', false, 201, create);
    entry('GET', false, 200, async () => (await create(), fx.raw('GET', path)));
    entry('GET', true, 200, async () => fx.raw('GET', `${path}/${(await create()).body.sid}`));
    entry('POST', true, 200, async () => fx.raw('POST', `${path}/${(await create()).body.sid}`, { FriendlyName: 'y' }));
    entry('DELETE', true, 204, async () => fx.raw('DELETE', `${path}/${(await create()).body.sid}`));
  }
  cases.push(
    { name: 'list policies', route: ['GET', '/v1/Policies'], spec: [trusthub, 'GET', '/v1/Policies'], status: 200, call: () => fx.raw('GET', '/v1/Policies') },
    { name: 'fetch a policy', route: ['GET', '/v1/Policies/:Sid'], spec: [trusthub, 'GET', '/v1/Policies/{Sid}'], status: 200, call: () => fx.raw('GET', '/v1/Policies/RNdfbf3fae0e1107f8aded0e7cead80bf5') },
    { name: 'create an address', route: ['POST', '/2010-04-01/Accounts/:AccountSid/Addresses.json'], spec: [api, 'POST', `${A}/Addresses.json`], status: 201, call: async () => fx.raw('GET', `${fx.base}/Addresses/${(await trustHubFixtures()).address}.json`).then(() => fx.raw('POST', `${fx.base}/Addresses.json`, { CustomerName: 'A', Street: 'S', City: 'C', Region: 'IL', PostalCode: '62701', IsoCountry: 'US' })) },
    { name: 'list addresses', route: ['GET', '/2010-04-01/Accounts/:AccountSid/Addresses.json'], spec: [api, 'GET', `${A}/Addresses.json`], status: 200, call: () => fx.raw('GET', `${fx.base}/Addresses.json`) },
    { name: 'fetch an address', route: ['GET', '/2010-04-01/Accounts/:AccountSid/Addresses/:Sid'], spec: [api, 'GET', `${A}/Addresses/{Sid}.json`], status: 200, call: async () => fx.raw('GET', `${fx.base}/Addresses/${(await trustHubFixtures()).address}.json`) },
  );
  return cases;
}

describe('every sandbox response validates against Twilio’s OpenAPI spec', () => {
  it.each(cases)('$name', async (c) => {
    const res = await c.call();
    expect(res.status).toBe(c.status);
    expect(validator.validate(c.spec[0], c.spec[1], c.spec[2], c.status, res.body)).toEqual([]);
  });

  it('covers every Twilio route the sandbox serves', () => {
    const served = fx.sandbox.routes.filter((r) => !r.url.startsWith('/__sandbox')).map((r) => `${r.method} ${r.url}`);
    const covered = new Set(cases.map((c) => `${c.route[0]} ${c.route[1]}`));
    expect(served.filter((r) => !covered.has(r))).toEqual([]);
    expect([...covered].filter((r) => !served.includes(r))).toEqual([]);
  });

  it('the validator itself catches a wrong type and an undeclared property', () => {
    const problems = validator.validate(api, 'GET', `${A}/IncomingPhoneNumbers/{Sid}.json`, 200, { sid: 12, surprise: true });
    expect(problems.join('\n')).toMatch(/sid/);
    expect(problems.join('\n')).toMatch(/surprise is not declared/);
  });
});

describe('errors use Twilio’s error shape (the spec declares no error schemas for these routes)', () => {
  const twilioError = (code: number, status: number) =>
    expect.objectContaining({ code, status, message: expect.any(String), more_info: `https://www.twilio.com/docs/errors/${code}` });

  it('21422 for a number that is not available', async () => {
    const bought = await buyOne('617');
    const again = await fx.raw('POST', `${fx.base}/IncomingPhoneNumbers.json`, { PhoneNumber: bought.body.phone_number });
    expect(again.status).toBe(400);
    expect(again.body).toEqual(twilioError(21422, 400));
  });

  it('20404 for an unknown SID, 20003 for bad credentials', async () => {
    const missing = await fx.raw('GET', `${fx.base}/IncomingPhoneNumbers/PN${'0'.repeat(32)}.json`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(twilioError(20404, 404));
    const unauth = await fx.raw('GET', `${fx.base}/IncomingPhoneNumbers.json`, undefined, { authorization: 'Basic eDp5' });
    expect(unauth.status).toBe(401);
    expect(unauth.body).toEqual(twilioError(20003, 401));
  });

  it('20429 when the concurrency cap is exceeded', async () => {
    await fx.control('POST', 'faults', { concurrencyLimit: 1, latencyMs: 200 });
    const results = await Promise.all([1, 2].map(() => fx.raw('GET', `${fx.base}/IncomingPhoneNumbers.json`)));
    await fx.control('DELETE', 'faults');
    const rejected = results.find((r) => r.status === 429);
    expect(rejected?.body).toEqual(twilioError(20429, 429));
    expect(rejected?.headers.get('twilio-concurrent-requests')).toBe('2');
  });
});
