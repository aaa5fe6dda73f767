/**
 * Workflow history sizes at scale (issue #21 §4): each scenario runs through the API on a private stack, then
 * every workflow run it made — children and continue-as-new runs separately — is fetched from Temporal and
 * measured: events, and bytes of the encoded history (what Temporal's limits count). One table, per workflow
 * type: how many executions and runs, and the largest run, next to the ceiling we hold ourselves to (10 000
 * events, 2 MB per run) and Temporal's limits (warns at 10 240 events / 10 MB, terminates at 51 200 / 50 MB).
 *
 *   npm run bench:histories                               # every scenario at the issue's sizes
 *   npm run bench:histories -- --only sip,a2p --scale 0.1 # some scenarios, a tenth of the size
 *
 * Scenarios (sizes times --scale): a 1 000-number SIP trunk attach; a 10 000-number bulk buy; a rotation pass
 * over 2 000 quarantined numbers; a bulk lookup of 20 000 owned numbers; a 30-day A2P registration whose brand
 * and campaign are each rejected once. The A2P registration runs on a scaled clock: its polling intervals and
 * the sandbox's review durations are all divided by the same factor, so 30 days of reviews and back-off
 * polling take --a2p-seconds of wall time and record the timers and polls a 30-day run records.
 *
 * A scenario that fails or runs past --minutes is reported with what its workflows recorded so far; the
 * others still run.
 */
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import pLimit from 'p-limit';
import { goodDraft } from '../test/fixtures/a2p-draft';
import { withBenchStack } from './harness';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    scale: { type: 'string', default: '1' },
    minutes: { type: 'string', default: '15' },
    'a2p-seconds': { type: 'string', default: '150' },
  },
});
const SCALE = Number(values.scale);
const SCENARIO_TIMEOUT_MS = Number(values.minutes) * 60_000;
const A2P_SECONDS = Number(values['a2p-seconds']);
if (!(SCALE > 0 && SCALE <= 1 && SCENARIO_TIMEOUT_MS > 0 && A2P_SECONDS >= 30)) throw new Error('--scale must be in (0, 1], --minutes > 0, --a2p-seconds ≥ 30');
const sized = (n: number) => Math.max(1, Math.round(n * SCALE));

// A CommonJS package: its named exports aren't visible to Node's ESM loader (tsx), its default export is.
const { temporal } = proto;

const SIZES = { sipNumbers: sized(1_000), bulkBuy: sized(10_000), rotated: sized(2_000), lookedUp: sized(20_000) };
const MiB = 1024 * 1024;
/** What issue #21 holds every workflow run to. */
const CEILING = { events: 10_000, bytes: 2 * MiB };
/** Temporal's defaults: a warning in the server's log, then the workflow is terminated. */
const TEMPORAL_WARN = { events: 10_240, bytes: 10 * MiB };
const TEMPORAL_TERMINATE = { events: 51_200, bytes: 50 * MiB };

const DAY_MS = 86_400_000;
/** Virtual milliseconds per wall millisecond in the A2P scenario: 30 days in --a2p-seconds. */
const A2P_SPEEDUP = (30 * DAY_MS) / (A2P_SECONDS * 1000);
/** Reviews of the 30 days: profile 2 days, trust product 1, brand 4 (twice), campaign 9.5 (twice). */
const A2P_REVIEW_DAYS = { customerProfile: 2, trustProduct: 1, brand: 4, campaign: 9.5 };
/** The service's default polling (A2P_POLL_FIRST_MS, A2P_POLL_MAX_MS), on the scaled clock. */
const A2P_POLL = { firstMs: 5 * 60_000, maxMs: 6 * 3_600_000 };

