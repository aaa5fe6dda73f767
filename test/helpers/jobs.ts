import type { FastifyInstance } from 'fastify';
import { waitFor } from './stack';

export interface JobView {
  id: string;
  status: string;
  counts: { requested: number; succeeded: number; failed: number; skipped: number; pending: number };
  outcome: { stopReason: string; message: string; exhaustedAreaCodes?: string[]; historyEvents?: number } | null;
}

export const finished = (s: string) => ['succeeded', 'partial', 'cancelled', 'failed'].includes(s);

export async function getJob(app: FastifyInstance, headers: Record<string, string>, id: string): Promise<JobView> {
  const res = await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers });
  if (res.statusCode !== 200) throw new Error(`GET job ${id}: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function waitForJob(app: FastifyInstance, headers: Record<string, string>, id: string, timeoutMs = 240_000) {
  return waitFor(async () => {
    const job = await getJob(app, headers, id);
    return finished(job.status) ? job : null;
  }, `job ${id} to finish`, timeoutMs);
}
