import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { servedSpecFiles } from '../../sandbox/openapi-spec';
import { routesWithoutOperation } from '../../sandbox/spec-exceptions';
import { OpenApiValidator, specDir } from './openapi-validator';
import { startSandbox } from './sandbox-fixture';

type Fixture = Awaited<ReturnType<typeof startSandbox>>;
let fx: Fixture;
const validator = new OpenApiValidator();
const api = 'twilio_api_v2010.json';
const trusthub = 'twilio_trusthub_v1.json';
const messaging = 'twilio_messaging_v1.json';
const events = 'twilio_events_v1.json';
const trunking = 'twilio_trunking_v1.json';
const lookups = 'twilio_lookups_v2.json';
const A = '/2010-04-01/Accounts/{AccountSid}';

beforeAll(async () => {
  fx = await startSandbox();
  await fx.control('POST', 'faults', { a2pPacingMs: 0 });
});
afterAll(async () => fx.close());

async function available(type: 'Local' | 'TollFree', areaCode?: string): Promise<string> {
  const found = await fx.raw('GET', `${fx.base}/AvailablePhoneNumbers/US/${type}.json?${areaCode ? `AreaCode=${areaCode}&` : ''}PageSize=1`);
  return found.body.available_phone_numbers[0].phone_number;
}

async function buyOne(areaCode: string) {
  return fx.raw('POST', `${fx.base}/IncomingPhoneNumbers.json`, { PhoneNumber: await available('Local', areaCode) });
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
    // The spec's Local.json and TollFree.json take a PhoneNumber (required), not an AreaCode.
    name: 'buy a local number',
    route: ['POST', '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/Local.json'],
    spec: [api, 'POST', `${A}/IncomingPhoneNumbers/Local.json`],
    status: 201,
    call: async () =>
      fx.raw('POST', `${fx.base}/IncomingPhoneNumbers/Local.json`, { PhoneNumber: await available('Local', '312'), VoiceUrl: 'https://example.com/v' }),
  },
  {
    name: 'buy a toll-free number',
    route: ['POST', '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/TollFree.json'],
    spec: [api, 'POST', `${A}/IncomingPhoneNumbers/TollFree.json`],
    status: 201,
    call: async () => fx.raw('POST', `${fx.base}/IncomingPhoneNumbers/TollFree.json`, { PhoneNumber: await available('TollFree') }),
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
  ...messagingCases(),
  ...eventsCases(),
  ...lookupsCases(),
  ...trunkingCases(),
  ...sipListCases(),
  ...credentialCases(),
  ...accountCases(),
];

const day = 86_400_000;

/** An approved secondary profile and A2P trust product: what a brand needs. */
async function approvedBundles() {
  const make = async (path: string, policy: string) => {
    const b = (await fx.raw('POST', path, { FriendlyName: 'Acme', Email: 'ops@acme.com', PolicySid: policy })).body.sid as string;
    await fx.control('POST', 'outcomes', { sid: b, outcome: 'approve' });
    return b;
  };
  const primary = (await fx.raw('GET', '/v1/CustomerProfiles?PolicySid=RN6433641899984f951173ef1738c3bdd0')).body.results[0].sid;
  const cp = await make('/v1/CustomerProfiles', 'RNdfbf3fae0e1107f8aded0e7cead80bf5');
  const { endUser, doc } = await trustHubFixtures();
  const rep = await fx.raw('POST', '/v1/EndUsers', { FriendlyName: 'rep', Type: 'authorized_representative_1', Attributes: JSON.stringify({ first_name: 'A', last_name: 'B', email: 'a@acme.com', phone_number: '+12175550100', business_title: 'CEO', job_position: 'CEO' }) });
  await fx.raw('POST', `/v1/EndUsers/${endUser}`, { Attributes: JSON.stringify({ business_name: 'Acme', business_type: 'Corporation', business_registration_identifier: 'EIN', business_registration_number: '12-3456789', business_identity: 'direct_customer', business_industry: 'TECHNOLOGY', website_url: 'https://acme.com', business_regions_of_operation: 'USA_AND_CANADA' }) });
  for (const o of [endUser, rep.body.sid, doc, primary]) await fx.raw('POST', `/v1/CustomerProfiles/${cp}/EntityAssignments`, { ObjectSid: o });
  const tp = await make('/v1/TrustProducts', 'RNb0d4771c2c98518d916a3d4cd70a8f8b');
  const info = await fx.raw('POST', '/v1/EndUsers', { FriendlyName: 'a2p', Type: 'us_a2p_messaging_profile_information', Attributes: JSON.stringify({ company_type: 'private', brand_contact_email: 'a@acme.com' }) });
  for (const o of [info.body.sid, cp]) await fx.raw('POST', `/v1/TrustProducts/${tp}/EntityAssignments`, { ObjectSid: o });
  for (const [path, sid] of [['/v1/CustomerProfiles', cp], ['/v1/TrustProducts', tp]] as const) {
    const r = await fx.raw('POST', `${path}/${sid}`, { Status: 'pending-review' });
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  }
  await fx.control('POST', 'clock/advance', { ms: 3 * day });
  return { cp, tp };
}

async function brand(outcome: 'approve' | 'reject' = 'approve', brandType = 'STANDARD') {
  const { cp, tp } = await approvedBundles();
  const created = await fx.raw('POST', '/v1/a2p/BrandRegistrations', { CustomerProfileBundleSid: cp, A2PProfileBundleSid: tp, BrandType: brandType });
  await fx.control('POST', 'outcomes', { sid: created.body.sid, outcome });
  return created;
}