const AREA = { bought: '415', owned: '628' };
const TERMINAL_JOB = ['succeeded', 'partial', 'failed', 'cancelled'];
const SETTLING_SIP = ['queued', 'running', 'rolling_back'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ── Measuring ────────────────────────────────────────────────────────────────────────────────────────────

interface RunSize {
  workflowType: string;
  workflowId: string;
  runId: string;
  events: number;
  bytes: number;
}

type HistoryEvents = NonNullable<Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']>;

/** Every run of one workflow execution from its first, following continue-as-new; and the children they started. */
async function runsOfExecution(client: Client, workflowId: string, knownRunId?: string): Promise<{ runs: RunSize[]; children: { workflowId: string; runId: string }[] }> {
  const fetch = (runId?: string) => client.workflow.getHandle(workflowId, runId).fetchHistory();
  let history = await fetch(knownRunId);
  const first = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  // Started from a later run (the id alone gives the newest): go back to the chain's first run.
  const firstRunId = first?.firstExecutionRunId;
  if (!knownRunId && firstRunId && first?.continuedExecutionRunId) history = await fetch(firstRunId);
  const runs: RunSize[] = [];
  const children: { workflowId: string; runId: string }[] = [];
  for (let runId: string | null | undefined = knownRunId ?? firstRunId; ; ) {
    const events: HistoryEvents = history.events ?? [];
    runs.push({
      workflowType: events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?',
      workflowId,
      runId: runId ?? '?',
      events: events.length,
      bytes: temporal.api.history.v1.History.encode(history).finish().length,
    });
    for (const e of events) {
      const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      if (child?.workflowId && child.runId) children.push({ workflowId: child.workflowId, runId: child.runId });
    }
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!runId) break;
    history = await fetch(runId);
  }
  return { runs, children };
}

/** Every run of a workflow and of all its descendants (fetched a few at a time: a pass may have thousands). */
async function runsOfTree(client: Client, rootWorkflowId: string): Promise<RunSize[]> {
  const limit = pLimit(16);
  const all: RunSize[] = [];
  const visit = async (workflowId: string, runId?: string): Promise<void> => {
    const { runs, children } = await limit(() => runsOfExecution(client, workflowId, runId));
    all.push(...runs);
    await Promise.all(children.map((c) => visit(c.workflowId, c.runId)));
  };
  await visit(rootWorkflowId);
  return all;
}

interface Row {
  scenario: string;
  workflow: string;
  executions: number;
  runs: number;
  mostRuns: number;
  largest: RunSize | null;
}

/** One row per workflow type, the root's first: executions, runs (and the most of one execution), the largest run. */
function rowsOf(scenario: string, runs: RunSize[]): Row[] {
  const types = [...new Set(runs.map((r) => r.workflowType))];
  return types.map((type) => {
    const ofType = runs.filter((r) => r.workflowType === type);
    const perExecution = new Map<string, number>();
    for (const r of ofType) perExecution.set(r.workflowId, (perExecution.get(r.workflowId) ?? 0) + 1);
    const largest = ofType.reduce((a, b) => (b.events > a.events || (b.events === a.events && b.bytes > a.bytes) ? b : a));
    return { scenario, workflow: type, executions: perExecution.size, runs: ofType.length, mostRuns: Math.max(...perExecution.values()), largest };
  });
}

function verdict(r: RunSize | null): string {
  if (!r) return '—';
  const over = (l: { events: number; bytes: number }) => r.events > l.events || r.bytes > l.bytes;
  if (over(TEMPORAL_TERMINATE)) return 'TERMINATED by Temporal';
  if (over(TEMPORAL_WARN)) return "past Temporal's warning";
  if (over(CEILING)) return 'over the ceiling';
  return 'ok';
}

// ── Scenarios ────────────────────────────────────────────────────────────────────────────────────────────

type Bench = Parameters<Parameters<typeof withBenchStack>[2]>[0];

/** The root workflows a scenario made, and what to say about how it ended. */
interface ScenarioResult {
  workflowIds: string[];
  note: string;
}

interface Scenario {
  key: string;
  title: string;
  run: (b: Bench, ctx: Ctx) => Promise<ScenarioResult>;
}

interface Ctx {
  tenantId: string;
  /** Where each scenario records the workflows it started, so they are measured even when it fails or times out. */
  started: string[];
  deadline: number;
}

