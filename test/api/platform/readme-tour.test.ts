import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApi, newTenant, ownedInSandbox } from '../../helpers/stack';
import { runExample, runnableBlocks, startListeningApi, type DocBlock } from '../../helpers/doc-examples';

/**
 * The README's curl tour, run as written against the real API (listening on a port, as `npm start`'s) and the
 * shared stack: only the two setup lines change, to this API's URL and a fresh tenant's key. So a tour that
 * names a wrong path, field or status fails here.
 */

/** The one ```sh block between the README's tour markers. */
async function readmeTour(): Promise<DocBlock> {
  const tour = (await runnableBlocks('README.md')).filter((b) => b.marker === 'tour');
  if (tour.length !== 1) throw new Error(`the README's tour (<!-- tour:start --> … <!-- tour:end -->) must be one sh block, found ${tour.length}`);
  return tour[0]!;
}

let api: Awaited<ReturnType<typeof createTestApi>>;
let base: string;
beforeAll(async () => {
  ({ api, base } = await startListeningApi());
});
afterAll(async () => api?.close());

it('the README tour runs as written: it buys a number and a bulk job of three, and shows the job’s Twilio writes', async () => {
  const tenant = await newTenant(api.db, 'tour');
  const run = await runExample(await readmeTour(), { apiBase: base, key: tenant.apiKey });
  expect(run.code, `${run.stderr}\n${run.stdout}`).toBe(0);

  // What the tour did is real: the tenant holds four numbers, each one bought at the sandbox.
  const numbers = (await api.app.inject({ method: 'GET', url: '/v1/numbers?limit=10', headers: tenant.headers })).json().data as { phoneNumber: string; status: string; jobId: string | null }[];
  expect(numbers.map((n) => n.status)).toEqual(['active', 'active', 'active', 'active']);
  const atTwilio = await ownedInSandbox('+1415');
  for (const n of numbers) expect(atTwilio, n.phoneNumber).toContain(n.phoneNumber);

  // The bulk job succeeded with three purchases, and the tour printed its end and its three Twilio writes.
  const jobs = (await api.app.inject({ method: 'GET', url: '/v1/jobs?kind=bulk_buy', headers: tenant.headers })).json().data as { id: string; status: string; counts: { succeeded: number } }[];
  expect(jobs).toHaveLength(1);
  expect(jobs[0]).toMatchObject({ status: 'succeeded', counts: { succeeded: 3 } });
  expect(numbers.filter((n) => n.jobId === jobs[0]!.id)).toHaveLength(3);
  expect(run.stdout).toContain('"status": "succeeded"');
  expect(run.stdout.match(/ {2}POST IncomingPhoneNumbers {2}PN[0-9a-f]{32}/g)).toHaveLength(3);
});