let tokens = 0;
async function vetting() {
  const b = (await brand()).body.sid;
  await fx.control('POST', 'clock/advance', { ms: 6 * day });
  tokens += 1;
  return fx.raw('POST', `/v1/a2p/BrandRegistrations/${b}/Vettings`, { VettingProvider: 'campaign-verify', VettingId: `cv|1.0|tcr|10dlc|9975c339-d46f-49b7-a399-${String(tokens).padStart(12, '0')}|GQ3SIGNATURE${tokens}` });
}

async function service() {
  return fx.raw('POST', '/v1/Services', { FriendlyName: 'Acme notifications', Usecase: 'notifications' });
}

async function campaign() {
  const b = (await brand()).body.sid;
  await fx.control('POST', 'clock/advance', { ms: 6 * day });
  const mg = (await service()).body.sid;
  const c = await fx.raw('POST', `/v1/Services/${mg}/Compliance/Usa2p`, {
    BrandRegistrationSid: b, Description: 'Appointment reminders sent to patients of Acme.', MessageFlow: 'Patients opt in on the booking form by checking a box.',
    MessageSamples: ['Acme: your appointment is tomorrow at 10am. Reply STOP to opt out.', 'Acme: your appointment was moved to Friday. Reply HELP for help.'],
    UsAppToPersonUsecase: 'ACCOUNT_NOTIFICATION', HasEmbeddedLinks: 'false', HasEmbeddedPhone: 'false',
  });
  return { mg, campaign: c };
}

async function serviceNumber() {
  const mg = (await service()).body.sid;
  const pn = (await fx.raw('POST', `${fx.base}/IncomingPhoneNumbers.json`, { AreaCode: '415' })).body.sid;
  return { mg, pn, added: await fx.raw('POST', `/v1/Services/${mg}/PhoneNumbers`, { PhoneNumberSid: pn }) };
}

