import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyThroughApi, createTestApi, newTenant, ownedInSandbox } from '../../helpers/stack';
import { runExample, runnableBlocks, startListeningApi, type DocBlock, type ExampleRun } from '../../helpers/doc-examples';

/**
 * Every runnable example (a ```sh block marked `<!-- example -->`) of the getting-started and concepts pages and the numbers,
 * SIP, lookups and number-health guides, run as written against the real API listening on a port, each on a
 * fresh tenant: a path, field or status an example gets wrong fails here. Each test then checks one thing the
 * example's text says it did, through the API. (The registration guides: doc-examples-registrations.test.ts.)
 */
const guides = ['docs/getting-started.md', 'docs/concepts.md', 'docs/products/numbers.md', 'docs/products/sip.md', 'docs/products/lookups.md', 'docs/products/number-health.md'];

type Tenant = Awaited<ReturnType<typeof newTenant>>;
type Check = (run: ExampleRun, tenant: Tenant) => Promise<void>;
/** What a reader would already have for an example that shows what they hold (e.g. pages of their numbers). */
type Prepare = (tenant: Tenant) => Promise<void>;

let api: Awaited<ReturnType<typeof createTestApi>>;
let base: string;
beforeAll(async () => {
  ({ api, base } = await startListeningApi());
});
afterAll(async () => api?.close());

async function get(tenant: Tenant, url: string): Promise<any> {
  const res = await api.app.inject({ method: 'GET', url, headers: tenant.headers });
  expect(res.statusCode, `GET ${url}: ${res.body}`).toBe(200);
  return res.json();
}

async function buyNumbers(tenant: Tenant, count: number): Promise<string[]> {
  const bought: string[] = [];
  for (let i = 0; i < count; i++) bought.push(await buyThroughApi(api.app, tenant.headers, '415'));
  return bought;
}

const prepares: Record<string, Prepare> = {
  'docs/concepts.md#Pagination': async (tenant) => void (await buyNumbers(tenant, 3)),
  'docs/concepts.md#Audit trail': async (tenant) => void (await buyNumbers(tenant, 1)),
};