async function until<T>(ctx: Ctx, what: string, probe: () => Promise<T | null | undefined | false>, everyMs = 500): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > ctx.deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function post(b: Bench, url: string, payload: unknown, expected: number) {
  const res = await b.app.inject({ method: 'POST', url, headers: b.headers, payload: payload as object });
  if (res.statusCode !== expected) throw new Error(`POST ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return res.json();
}

/** Starts a job through the API and waits for it to end; its workflow is recorded as soon as it is known. */
async function runJob(b: Bench, ctx: Ctx, url: string, payload: unknown): Promise<{ status: string; message: string }> {
  const job = await post(b, url, payload, 202);
  const row = await until(ctx, `job ${job.id} to start`, async () => (await b.db.query<{ workflow_id: string }>('SELECT workflow_id FROM jobs WHERE id = $1', [job.id])).rows[0]);
  ctx.started.push(row.workflow_id);
  return until(ctx, `job ${job.id} to end`, async () => {
    const r = (await b.db.query<{ status: string; outcome: { message?: string } | null }>('SELECT status, outcome FROM jobs WHERE id = $1', [job.id])).rows[0];
    return r && TERMINAL_JOB.includes(r.status) ? { status: r.status, message: r.outcome?.message ?? '' } : null;
  });
}

const ownedNumbers = async (b: Bench, ctx: Ctx, areaCode: string, n: number) =>
  (await b.db.query<{ phone_number: string }>(
    `SELECT phone_number FROM phone_numbers WHERE tenant_id = $1 AND status = 'active' AND phone_number LIKE $2 AND sip_trunk_id IS NULL AND hygiene_state = 'ok' ORDER BY phone_number LIMIT $3`,
    [ctx.tenantId, `+1${areaCode}%`, n],
  )).rows.map((r) => r.phone_number);

const scenarios: Scenario[] = [
  {
    key: 'bulk-buy',
    title: `bulk buy of ${SIZES.bulkBuy} numbers`,
    async run(b, ctx) {
      const job = await runJob(b, ctx, '/v1/jobs/bulk-buy', { areaCode: AREA.bought, quantity: SIZES.bulkBuy });
      return { workflowIds: ctx.started, note: `${job.status}: ${job.message}` };
    },
  },
  {
    key: 'lookup',
    title: `bulk lookup of ${SIZES.lookedUp} owned numbers`,
    async run(b, ctx) {
      // The tenant owns what the bulk buy bought (when it ran); a second, unmeasured job buys the rest.
      const live = async () => (await b.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM phone_numbers WHERE tenant_id = $1 AND status = 'active'`, [ctx.tenantId])).rows[0]!.n;
      const missing = SIZES.lookedUp - (await live());
      if (missing > 0) {
        const setup: Ctx = { ...ctx, started: [] };
        const bought = await runJob(b, setup, '/v1/jobs/bulk-buy', { areaCode: AREA.owned, quantity: missing });
        if (bought.status !== 'succeeded') throw new Error(`buying the ${missing} numbers to look up: ${bought.status} ${bought.message}`);
      }
      const owned = await live();
      const job = await runJob(b, ctx, '/v1/jobs/bulk-lookup', { ownedNumbers: true });
      return { workflowIds: ctx.started, note: `${owned} owned; ${job.status}: ${job.message}` };
    },
  },
  {
    key: 'sip',
    title: `SIP trunk attach of ${SIZES.sipNumbers} numbers`,
    async run(b, ctx) {
      const numbers = await ownedNumbers(b, ctx, AREA.owned, SIZES.sipNumbers);
      if (numbers.length < SIZES.sipNumbers) {
        const setup: Ctx = { ...ctx, started: [] };
        await runJob(b, setup, '/v1/jobs/bulk-buy', { areaCode: AREA.owned, quantity: SIZES.sipNumbers - numbers.length });
        numbers.push(...(await ownedNumbers(b, ctx, AREA.owned, SIZES.sipNumbers)).filter((n) => !numbers.includes(n)));
      }
      const trunk = await post(b, '/v1/sip/trunks', { friendlyName: 'History bench', domainName: `bench-histories-${Date.now()}.pstn.twilio.com` }, 202);
      const operation = () => b.db.query<{ workflow_id: string; status: string }>('SELECT workflow_id, status FROM sip_operations WHERE trunk_id = $1 ORDER BY created_at DESC LIMIT 1', [trunk.id]).then((r) => r.rows[0]);
      const settled = () => until(ctx, 'the trunk operation to settle', async () => {
        const op = await operation();
        return op && !SETTLING_SIP.includes(op.status) ? op : null;
      });
      const created = await settled();
      if (created.status !== 'succeeded') throw new Error(`creating the trunk: ${created.status}`);
      await post(b, `/v1/sip/trunks/${trunk.id}/phone-numbers`, { phoneNumbers: numbers }, 202);
      const attach = await until(ctx, 'the attach operation', async () => {
        const op = await operation();
        return op && op.workflow_id !== created.workflow_id ? op : null;
      });
      ctx.started.push(attach.workflow_id);
      const done = await settled();
      return { workflowIds: ctx.started, note: `operation ${done.status}` };
    },
  },
  {
    key: 'rotation',
    title: `rotation pass over ${SIZES.rotated} quarantined numbers`,
    async run(b, ctx) {
      let quarantine = await ownedNumbers(b, ctx, AREA.bought, SIZES.rotated);
      if (quarantine.length < SIZES.rotated) {
        const setup: Ctx = { ...ctx, started: [] };
        await runJob(b, setup, '/v1/jobs/bulk-buy', { areaCode: AREA.bought, quantity: SIZES.rotated - quarantine.length });
        quarantine = await ownedNumbers(b, ctx, AREA.bought, SIZES.rotated);
      }
      const policy = await b.app.inject({ method: 'PUT', url: '/v1/number-health/policy', headers: b.headers, payload: { quarantineBelowScore: 40, rotate: true } });
      if (policy.statusCode !== 200 && policy.statusCode !== 201) throw new Error(`PUT policy: ${policy.statusCode} ${policy.body.slice(0, 300)}`);
      // The Schedules stay out of the way (a health pass would restore the numbers below); the pass runs now.
      for (const schedule of ['health_pass', 'rotation_pass']) await post(b, `/v1/number-health/policy/pause?schedule=${schedule}`, undefined, 200);
      // Quarantined as a health pass would leave them (scoring them low through the API would take far longer).
      await b.db.query(`UPDATE phone_numbers SET hygiene_state = 'quarantined', quarantined_at = now() - interval '1 day' WHERE tenant_id = $1 AND phone_number = ANY($2)`, [ctx.tenantId, quarantine]);
      const since = new Date();
      await post(b, '/v1/number-health/policy/run?schedule=rotation_pass', undefined, 200);
      const job = await until(ctx, 'the rotation pass job', async () =>
        (await b.db.query<{ id: string; workflow_id: string }>(`SELECT id, workflow_id FROM jobs WHERE tenant_id = $1 AND kind = 'rotation_pass' AND created_at >= $2 ORDER BY created_at DESC LIMIT 1`, [ctx.tenantId, since])).rows[0]);
      ctx.started.push(job.workflow_id);
      const ended = await until(ctx, 'the rotation pass to end', async () => {
        const r = (await b.db.query<{ status: string; outcome: { message?: string } | null }>('SELECT status, outcome FROM jobs WHERE id = $1', [job.id])).rows[0];
        return r && TERMINAL_JOB.includes(r.status) ? r : null;
      }, 1_000);
      return { workflowIds: ctx.started, note: `${quarantine.length} quarantined; ${ended.status}: ${ended.outcome?.message ?? ''}` };
    },
  },
  {
    key: 'a2p',
    title: 'A2P registration, 30 days, brand and campaign each rejected once',
    async run(b, ctx) {
      const scaled = (days: number) => Math.max(1, Math.round((days * DAY_MS) / A2P_SPEEDUP));
      await b.control('reviews', { durations: Object.fromEntries(Object.entries(A2P_REVIEW_DAYS).map(([k, days]) => [k, scaled(days)])) });
      const draft = { ...goodDraft(), phoneNumbers: [] as string[] };
      const samples = [...draft.campaign.messageSamples];
      // The sandbox rejects a brand whose business name says BRANDFAIL and a campaign whose samples say CAMPAIGNFAIL.
      Object.assign(draft.business, { name: 'Acme BRANDFAIL LLC', tradeName: 'Acme Dental' }); // the samples name the brand by its DBA
      draft.campaign = { ...draft.campaign, messageSamples: [samples[0]!, `${samples[1]} CAMPAIGNFAIL`] };
      const started = await post(b, '/v1/a2p/registrations', draft, 202);
      const row = await until(ctx, 'the registration workflow', async () => (await b.db.query<{ workflow_id: string }>('SELECT workflow_id FROM a2p_registrations WHERE id = $1', [started.id])).rows[0]);
      ctx.started.push(row.workflow_id);
      const corrected = new Set<string>();
      const t0 = performance.now();
      const ended = await until(ctx, 'the registration to end', async () => {
        const r = (await b.app.inject({ method: 'GET', url: `/v1/a2p/registrations/${started.id}`, headers: b.headers })).json();
        if (r.status === 'action_required' && !corrected.has(r.step)) {
          corrected.add(r.step);
          const fix = r.step === 'brand' ? { business: { name: 'Acme Dental LLC' } } : { campaign: { messageSamples: samples }, approveCampaignResubmissionFee: true };
          await post(b, `/v1/a2p/registrations/${started.id}/corrections`, fix, 202);
        }
        return r.finishedAt ? r : null;
      }, 100);
      const virtualDays = ((performance.now() - t0) * A2P_SPEEDUP) / DAY_MS;
      return { workflowIds: ctx.started, note: `${ended.status} after ${virtualDays.toFixed(1)} virtual days; corrected: ${[...corrected].join(', ') || 'nothing'}` };
    },
  },
];