function messagingCases(): Case[] {
  const c = (name: string, m: string, route: string, spec: string, status: number, call: Case['call']): Case => ({ name, route: [m, route], spec: [messaging, m, spec], status, call });
  return [
    c('register a brand', 'POST', '/v1/a2p/BrandRegistrations', '/v1/a2p/BrandRegistrations', 201, () => brand()),
    c('list brands', 'GET', '/v1/a2p/BrandRegistrations', '/v1/a2p/BrandRegistrations', 200, async () => (await brand(), fx.raw('GET', '/v1/a2p/BrandRegistrations'))),
    c('fetch a brand', 'GET', '/v1/a2p/BrandRegistrations/:Sid', '/v1/a2p/BrandRegistrations/{Sid}', 200, async () => fx.raw('GET', `/v1/a2p/BrandRegistrations/${(await brand()).body.sid}`)),
    c('resubmit a failed brand', 'POST', '/v1/a2p/BrandRegistrations/:Sid', '/v1/a2p/BrandRegistrations/{Sid}', 202, async () => {
      const b = (await brand('reject')).body.sid;
      await fx.control('POST', 'clock/advance', { ms: 6 * day });
      return fx.raw('POST', `/v1/a2p/BrandRegistrations/${b}`);
    }),
    c('resend a Sole Proprietor OTP', 'POST', '/v1/a2p/BrandRegistrations/:BrandRegistrationSid/SmsOtp', '/v1/a2p/BrandRegistrations/{BrandRegistrationSid}/SmsOtp', 201, async () => {
      const b = (await brand('approve', 'SOLE_PROPRIETOR')).body.sid;
      await fx.control('POST', 'clock/advance', { ms: 6 * day });
      return fx.raw('POST', `/v1/a2p/BrandRegistrations/${b}/SmsOtp`);
    }),
    c('import a Campaign Verify token', 'POST', '/v1/a2p/BrandRegistrations/:BrandSid/Vettings', '/v1/a2p/BrandRegistrations/{BrandSid}/Vettings', 201, () => vetting()),
    c('list vettings', 'GET', '/v1/a2p/BrandRegistrations/:BrandSid/Vettings', '/v1/a2p/BrandRegistrations/{BrandSid}/Vettings', 200, async () =>
      fx.raw('GET', `/v1/a2p/BrandRegistrations/${(await vetting()).body.brand_sid}/Vettings?VettingProvider=campaign-verify`)),
    c('fetch a vetting', 'GET', '/v1/a2p/BrandRegistrations/:BrandSid/Vettings/:Sid', '/v1/a2p/BrandRegistrations/{BrandSid}/Vettings/{BrandVettingSid}', 200, async () => {
      const v = (await vetting()).body;
      return fx.raw('GET', `/v1/a2p/BrandRegistrations/${v.brand_sid}/Vettings/${v.brand_vetting_sid}`);
    }),
    c('create a service', 'POST', '/v1/Services', '/v1/Services', 201, service),
    c('list services', 'GET', '/v1/Services', '/v1/Services', 200, async () => (await service(), fx.raw('GET', '/v1/Services'))),
    c('service use cases', 'GET', '/v1/Services/Usecases', '/v1/Services/Usecases', 200, () => fx.raw('GET', '/v1/Services/Usecases')),
    c('fetch a service', 'GET', '/v1/Services/:Sid', '/v1/Services/{Sid}', 200, async () => fx.raw('GET', `/v1/Services/${(await service()).body.sid}`)),
    c('update a service', 'POST', '/v1/Services/:Sid', '/v1/Services/{Sid}', 200, async () => fx.raw('POST', `/v1/Services/${(await service()).body.sid}`, { FriendlyName: 'x' })),
    c('delete a service', 'DELETE', '/v1/Services/:Sid', '/v1/Services/{Sid}', 204, async () => fx.raw('DELETE', `/v1/Services/${(await service()).body.sid}`)),
    c('add a number to a service', 'POST', '/v1/Services/:ServiceSid/PhoneNumbers', '/v1/Services/{ServiceSid}/PhoneNumbers', 201, async () => (await serviceNumber()).added),
    c('list service numbers', 'GET', '/v1/Services/:ServiceSid/PhoneNumbers', '/v1/Services/{ServiceSid}/PhoneNumbers', 200, async () => fx.raw('GET', `/v1/Services/${(await serviceNumber()).mg}/PhoneNumbers`)),
    c('fetch a service number', 'GET', '/v1/Services/:ServiceSid/PhoneNumbers/:Sid', '/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}', 200, async () => {
      const n = await serviceNumber();
      return fx.raw('GET', `/v1/Services/${n.mg}/PhoneNumbers/${n.pn}`);
    }),
    c('remove a service number', 'DELETE', '/v1/Services/:ServiceSid/PhoneNumbers/:Sid', '/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}', 204, async () => {
      const n = await serviceNumber();
      return fx.raw('DELETE', `/v1/Services/${n.mg}/PhoneNumbers/${n.pn}`);
    }),
    c('create a campaign', 'POST', '/v1/Services/:MessagingServiceSid/Compliance/Usa2p', '/v1/Services/{MessagingServiceSid}/Compliance/Usa2p', 201, async () => (await campaign()).campaign),
    c('list campaigns', 'GET', '/v1/Services/:MessagingServiceSid/Compliance/Usa2p', '/v1/Services/{MessagingServiceSid}/Compliance/Usa2p', 200, async () => fx.raw('GET', `/v1/Services/${(await campaign()).mg}/Compliance/Usa2p`)),
    c('campaign use cases', 'GET', '/v1/Services/:MessagingServiceSid/Compliance/Usa2p/Usecases', '/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/Usecases', 200, async () => fx.raw('GET', `/v1/Services/${(await service()).body.sid}/Compliance/Usa2p/Usecases`)),
    c('fetch a campaign', 'GET', '/v1/Services/:MessagingServiceSid/Compliance/Usa2p/:Sid', '/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}', 200, async () => {
      const x = await campaign();
      return fx.raw('GET', `/v1/Services/${x.mg}/Compliance/Usa2p/${x.campaign.body.sid}`);
    }),
    c('update a campaign', 'POST', '/v1/Services/:MessagingServiceSid/Compliance/Usa2p/:Sid', '/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}', 200, async () => {
      const x = await campaign();
      return fx.raw('POST', `/v1/Services/${x.mg}/Compliance/Usa2p/${x.campaign.body.sid}`, {
        Description: 'Appointment reminders sent to patients of Acme.', MessageFlow: 'Patients opt in on the booking form by checking a box.',
        MessageSamples: ['Acme: your appointment is tomorrow at 10am. Reply STOP to opt out.', 'Acme: see you soon at Acme. Reply HELP for help.'],
        HasEmbeddedLinks: 'false', HasEmbeddedPhone: 'false', AgeGated: 'false', DirectLending: 'false',
      });
    }),
    c('delete a campaign', 'DELETE', '/v1/Services/:MessagingServiceSid/Compliance/Usa2p/:Sid', '/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}', 204, async () => {
      const x = await campaign();
      return fx.raw('DELETE', `/v1/Services/${x.mg}/Compliance/Usa2p/${x.campaign.body.sid}`);
    }),
  ];
}

function lookupsCases(): Case[] {
  const all = 'line_type_intelligence,caller_name,sms_pumping_risk,reassigned_number';
  return [
    { name: 'look up a number with every package', route: ['GET', '/v2/PhoneNumbers/:PhoneNumber'], spec: [lookups, 'GET', '/v2/PhoneNumbers/{PhoneNumber}'], status: 200,
      call: () => fx.raw('GET', `/v2/PhoneNumbers/${encodeURIComponent('+14155550312')}?Fields=${all}&LastVerifiedDate=20240101`) },
    { name: 'look up numbers in a batch', route: ['POST', '/v2/batch/query'], spec: [lookups, 'POST', '/v2/batch/query'], status: 200,
      call: () => fx.rawJson('POST', '/v2/batch/query', { phone_numbers: [{ correlation_id: 'a', phone_number: '+14155550100', fields: ['line_type_intelligence'] }, { correlation_id: 'b', phone_number: '+14155550977' }] }) },
  ];
}

