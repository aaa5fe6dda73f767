import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { Config } from '../../../config/env';
import type { Db } from '../../../db/kit/pool';
import { JobKind } from '../../../schemas/kit/jobs';

/** A job's row, as its workflow is started from it (by the submit route or, after a crash, by the sweep). */
export interface JobToStart<P = Record<string, unknown>> {
  id: string;
  tenantId: string;
  kind: JobKind;
  params: P;
  workflowId: string;
}

/** What a kind's checks may read: the tenant's rows and the service's settings. */
export interface JobAdmissionDeps {
  db: Db;
  config: Config;
}

/** A kind the API submits: its workflow, that workflow's arguments and what a request must fit. */
export interface SubmittedJobKind<P extends object = Record<string, unknown>> {
  workflow: Workflow;
  /** The workflow's arguments, from the job's row alone (the sweep has nothing else). */
  args(job: JobToStart<P>): unknown[];
  /** The job's `counts.requested` for a request; throws an HttpError for a request that asks for nothing. */
  requested(deps: JobAdmissionDeps, tenantId: string, params: P): Promise<number> | number;
  /** The kind's own quotas and budget, checked under the tenant's admission lock (the job quota is the kit's). */
  admit?(deps: JobAdmissionDeps, tenantId: string, params: P, requested: number): Promise<void>;
}

/** One row of the job-kind table; each product declares its own kinds. */
export interface JobKindDef<P extends object = Record<string, unknown>> {
  kind: JobKind;
  /** What a job of this kind is, in a person's words ("Bulk buy"). */
  label: string;
  /** Absent for kinds started elsewhere (the health and rotation passes: their Schedule's runs start them). */
  submit?: SubmittedJobKind<P>;
}

export type JobKindTable = ReadonlyMap<JobKind, JobKindDef>;

/** The table of every job kind: each kind of the public contract exactly once, or the service doesn't start. */
export function jobKindTable(defs: readonly JobKindDef<never>[]): JobKindTable {
  const table = new Map<JobKind, JobKindDef>();
  for (const def of defs) {
    if (table.has(def.kind)) throw new Error(`job kind ${def.kind} is declared twice`);
    table.set(def.kind, def as unknown as JobKindDef);
  }
  const missing = JobKind.options.filter((k) => !table.has(k));
  if (missing.length) throw new Error(`job kinds without a declaration: ${missing.join(', ')}`);
  return table;
}

/** Starts a job's workflow at most once (the id is the job's); false when it had been started already (or isn't ours to start). */
export async function startJobWorkflow(client: Client, taskQueue: string, kinds: JobKindTable, job: JobToStart): Promise<boolean> {
  const submitted = kinds.get(job.kind)?.submit;
  return submitted ? startSubmittedJob(client, taskQueue, submitted, job) : false;
}

/** Starts the workflow of a job of a submitted kind at most once; false when it had been started already. */
export async function startSubmittedJob<P extends object>(client: Client, taskQueue: string, kind: SubmittedJobKind<P>, job: JobToStart<P>): Promise<boolean> {
  try {
    await client.workflow.start(kind.workflow, {
      taskQueue,
      workflowId: job.workflowId,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: kind.args(job),
    });
    return true;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return false;
  }
}