// ── The run ──────────────────────────────────────────────────────────────────────────────────────────────

const chosen = scenarios.filter((s) => !values.only || values.only.split(',').includes(s.key));
const rows: Row[] = [];
const notes: string[] = [];
let failures = 0;
const benchStarted = performance.now();

const env = {
  BULK_MAX_QUANTITY: String(Math.max(SIZES.bulkBuy, SIZES.lookedUp, 1_000)),
  TENANT_MAX_NUMBERS: '100000',
  A2P_POLL_FIRST_MS: String(Math.max(1, Math.round(A2P_POLL.firstMs / A2P_SPEEDUP))),
  A2P_POLL_MAX_MS: String(Math.max(1, Math.round(A2P_POLL.maxMs / A2P_SPEEDUP))),
};

await withBenchStack('bench-histories', { cap: 100, env }, async (b) => {
  const tenantId = (await b.db.query<{ id: string }>(`SELECT id FROM tenants WHERE name = 'bench-histories'`)).rows[0]!.id;
  await b.control('inventory', { areaCode: AREA.bought, count: SIZES.bulkBuy + SIZES.rotated + 1_000 });
  await b.control('inventory', { areaCode: AREA.owned, count: SIZES.lookedUp + SIZES.sipNumbers + 1_000 });
  for (const s of chosen) {
    const ctx: Ctx = { tenantId, started: [], deadline: Date.now() + SCENARIO_TIMEOUT_MS };
    const t0 = performance.now();
    let note: string;
    try {
      note = (await s.run(b, ctx)).note;
    } catch (err) {
      failures += 1;
      note = `NOT FINISHED: ${(err as Error).message}`;
    }
    note += ` (${((performance.now() - t0) / 1000).toFixed(0)} s)`;
    // Measured however it ended: what its workflows recorded is the figure.
    const runs: RunSize[] = [];
    for (const id of ctx.started) {
      try {
        runs.push(...(await runsOfTree(b.temporal, id)));
      } catch (err) {
        note += `; ${id} not measured: ${(err as Error).message}`;
      }
    }
    const measured = rowsOf(s.title, runs);
    rows.push(...(measured.length ? measured : [{ scenario: s.title, workflow: '—', executions: 0, runs: 0, mostRuns: 0, largest: null }]));
    notes.push(`${s.title}: ${note}`);
    console.log(`[${s.key}] ${note}`);
  }
});