function eventsCases(): Case[] {
  const sink = () => fx.raw('POST', '/v1/Sinks', { Description: 'a2p', SinkType: 'webhook', SinkConfiguration: JSON.stringify({ destination: 'https://example.com/events', method: 'POST', batch_events: false }) });
  const subscription = async () =>
    fx.raw('POST', '/v1/Subscriptions', { Description: 'a2p', SinkSid: (await sink()).body.sid, Types: [JSON.stringify({ type: 'com.twilio.messaging.compliance.brand-registration.brand-registered', schema_version: 1 })] });
  const c = (name: string, m: string, route: string, spec: string, status: number, call: Case['call']): Case => ({ name, route: [m, route], spec: [events, m, spec], status, call });
  return [
    c('create a sink', 'POST', '/v1/Sinks', '/v1/Sinks', 201, sink),
    c('list sinks', 'GET', '/v1/Sinks', '/v1/Sinks', 200, async () => (await sink(), fx.raw('GET', '/v1/Sinks'))),
    c('fetch a sink', 'GET', '/v1/Sinks/:Sid', '/v1/Sinks/{Sid}', 200, async () => fx.raw('GET', `/v1/Sinks/${(await sink()).body.sid}`)),
    c('update a sink', 'POST', '/v1/Sinks/:Sid', '/v1/Sinks/{Sid}', 200, async () => fx.raw('POST', `/v1/Sinks/${(await sink()).body.sid}`, { Description: 'b' })),
    c('delete a sink', 'DELETE', '/v1/Sinks/:Sid', '/v1/Sinks/{Sid}', 204, async () => fx.raw('DELETE', `/v1/Sinks/${(await sink()).body.sid}`)),
    c('create a subscription', 'POST', '/v1/Subscriptions', '/v1/Subscriptions', 201, subscription),
    c('list subscriptions', 'GET', '/v1/Subscriptions', '/v1/Subscriptions', 200, async () => (await subscription(), fx.raw('GET', '/v1/Subscriptions'))),
    c('fetch a subscription', 'GET', '/v1/Subscriptions/:Sid', '/v1/Subscriptions/{Sid}', 200, async () => fx.raw('GET', `/v1/Subscriptions/${(await subscription()).body.sid}`)),
    c('update a subscription', 'POST', '/v1/Subscriptions/:Sid', '/v1/Subscriptions/{Sid}', 200, async () => fx.raw('POST', `/v1/Subscriptions/${(await subscription()).body.sid}`, { Description: 'b' })),
    c('delete a subscription', 'DELETE', '/v1/Subscriptions/:Sid', '/v1/Subscriptions/{Sid}', 204, async () => fx.raw('DELETE', `/v1/Subscriptions/${(await subscription()).body.sid}`)),
  ];
}

// Declarations, not arrows: `cases` is built before this point of the module runs.
let unique = 0;
function next() {
  return `${Date.now().toString(36)}${(unique += 1)}`;
}
function trunk() {
  return fx.raw('POST', '/v1/Trunks', { FriendlyName: 'Acme', DomainName: `acme-${next()}.pstn.twilio.com`, DisasterRecoveryUrl: 'https://example.com/dr' });
}
function credentialList() {
  return fx.raw('POST', `${fx.base}/SIP/CredentialLists.json`, { FriendlyName: `cl-${next()}` });
}
function ipAcl() {
  return fx.raw('POST', `${fx.base}/SIP/IpAccessControlLists.json`, { FriendlyName: `acl-${next()}` });
}

