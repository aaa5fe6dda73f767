/**
 * The job-kind table: every kind of the public contract is declared by exactly one product, the sweep's
 * restart starts a kind's own workflow with arguments built from the job's row alone, and kinds the API never
 * submits (the passes a Schedule starts) are left alone.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { sweepRegistry } from '../../../api/app';
import { jobKindTable, startJobWorkflow, type JobKindDef, type JobToStart } from '../../../api/kit/jobs/kinds';
import { JobKind } from '../../../schemas/kit/jobs';

/** A Temporal client that records the starts asked of it (or refuses them with `refuse`). */
function recordingClient(refuse?: Error) {
  const starts: { workflow: string; options: Record<string, unknown> }[] = [];
  const client = {
    workflow: {
      start: async (workflow: { name: string }, options: Record<string, unknown>) => {
        if (refuse) throw refuse;
        starts.push({ workflow: workflow.name, options });
        return {};
      },
    },
  } as unknown as Client;
  return { client, starts };
}

const row = (kind: JobKind, params: Record<string, unknown>): JobToStart => ({ id: 'job-1', tenantId: 'tenant-1', kind, params, workflowId: 'tenant-tenant-1/job-job-1' });

describe('the job-kind table', () => {
  it('declares every JobKind exactly once', () => {
    expect([...sweepRegistry.jobKinds.keys()].sort()).toEqual([...JobKind.options].sort());
    for (const [kind, def] of sweepRegistry.jobKinds) expect(def.kind).toBe(kind);
  });

  it('refuses a kind declared twice or not at all', () => {
    const all = [...sweepRegistry.jobKinds.values()] as JobKindDef<never>[];
    expect(() => jobKindTable([...all, all[0]!])).toThrow(`job kind ${all[0]!.kind} is declared twice`);
    expect(() => jobKindTable(all.filter((d) => d.kind !== 'bulk_release'))).toThrow('job kinds without a declaration: bulk_release');
  });

  it('lets the API submit the bulk jobs and leaves the passes to their Schedules', () => {
    const submitted = [...sweepRegistry.jobKinds.values()].filter((d) => d.submit).map((d) => d.kind);
    expect(submitted.sort()).toEqual(['bulk_buy', 'bulk_lookup', 'bulk_release']);
  });
});

describe('starting a job from its row (the submit route and the sweep)', () => {
  it("starts each submitted kind's own workflow, once per job id", async () => {
    const { client, starts } = recordingClient();
    const params = { bulk_buy: { areaCode: '808', quantity: 2 }, bulk_release: { phoneNumbers: ['+18085550100'], concurrency: 3 }, bulk_lookup: { phoneNumbers: ['+18085550100'], fields: [], maxAgeHours: 1 } };
    for (const [kind, p] of Object.entries(params)) {
      expect(await startJobWorkflow(client, 'q', sweepRegistry.jobKinds, row(kind as JobKind, p))).toBe(true);
    }
    expect(starts.map((s) => s.workflow)).toEqual(['bulkBuyNumbers', 'bulkReleaseNumbers', 'bulkLookupNumbers']);
    for (const s of starts) expect(s.options).toMatchObject({ taskQueue: 'q', workflowId: 'tenant-tenant-1/job-job-1', workflowIdReusePolicy: 'REJECT_DUPLICATE' });
    expect(starts[0]!.options.args).toEqual([{ tenantId: 'tenant-1', jobId: 'job-1', request: params.bulk_buy }]);
    expect(starts[1]!.options.args).toEqual([{ tenantId: 'tenant-1', jobId: 'job-1', phoneNumbers: ['+18085550100'], concurrency: 3 }]);
  });

  it("turns a bulk lookup's request into its workflow's input (compact date, hours as milliseconds)", async () => {
    const { client, starts } = recordingClient();
    await startJobWorkflow(client, 'q', sweepRegistry.jobKinds, row('bulk_lookup', { ownedNumbers: true, fields: ['reassigned_number'], lastVerifiedDate: '2026-01-31', maxAgeHours: 2 }));
    expect(starts[0]!.options.args).toEqual([{
      tenantId: 'tenant-1', jobId: 'job-1', phoneNumbers: [], ownedNumbers: true, fields: ['reassigned_number'], lastVerifiedDate: '20260131', maxAgeMs: 7_200_000,
    }]);
  });

  it('asks Temporal nothing for a pass (its Schedule starts it) and answers false', async () => {
    const { client, starts } = recordingClient(new Error('must not be called'));
    expect(await startJobWorkflow(client, 'q', sweepRegistry.jobKinds, row('health_pass', {}))).toBe(false);
    expect(await startJobWorkflow(client, 'q', sweepRegistry.jobKinds, row('rotation_pass', {}))).toBe(false);
    expect(starts).toHaveLength(0);
  });

  it('answers false for a job whose workflow was started already, and passes on any other refusal', async () => {
    const started = recordingClient(new WorkflowExecutionAlreadyStartedError('started', 'tenant-tenant-1/job-job-1', 'bulkBuyNumbers'));
    expect(await startJobWorkflow(started.client, 'q', sweepRegistry.jobKinds, row('bulk_buy', {}))).toBe(false);
    const down = recordingClient(new Error('Temporal is away'));
    await expect(startJobWorkflow(down.client, 'q', sweepRegistry.jobKinds, row('bulk_buy', {}))).rejects.toThrow('Temporal is away');
  });
});

describe('the queued-work registry', () => {
  it("sweeps each product's queued rows once, in the order the sweep always took them", () => {
    expect(sweepRegistry.queued.map((w) => w.what)).toEqual(['a registration', 'a voice trust registration', 'a toll-free verification', 'a trunk operation']);
  });
});