const kb = (bytes: number) => (bytes >= MiB ? `${(bytes / MiB).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} KB`);
const table: string[][] = [
  ['scenario', 'workflow', 'executions', 'runs (most per execution)', 'largest run: events', 'largest run: bytes', 'against ceiling and limits'],
  ...rows.map((r) => [
    r.scenario,
    r.workflow,
    String(r.executions),
    `${r.runs} (${r.mostRuns})`,
    r.largest ? String(r.largest.events) : '—',
    r.largest ? kb(r.largest.bytes) : '—',
    verdict(r.largest),
  ]),
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
console.log(`\nWorkflow history per run (children and continue-as-new runs counted separately), ${((performance.now() - benchStarted) / 60_000).toFixed(1)} min in all`);
console.log(`ceiling ${CEILING.events} events / ${kb(CEILING.bytes)} per run; Temporal warns at ${TEMPORAL_WARN.events} / ${kb(TEMPORAL_WARN.bytes)} and terminates at ${TEMPORAL_TERMINATE.events} / ${kb(TEMPORAL_TERMINATE.bytes)}${SCALE !== 1 ? `; sizes × ${SCALE}` : ''}\n`);
for (const [i, row] of table.entries()) {
  console.log(`| ${row.map((c, j) => c.padEnd(widths[j]!)).join(' | ')} |`);
  if (i === 0) console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
}
console.log('');
for (const n of notes) console.log(`- ${n}`);
if (failures) process.exitCode = 1;