function trunkingCases(): Case[] {
  const c = (name: string, m: string, route: string, status: number, call: Case['call']): Case => ({
    name, route: [m, route], spec: [trunking, m, route.replace(/:(\w+)/g, '{$1}')], status, call,
  });
  const sid = async () => (await trunk()).body.sid as string;
  const origination = async () => {
    const t = await sid();
    const o = await fx.raw('POST', `/v1/Trunks/${t}/OriginationUrls`, { SipUrl: 'sip:pbx.example.com:5060', FriendlyName: 'pbx', Weight: '10', Priority: '10', Enabled: 'true' });
    return { t, o };
  };
  const number = async () => {
    const t = await sid();
    const pn = (await buyOne('415')).body.sid as string;
    return { t, pn, added: await fx.raw('POST', `/v1/Trunks/${t}/PhoneNumbers`, { PhoneNumberSid: pn }) };
  };
  const cases: Case[] = [
    c('create a trunk', 'POST', '/v1/Trunks', 201, trunk),
    c('list trunks', 'GET', '/v1/Trunks', 200, async () => (await trunk(), fx.raw('GET', '/v1/Trunks?PageSize=2'))),
    c('fetch a trunk', 'GET', '/v1/Trunks/:Sid', 200, async () => fx.raw('GET', `/v1/Trunks/${await sid()}`)),
    c('update a trunk', 'POST', '/v1/Trunks/:Sid', 200, async () =>
      fx.raw('POST', `/v1/Trunks/${await sid()}`, { Secure: 'true', TransferMode: 'sip-only', TransferCallerId: 'from-transferor', CnamLookupEnabled: 'true' })),
    c('delete a trunk', 'DELETE', '/v1/Trunks/:Sid', 204, async () => fx.raw('DELETE', `/v1/Trunks/${await sid()}`)),
    c('create an origination URL', 'POST', '/v1/Trunks/:TrunkSid/OriginationUrls', 201, async () => (await origination()).o),
    c('list origination URLs', 'GET', '/v1/Trunks/:TrunkSid/OriginationUrls', 200, async () => fx.raw('GET', `/v1/Trunks/${(await origination()).t}/OriginationUrls`)),
    c('fetch an origination URL', 'GET', '/v1/Trunks/:TrunkSid/OriginationUrls/:Sid', 200, async () => {
      const { t, o } = await origination();
      return fx.raw('GET', `/v1/Trunks/${t}/OriginationUrls/${o.body.sid}`);
    }),
    c('update an origination URL', 'POST', '/v1/Trunks/:TrunkSid/OriginationUrls/:Sid', 200, async () => {
      const { t, o } = await origination();
      return fx.raw('POST', `/v1/Trunks/${t}/OriginationUrls/${o.body.sid}`, { Weight: '20', Priority: '0', Enabled: 'false' });
    }),
    c('delete an origination URL', 'DELETE', '/v1/Trunks/:TrunkSid/OriginationUrls/:Sid', 204, async () => {
      const { t, o } = await origination();
      return fx.raw('DELETE', `/v1/Trunks/${t}/OriginationUrls/${o.body.sid}`);
    }),
    c('add a number to a trunk', 'POST', '/v1/Trunks/:TrunkSid/PhoneNumbers', 201, async () => (await number()).added),
    c('list trunk numbers', 'GET', '/v1/Trunks/:TrunkSid/PhoneNumbers', 200, async () => fx.raw('GET', `/v1/Trunks/${(await number()).t}/PhoneNumbers`)),
    c('fetch a trunk number', 'GET', '/v1/Trunks/:TrunkSid/PhoneNumbers/:Sid', 200, async () => {
      const { t, pn } = await number();
      return fx.raw('GET', `/v1/Trunks/${t}/PhoneNumbers/${pn}`);
    }),
    c('remove a trunk number', 'DELETE', '/v1/Trunks/:TrunkSid/PhoneNumbers/:Sid', 204, async () => {
      const { t, pn } = await number();
      return fx.raw('DELETE', `/v1/Trunks/${t}/PhoneNumbers/${pn}`);
    }),
    c('fetch recording settings', 'GET', '/v1/Trunks/:TrunkSid/Recording', 200, async () => fx.raw('GET', `/v1/Trunks/${await sid()}/Recording`)),
    c('update recording settings', 'POST', '/v1/Trunks/:TrunkSid/Recording', 200, async () =>
      fx.raw('POST', `/v1/Trunks/${await sid()}/Recording`, { Mode: 'record-from-answer-dual', Trim: 'trim-silence' })),
  ];
  for (const [path, param, make] of [['CredentialLists', 'CredentialListSid', credentialList], ['IpAccessControlLists', 'IpAccessControlListSid', ipAcl]] as const) {
    const associated = async () => {
      const t = await sid();
      const list = (await make()).body.sid as string;
      return { t, list, added: await fx.raw('POST', `/v1/Trunks/${t}/${path}`, { [param]: list }) };
    };
    cases.push(
      c(`associate ${path}`, 'POST', `/v1/Trunks/:TrunkSid/${path}`, 201, async () => (await associated()).added),
      c(`list associated ${path}`, 'GET', `/v1/Trunks/:TrunkSid/${path}`, 200, async () => fx.raw('GET', `/v1/Trunks/${(await associated()).t}/${path}`)),
      c(`fetch an associated ${path}`, 'GET', `/v1/Trunks/:TrunkSid/${path}/:Sid`, 200, async () => {
        const { t, list } = await associated();
        return fx.raw('GET', `/v1/Trunks/${t}/${path}/${list}`);
      }),
      c(`dissociate ${path}`, 'DELETE', `/v1/Trunks/:TrunkSid/${path}/:Sid`, 204, async () => {
        const { t, list } = await associated();
        return fx.raw('DELETE', `/v1/Trunks/${t}/${path}/${list}`);
      }),
    );
  }
  return cases;
}

