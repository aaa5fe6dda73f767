import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { runExample, runnableBlocks, type DocBlock, type ExampleRun } from '../../helpers/doc-examples';
import { createTestApi, newTenant, sandboxControl } from '../../helpers/stack';

/**
 * The registration guides' curl examples (A2P, voice trust, toll-free), run as written against the real API on a
 * port and the shared stack, each on a fresh tenant: only the setup lines change. Each block runs with the timing
 * its guide says it needs: `plain` is what `npm start` gives (the sandbox's realistic review clock, the default
 * 5-minute first poll), `fast` is `SANDBOX_FAST_REVIEWS=true A2P_POLL_FIRST_MS=1000 A2P_POLL_MAX_MS=2000 npm start`.
 */
const GUIDES = ['docs/products/a2p.md', 'docs/products/voice-trust.md', 'docs/products/tollfree.md'];

type Api = Awaited<ReturnType<typeof createTestApi>>;
type Tenant = Awaited<ReturnType<typeof newTenant>>;
interface Check {
  timing: 'plain' | 'fast';
  /** Files an earlier block of the same guide left in the reader's directory, which this block reads. */
  reads?: string[];
  /** One thing the block says it did, read back through the API. */
  verify: (api: Api, tenant: Tenant, run: ExampleRun) => Promise<void>;
}

const get = async (api: Api, tenant: Tenant, url: string) => {
  const res = await api.app.inject({ method: 'GET', url, headers: tenant.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};
const onlyOne = async (api: Api, tenant: Tenant, url: string) => {
  const { data } = await get(api, tenant, url);
  expect(data).toHaveLength(1);
  return data[0];
};

/** Keyed by guide and the heading the block sits under; every runnable block needs one, and every one a block. */
const checks: Record<string, Check> = {
  'docs/products/a2p.md#Worked example': {
    timing: 'plain',
    async verify(api, tenant, run) {
      // Preflight printed a clean draft, then the EIN problem; the registration waits in the profile's review.
      expect(run.stdout).toContain('{"ok":true,"problems":[]');
      expect(run.stdout).toContain('"field":"business.registrationNumber","code":"ein_format"');
      const listed = await onlyOne(api, tenant, '/v1/a2p/registrations');
      const reg = await get(api, tenant, `/v1/a2p/registrations/${listed.id}`);
      expect(reg).toMatchObject({ status: 'waiting_for_review', step: 'customer_profile', sids: { customerProfile: expect.stringMatching(/^BU/) } });
      expect(reg.idempotencyKey).toMatch(/^acme-dental-1217\d{7}$/);
    },
  },
  'docs/products/a2p.md#Fix a rejection': {
    timing: 'fast',
    reads: ['draft.json'],
    async verify(api, tenant, run) {
      expect(run.stdout).toMatch(/"status":"action_required","step":"brand"/);
      const listed = await onlyOne(api, tenant, '/v1/a2p/registrations');
      const reg = await get(api, tenant, `/v1/a2p/registrations/${listed.id}`);
      // Rejected once, corrected, resubmitted, approved through to the number on the campaign.
      expect(reg).toMatchObject({ status: 'completed', step: 'done', brandResubmissions: 1 });
      const [number] = (await get(api, tenant, '/v1/numbers')).data as { phoneNumber: string }[];
      expect(reg.numbers).toEqual({ attached: [number!.phoneNumber], refused: [] });
    },
  },
  'docs/products/voice-trust.md#Worked example: register SHAKEN/STIR for 10 numbers': {
    timing: 'plain',
    async verify(api, tenant) {
      const listed = await onlyOne(api, tenant, '/v1/voice-trust/registrations');
      const reg = await get(api, tenant, `/v1/voice-trust/registrations/${listed.id}`);
      expect(reg).toMatchObject({ product: 'shaken_stir', status: 'in_review', step: 'review', trustProductSid: expect.stringMatching(/^BU/) });
      // The ten numbers bought are each on the business profile and on the trust product under review.
      const bought = ((await get(api, tenant, '/v1/numbers?limit=100')).data as { phoneNumber: string }[]).map((n) => n.phoneNumber);
      expect(bought).toHaveLength(10);
      expect(reg.numbers.map((n: { phoneNumber: string }) => n.phoneNumber).sort()).toEqual([...bought].sort());
      for (const n of reg.numbers) expect(n).toMatchObject({ onBusinessProfile: true, onTrustProduct: true, attestation: null });
    },
  },
  'docs/products/tollfree.md#Worked example: verify a toll-free number': {
    timing: 'plain',
    async verify(api, tenant, run) {
      expect(run.stdout).toContain('{"ok":true,"problems":[]');
      const listed = await onlyOne(api, tenant, '/v1/tollfree/verifications');
      const v = await get(api, tenant, `/v1/tollfree/verifications/${listed.id}`);
      expect(v).toMatchObject({ status: 'in_review', twilioStatus: 'PENDING_REVIEW', verificationSid: expect.stringMatching(/^HH/) });
      expect(v.tollfreePhoneNumber).toMatch(/^\+18\d{9}$/);
    },
  },
};

const blocks: DocBlock[] = (await Promise.all(GUIDES.map((g) => runnableBlocks(g)))).flat();
const keyOf = (b: DocBlock) => `${b.file}#${b.heading}`;

/** What `npm start` gives, and its fast variant: the API's polling here, the sandbox's review clock in each test. */
const apis = {} as Record<Check['timing'], { api: Api; base: string }>;
/** A guide's examples run in one directory, as a reader's would (the rejection example reuses draft.json). */
const dirs = new Map<string, string>();
beforeAll(async () => {
  for (const [timing, overrides] of [['plain', {}], ['fast', { A2P_POLL_FIRST_MS: '1000', A2P_POLL_MAX_MS: '2000' }]] as const) {
    const api = await createTestApi(overrides);
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    apis[timing] = { api, base: `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}` };
  }
  for (const g of GUIDES) dirs.set(g, await mkdtemp(path.join(tmpdir(), `doc-example-${path.basename(g, '.md')}-`)));
});
afterAll(async () => {
  await Promise.all(Object.values(apis).map(({ api }) => api.close()));
  await Promise.all([...dirs.values()].map((d) => rm(d, { recursive: true, force: true })));
});

it('every runnable block of the registration guides has a check, and every check a block', () => {
  expect(blocks.map(keyOf).sort()).toEqual(Object.keys(checks).sort());
});

for (const block of blocks) {
  it(`${keyOf(block)} (line ${block.line}) runs as written`, async () => {
    const check = checks[keyOf(block)];
    if (!check) throw new Error(`no check for ${keyOf(block)}: add one saying what the block does`);
    await sandboxControl('POST', 'reviews', { preset: check.timing === 'fast' ? 'fast' : 'realistic' });
    for (const f of check.reads ?? []) {
      const where = path.join(dirs.get(block.file)!, f);
      if (!existsSync(where)) throw new Error(`${keyOf(block)} reads ${f}, which an earlier block of the guide writes: run the whole file`);
    }
    const { api, base } = apis[check.timing];
    const tenant = await newTenant(api.db, 'doc-example');
    const run = await runExample(block, { apiBase: base, key: tenant.apiKey, cwd: dirs.get(block.file)! });
    expect(run.code, `${run.stderr}\n${run.stdout}`).toBe(0);
    await check.verify(api, tenant, run);
  });
}