/** What each example says it did, by page and the heading it sits under. */
const checks: Record<string, Check> = {
  'docs/concepts.md#Pagination': async (run, tenant) => {
    // Two pages of two and one, followed to the end: every number once, newest first.
    const numbers = ((await get(tenant, '/v1/numbers?limit=10')).data as { phoneNumber: string }[]).map((n) => n.phoneNumber);
    expect(numbers).toHaveLength(3);
    expect(run.stdout.trim().split('\n')).toEqual(numbers);
  },
  'docs/concepts.md#Audit trail': async (run) => {
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toMatch(/ {2}POST IncomingPhoneNumbers {2}PN[0-9a-f]{32} {2}201/);
  },
  'docs/concepts.md#Costs and the budget': async (_run, tenant) => {
    expect(await get(tenant, '/v1/costs')).toMatchObject({ budgetUsd: 250, totalUsd: 0 });
  },
  'docs/getting-started.md#2. Your API key': async (run) => {
    expect(JSON.parse(run.stdout).scopes).toContain('admin');
  },
  'docs/getting-started.md#3. First calls': async (_run, tenant) => {
    // One number bought by hand with its voice URL, two by the bulk job, all three held at the sandbox.
    const numbers = (await get(tenant, '/v1/numbers?limit=10')).data as { phoneNumber: string; status: string; config: { voiceUrl?: string }; jobId: string | null }[];
    expect(numbers.map((n) => n.status)).toEqual(['active', 'active', 'active']);
    expect(numbers.filter((n) => n.jobId === null).map((n) => n.config.voiceUrl)).toEqual(['https://example.com/voice']);
    const atTwilio = await ownedInSandbox('+1415');
    for (const n of numbers) expect(atTwilio).toContain(n.phoneNumber);
    expect((await get(tenant, '/v1/jobs?kind=bulk_buy')).data).toMatchObject([{ status: 'succeeded', counts: { succeeded: 2 } }]);
  },
  'docs/products/numbers.md#Worked example': async (_run, tenant) => {
    // Every number the example bought is released again: the one by hand, and the bulk job's two by the second job.
    const numbers = (await get(tenant, '/v1/numbers?limit=10')).data as { phoneNumber: string; status: string; jobId: string | null; config: { smsUrl?: string } }[];
    expect(numbers).toHaveLength(3);
    expect(numbers.map((n) => n.status)).toEqual(['released', 'released', 'released']);
    // The one bought by hand was configured before its release.
    expect(numbers.filter((n) => n.jobId === null).map((n) => n.config.smsUrl)).toEqual(['https://example.com/sms']);
    const atTwilio = await ownedInSandbox('+1');
    for (const n of numbers) expect(atTwilio).not.toContain(n.phoneNumber);
    const jobs = (await get(tenant, '/v1/jobs')).data as { kind: string; status: string; counts: { succeeded: number } }[];
    expect(jobs.map((j) => [j.kind, j.status, j.counts.succeeded]).sort()).toEqual([['bulk_buy', 'succeeded', 2], ['bulk_release', 'succeeded', 2]]);
  },
  'docs/products/sip.md#Worked example': async (_run, tenant) => {
    // The whole trunk from one call: active at Twilio with both URIs, the credential list and the tenant's three numbers.
    const trunks = (await get(tenant, '/v1/sip/trunks')).data as { id: string }[];
    expect(trunks).toHaveLength(1);
    const trunk = await get(tenant, `/v1/sip/trunks/${trunks[0]!.id}`);
    expect(trunk).toMatchObject({ status: 'active', secure: true, health: [], operation: { kind: 'create', status: 'succeeded' } });
    expect(trunk.trunkSid).toMatch(/^TK/);
    expect(trunk.originationUris.map((u: { sipUrl: string }) => u.sipUrl)).toEqual(['sip:agents-primary.example.com;transport=tls', 'sip:agents-backup.example.com;transport=tls']);
    expect(trunk.termination.credentialLists).toMatchObject([{ friendlyName: 'agents', usernames: ['livekit'] }]);
    const owned = ((await get(tenant, '/v1/numbers?limit=10')).data as { phoneNumber: string }[]).map((n) => n.phoneNumber).sort();
    expect(owned).toHaveLength(3);
    expect(trunk.phoneNumbers.map((n: { phoneNumber: string }) => n.phoneNumber).sort()).toEqual(owned);
  },
  'docs/products/lookups.md#One number': async (run) => {
    // The 03xx number is the sandbox's high SMS-pumping risk, asked of Twilio (not cached) and billed.
    const answer = JSON.parse(run.stdout);
    expect(answer).toMatchObject({
      phoneNumber: '+12095550301',
      valid: true,
      packages: {
        line_type_intelligence: { fromCache: false, data: { type: 'mobile', carrierName: 'Sandbox Wireless' } },
        sms_pumping_risk: { fromCache: false, data: { carrierRiskCategory: 'high', numberBlocked: true, smsPumpingRiskScore: 95 } },
      },
    });
    expect(answer.costUsd).toBeGreaterThan(0);
  },
  'docs/products/lookups.md#A list, as a job': async (run, tenant) => {
    expect((await get(tenant, '/v1/jobs?kind=bulk_lookup')).data).toMatchObject([{ status: 'succeeded', counts: { requested: 2, succeeded: 2 } }]);
    // The last call read the job's answer from the cache, at no cost.
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toEqual({ costUsd: 0, fromCache: true });
  },
  'docs/products/number-health.md#Scores': async (_run, tenant) => {
    const [number] = (await get(tenant, '/v1/numbers')).data as { phoneNumber: string }[];
    expect(await get(tenant, `/v1/number-health/${encodeURIComponent(number!.phoneNumber)}`)).toMatchObject({ score: 90, factors: [{ factor: 'blocked_reports', points: -10 }] });
  },
  'docs/products/number-health.md#Worked example: look up and score a number list': async (_run, tenant) => {
    // Three numbers whose line numbers start 00, 02, 03: a clean mobile, a non-fixed VoIP, a high pumping risk.
    const scored = (await get(tenant, '/v1/number-health?limit=50')).data as { phoneNumber: string; score: number; factors: { factor: string }[] }[];
    const byBand = Object.fromEntries(scored.map((n) => [n.phoneNumber.slice(-4, -2), [n.score, n.factors.map((f) => f.factor)]]));
    expect(byBand).toEqual({ '00': [100, []], '02': [90, ['line_type']], '03': [85, ['sms_pumping_risk']] });
  },
  'docs/products/number-health.md#Worked example: quarantine and rotate': async (_run, tenant) => {
    // The reported number is quarantined and replaced by a number bought in its area code, which is in service.
    const numbers = (await get(tenant, '/v1/numbers?limit=10')).data as { phoneNumber: string; status: string; hygieneState: string; replacedBy: string | null }[];
    const old = numbers.find((n) => n.replacedBy !== null);
    expect(old).toMatchObject({ status: 'active', hygieneState: 'quarantined' });
    expect(old!.replacedBy).toMatch(/^\+1725/);
    expect(numbers.find((n) => n.phoneNumber === old!.replacedBy)).toMatchObject({ status: 'active', hygieneState: 'ok' });
    expect((await get(tenant, '/v1/jobs?kind=rotation_pass')).data).toMatchObject([{ status: 'succeeded' }]);
  },
};

const blocks: DocBlock[] = (await Promise.all(guides.map(runnableBlocks))).flat();

it('each guide has a runnable example, and each example has a check', () => {
  for (const guide of guides) expect(blocks.some((b) => b.file === guide), guide).toBe(true);
  for (const b of blocks) expect(checks, `${b.file}:${b.line}`).toHaveProperty([`${b.file}#${b.heading}`]);
});

describe.each(blocks.map((b) => [`${b.file} — ${b.heading} (line ${b.line})`, b] as const))('%s', (_name, block) => {
  it('runs as written and did what it says', async () => {
    const tenant = await newTenant(api.db, 'doc');
    await prepares[`${block.file}#${block.heading}`]?.(tenant);
    const run = await runExample(block, { apiBase: base, key: tenant.apiKey });
    expect(run.code, `${run.stderr}\n${run.stdout}`).toBe(0);
    await checks[`${block.file}#${block.heading}`]!(run, tenant);
  });
});