function sipListCases(): Case[] {
  const R = '/2010-04-01/Accounts/:AccountSid/SIP';
  const c = (name: string, m: string, route: string, status: number, call: Case['call']): Case => ({
    name, route: [m, `${R}${route}`],
    // Fastify's `:Sid` carries `.json`; the spec's `{Sid}.json` spells it out.
    spec: [api, m, `${A}/SIP${route.replace(/:Sid$/, '{Sid}.json').replace(/:(\w+)/g, '{$1}')}`], status, call,
  });
  const credential = async () => {
    const list = (await credentialList()).body.sid as string;
    return { list, cr: await fx.raw('POST', `${fx.base}/SIP/CredentialLists/${list}/Credentials.json`, { Username: `u${next()}`, Password: 'IWasAtSignal2018' }) };
  };
  const address = async () => {
    const acl = (await ipAcl()).body.sid as string;
    return { acl, ip: await fx.raw('POST', `${fx.base}/SIP/IpAccessControlLists/${acl}/IpAddresses.json`, { FriendlyName: 'office', IpAddress: '203.0.113.10', CidrPrefixLength: '30' }) };
  };
  const S = () => `${fx.base}/SIP`;
  return [
    c('create a credential list', 'POST', '/CredentialLists.json', 201, credentialList),
    c('list credential lists', 'GET', '/CredentialLists.json', 200, async () => (await credentialList(), fx.raw('GET', `${S()}/CredentialLists.json?PageSize=2`))),
    c('fetch a credential list', 'GET', '/CredentialLists/:Sid', 200, async () => fx.raw('GET', `${S()}/CredentialLists/${(await credentialList()).body.sid}.json`)),
    c('rename a credential list', 'POST', '/CredentialLists/:Sid', 200, async () => fx.raw('POST', `${S()}/CredentialLists/${(await credentialList()).body.sid}.json`, { FriendlyName: `cl-${next()}` })),
    c('delete a credential list', 'DELETE', '/CredentialLists/:Sid', 204, async () => fx.raw('DELETE', `${S()}/CredentialLists/${(await credentialList()).body.sid}.json`)),
    c('create a credential', 'POST', '/CredentialLists/:CredentialListSid/Credentials.json', 201, async () => (await credential()).cr),
    c('list credentials', 'GET', '/CredentialLists/:CredentialListSid/Credentials.json', 200, async () => fx.raw('GET', `${S()}/CredentialLists/${(await credential()).list}/Credentials.json`)),
    c('fetch a credential', 'GET', '/CredentialLists/:CredentialListSid/Credentials/:Sid', 200, async () => {
      const { list, cr } = await credential();
      return fx.raw('GET', `${S()}/CredentialLists/${list}/Credentials/${cr.body.sid}.json`);
    }),
    c('change a credential password', 'POST', '/CredentialLists/:CredentialListSid/Credentials/:Sid', 200, async () => {
      const { list, cr } = await credential();
      return fx.raw('POST', `${S()}/CredentialLists/${list}/Credentials/${cr.body.sid}.json`, { Password: 'AnotherGood1Password' });
    }),
    c('delete a credential', 'DELETE', '/CredentialLists/:CredentialListSid/Credentials/:Sid', 204, async () => {
      const { list, cr } = await credential();
      return fx.raw('DELETE', `${S()}/CredentialLists/${list}/Credentials/${cr.body.sid}.json`);
    }),
    c('create an IP ACL', 'POST', '/IpAccessControlLists.json', 201, ipAcl),
    c('list IP ACLs', 'GET', '/IpAccessControlLists.json', 200, async () => (await ipAcl(), fx.raw('GET', `${S()}/IpAccessControlLists.json?PageSize=2`))),
    c('fetch an IP ACL', 'GET', '/IpAccessControlLists/:Sid', 200, async () => fx.raw('GET', `${S()}/IpAccessControlLists/${(await ipAcl()).body.sid}.json`)),
    c('rename an IP ACL', 'POST', '/IpAccessControlLists/:Sid', 200, async () => fx.raw('POST', `${S()}/IpAccessControlLists/${(await ipAcl()).body.sid}.json`, { FriendlyName: `acl-${next()}` })),
    c('delete an IP ACL', 'DELETE', '/IpAccessControlLists/:Sid', 204, async () => fx.raw('DELETE', `${S()}/IpAccessControlLists/${(await ipAcl()).body.sid}.json`)),
    c('add an IP address', 'POST', '/IpAccessControlLists/:IpAccessControlListSid/IpAddresses.json', 201, async () => (await address()).ip),
    c('list IP addresses', 'GET', '/IpAccessControlLists/:IpAccessControlListSid/IpAddresses.json', 200, async () => fx.raw('GET', `${S()}/IpAccessControlLists/${(await address()).acl}/IpAddresses.json`)),
    c('fetch an IP address', 'GET', '/IpAccessControlLists/:IpAccessControlListSid/IpAddresses/:Sid', 200, async () => {
      const { acl, ip } = await address();
      return fx.raw('GET', `${S()}/IpAccessControlLists/${acl}/IpAddresses/${ip.body.sid}.json`);
    }),
    c('update an IP address', 'POST', '/IpAccessControlLists/:IpAccessControlListSid/IpAddresses/:Sid', 200, async () => {
      const { acl, ip } = await address();
      return fx.raw('POST', `${S()}/IpAccessControlLists/${acl}/IpAddresses/${ip.body.sid}.json`, { IpAddress: '198.51.100.7', CidrPrefixLength: '32' });
    }),
    c('delete an IP address', 'DELETE', '/IpAccessControlLists/:IpAccessControlListSid/IpAddresses/:Sid', 204, async () => {
      const { acl, ip } = await address();
      return fx.raw('DELETE', `${S()}/IpAccessControlLists/${acl}/IpAddresses/${ip.body.sid}.json`);
    }),
  ];
}

/** A business-information end user, an address document, and a draft profile with both attached. */
/** 2010 Accounts: the configured account's subaccounts (suspending one changes nothing else). */
function accountCases(): Case[] {
  const sub = async () => (await fx.raw('POST', '/2010-04-01/Accounts.json', { FriendlyName: 'Tenant' })).body.sid as string;
  const c = (name: string, m: string, route: string, spec: string, status: number, call: Case['call']): Case => ({ name, route: [m, route], spec: [api, m, spec], status, call });
  return [
    c('create a subaccount', 'POST', '/2010-04-01/Accounts.json', '/2010-04-01/Accounts.json', 201, () => fx.raw('POST', '/2010-04-01/Accounts.json', { FriendlyName: 'Tenant' })),
    c('list accounts', 'GET', '/2010-04-01/Accounts.json', '/2010-04-01/Accounts.json', 200, async () => (await sub(), fx.raw('GET', '/2010-04-01/Accounts.json?Status=active&PageSize=2'))),
    c('fetch a subaccount', 'GET', '/2010-04-01/Accounts/:Sid', '/2010-04-01/Accounts/{Sid}.json', 200, async () => fx.raw('GET', `/2010-04-01/Accounts/${await sub()}.json`)),
    c('suspend a subaccount', 'POST', '/2010-04-01/Accounts/:Sid', '/2010-04-01/Accounts/{Sid}.json', 200, async () =>
      fx.raw('POST', `/2010-04-01/Accounts/${await sub()}.json`, { FriendlyName: 'Tenant (suspended)', Status: 'suspended' })),
  ];
}

/** Accounts v1 auth tokens and 2010 Keys; the promote runs on an account of its own (it changes the token). */
function credentialCases(): Case[] {
  const accounts = 'twilio_accounts_v1.json';
  const key = async () => (await fx.raw('POST', `${fx.base}/Keys.json`, { FriendlyName: 'worker' })).body.sid as string;
  return [
    { name: 'create a secondary auth token', route: ['POST', '/v1/AuthTokens/Secondary'], spec: [accounts, 'POST', '/v1/AuthTokens/Secondary'], status: 201, call: () => fx.raw('POST', '/v1/AuthTokens/Secondary') },
    {
      name: 'delete the secondary auth token', route: ['DELETE', '/v1/AuthTokens/Secondary'], spec: [accounts, 'DELETE', '/v1/AuthTokens/Secondary'], status: 204,
      call: async () => (await fx.raw('POST', '/v1/AuthTokens/Secondary'), fx.raw('DELETE', '/v1/AuthTokens/Secondary')),
    },
    {
      name: 'promote the secondary auth token', route: ['POST', '/v1/AuthTokens/Promote'], spec: [accounts, 'POST', '/v1/AuthTokens/Promote'], status: 200,
      call: async () => {
        const { sid, authToken } = (await fx.control('POST', 'accounts', {})).body as { sid: string; authToken: string };
        const auth = { authorization: `Basic ${Buffer.from(`${sid}:${authToken}`).toString('base64')}` };
        await fx.raw('POST', '/v1/AuthTokens/Secondary', undefined, auth);
        return fx.raw('POST', '/v1/AuthTokens/Promote', undefined, auth);
      },
    },
    { name: 'create an API key', route: ['POST', `/2010-04-01/Accounts/:AccountSid/Keys.json`], spec: [api, 'POST', `${A}/Keys.json`], status: 201, call: () => fx.raw('POST', `${fx.base}/Keys.json`, { FriendlyName: 'worker' }) },
    { name: 'list API keys', route: ['GET', `/2010-04-01/Accounts/:AccountSid/Keys.json`], spec: [api, 'GET', `${A}/Keys.json`], status: 200, call: async () => (await key(), fx.raw('GET', `${fx.base}/Keys.json?PageSize=2`)) },
    { name: 'fetch an API key', route: ['GET', `/2010-04-01/Accounts/:AccountSid/Keys/:Sid`], spec: [api, 'GET', `${A}/Keys/{Sid}.json`], status: 200, call: async () => fx.raw('GET', `${fx.base}/Keys/${await key()}.json`) },
    {
      name: 'update an API key', route: ['POST', `/2010-04-01/Accounts/:AccountSid/Keys/:Sid`], spec: [api, 'POST', `${A}/Keys/{Sid}.json`], status: 200,
      call: async () => fx.raw('POST', `${fx.base}/Keys/${await key()}.json`, { FriendlyName: 'renamed' }),
    },
    { name: 'delete an API key', route: ['DELETE', `/2010-04-01/Accounts/:AccountSid/Keys/:Sid`], spec: [api, 'DELETE', `${A}/Keys/{Sid}.json`], status: 204, call: async () => fx.raw('DELETE', `${fx.base}/Keys/${await key()}.json`) },
  ];
}

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
  // Channel endpoint assignments: a number on a business profile, then on a SHAKEN/STIR trust product using that profile.
  const withNumberOn = async (path: '/v1/CustomerProfiles' | '/v1/TrustProducts') => {
    const number = (await buyOne('614')).body.sid as string;
    const profile = (await fx.raw('POST', '/v1/CustomerProfiles', { FriendlyName: 'Acme', Email: 'ops@acme.com', PolicySid: 'RNdfbf3fae0e1107f8aded0e7cead80bf5' })).body.sid as string;
    const onProfile = await fx.raw('POST', `/v1/CustomerProfiles/${profile}/ChannelEndpointAssignments`, { ChannelEndpointType: 'phone-number', ChannelEndpointSid: number });
    if (path === '/v1/CustomerProfiles') return { bundle: profile, assignment: onProfile };
    const product = (await fx.raw('POST', '/v1/TrustProducts', { FriendlyName: 'Acme SHAKEN', Email: 'ops@acme.com', PolicySid: 'RN7a97559effdf62d00f4298208492a5ea' })).body.sid as string;
    await fx.raw('POST', `/v1/TrustProducts/${product}/EntityAssignments`, { ObjectSid: profile });
    return { bundle: product, assignment: await fx.raw('POST', `/v1/TrustProducts/${product}/ChannelEndpointAssignments`, { ChannelEndpointType: 'phone-number', ChannelEndpointSid: number }) };
  };
  for (const [path, param] of [['/v1/CustomerProfiles', 'CustomerProfileSid'], ['/v1/TrustProducts', 'TrustProductSid']] as const) {
    const sub = '/ChannelEndpointAssignments';
    const entry = (m: string, withSid: boolean, status: number, call: Case['call']) =>
      cases.push({
        name: `${m} ${path}${sub}${withSid ? '/{Sid}' : ''}`,
        route: [m, `${path}/:${param}${sub}${withSid ? '/:Sid' : ''}`],
        spec: [trusthub, m, `${path}/{${param}}${sub}${withSid ? '/{Sid}' : ''}`],
        status,
        call,
      });
    entry('POST', false, 201, async () => (await withNumberOn(path)).assignment);
    entry('GET', false, 200, async () => {
      const { bundle, assignment } = await withNumberOn(path);
      return fx.raw('GET', `${path}/${bundle}${sub}?ChannelEndpointSid=${assignment.body.channel_endpoint_sid}`);
    });
    entry('GET', true, 200, async () => {
      const { bundle, assignment } = await withNumberOn(path);
      return fx.raw('GET', `${path}/${bundle}${sub}/${assignment.body.sid}`);
    });
    entry('DELETE', true, 204, async () => {
      const { bundle, assignment } = await withNumberOn(path);
      return fx.raw('DELETE', `${path}/${bundle}${sub}/${assignment.body.sid}`);
    });
  }
  // Toll-free verifications: one per toll-free number, rejected (cryptocurrency in the sample) when an edit is needed.
  const tollfree = async (sample = 'Acme: your order 123 has shipped. Reply STOP to opt out.') => {
    const found = await fx.raw('GET', `${fx.base}/AvailablePhoneNumbers/US/TollFree.json?PageSize=1`);
    const number = await fx.raw('POST', `${fx.base}/IncomingPhoneNumbers.json`, { PhoneNumber: found.body.available_phone_numbers[0].phone_number });
    return fx.raw('POST', '/v1/Tollfree/Verifications', {
      BusinessName: 'Acme', BusinessWebsite: 'https://acme.example', NotificationEmail: 'ops@acme.example', UseCaseCategories: ['ACCOUNT_NOTIFICATIONS'],
      UseCaseSummary: 'Order notifications for customers who opted in at checkout', ProductionMessageSample: sample,
      OptInImageUrls: ['https://acme.example/optin.png'], OptInType: 'WEB_FORM', MessageVolume: '1,000', TollfreePhoneNumberSid: number.body.sid,
      BusinessType: 'PRIVATE_PROFIT', BusinessRegistrationNumber: '12-3456789', BusinessRegistrationAuthority: 'EIN', ExternalReferenceId: 'ref-1',
    });
  };
  const tf = '/v1/Tollfree/Verifications';
  const tfCase = (m: string, withSid: boolean, status: number, call: Case['call']) =>
    cases.push({ name: `${m} ${tf}${withSid ? '/{Sid}' : ''}`, route: [m, `${tf}${withSid ? '/:Sid' : ''}`], spec: [messaging, m, `${tf}${withSid ? '/{Sid}' : ''}`], status, call });
  tfCase('POST', false, 201, () => tollfree());
  tfCase('GET', false, 200, async () => (await tollfree(), fx.raw('GET', `${tf}?ExternalReferenceId=ref-1&PageSize=2`)));
  tfCase('GET', true, 200, async () => fx.raw('GET', `${tf}/${(await tollfree()).body.sid}`));
  tfCase('POST', true, 202, async () => {
    const v = await tollfree('Buy bitcoin now');
    await fx.control('POST', 'clock/advance', { ms: 30 * 86_400_000 - 1 });
    await fx.control('POST', 'clock/advance', { ms: 1 });
    return fx.raw('POST', `${tf}/${v.body.sid}`, { ProductionMessageSample: 'Acme: your order shipped. Reply STOP to opt out.', EditReason: 'removed crypto' });
  });
  tfCase('DELETE', true, 204, async () => fx.raw('DELETE', `${tf}/${(await tollfree()).body.sid}`));
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

/**
 * Routes Twilio documents whose path the spec declares with no operation (so nothing to validate against):
 * the ones sandbox/spec-exceptions.ts lists, each checked here for the answer the sandbox gives instead.
 */
const specWithoutOperation = (r: { method: string; url: string }) => fx.sandbox.requests.operationOf(r.method, r.url) === 'exception';

describe('routes Twilio documents but its spec declares without an operation', () => {
  it('each listed exception is a path the spec declares without that operation', async () => {
    const specs = await Promise.all(servedSpecFiles.map(async (f) => JSON.parse(await readFile(path.join(specDir, f), 'utf8')) as { paths: Record<string, object> }));
    for (const key of Object.keys(routesWithoutOperation)) {
      const [method, specPath] = key.split(' ') as [string, string];
      const declared = specs.filter((s) => specPath in s.paths);
      expect(declared, key).toHaveLength(1);
      expect(Object.keys(declared[0]!.paths[specPath]!), key).not.toContain(method.toLowerCase());
    }
    expect(fx.sandbox.routes.filter(specWithoutOperation)).toEqual([{ method: 'POST', url: '/v1/a2p/BrandRegistrations/:BrandRegistrationSid/2fa' }]);
  });

  it('POST …/2fa: the path is in the spec, with no operation; the sandbox answers like SmsOtp', async () => {
    const b = (await brand()).body.sid;
    await fx.control('POST', 'clock/advance', { ms: 6 * day });
    // A private company's brand has no Authentication+: Twilio's refusal, in Twilio's error shape.
    const refused = await fx.raw('POST', `/v1/a2p/BrandRegistrations/${b}/2fa`);
    expect(refused).toMatchObject({ status: 400, body: { code: 21717, status: 400, more_info: 'https://www.twilio.com/docs/errors/21717' } });
  });
});

describe('every sandbox response validates against Twilio’s OpenAPI spec', () => {
  it.each(cases)('$name', async (c) => {
    const res = await c.call();
    expect(res.status).toBe(c.status);
    expect(validator.validate(c.spec[0], c.spec[1], c.spec[2], c.status, res.body)).toEqual([]);
  });

  it('covers every Twilio route the sandbox serves', () => {
    const served = fx.sandbox.routes.filter((r) => !r.url.startsWith('/__sandbox') && !specWithoutOperation(r)).map((r) => `${r.method} ${r.url}`);
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
