import { expect, it } from 'vitest';
import { startWorker } from '../../../dev/local-stack';
import { freePort } from '../../../dev/processes';
import { apiOnOwnQueue, newTenant, stack, stopChild, waitFor } from '../../helpers/stack';

const taskQueue = 'metrics-test';
const api = apiOnOwnQueue(taskQueue);

/** The value of one series in Prometheus' text format (0 when absent). */
const sample = (text: string, series: RegExp) => Number(text.split('\n').find((l) => series.test(l))?.split(' ').pop() ?? 0);

it('the API serves Prometheus metrics: requests by route and status, jobs by state; every answer carries a request id', async () => {
  const tenant = await newTenant(api().db, 'metrics');
  const mine = await api().app.inject({ method: 'GET', url: '/v1/jobs', headers: { ...tenant.headers, 'x-request-id': 'trace-abc.123' } });
  expect(mine.headers['x-request-id']).toBe('trace-abc.123');
  const fresh = await api().app.inject({ method: 'GET', url: '/v1/jobs/not-a-uuid', headers: tenant.headers });
  expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  const hostile = await api().app.inject({ method: 'GET', url: '/v1/jobs', headers: { ...tenant.headers, 'x-request-id': 'a b\u0007<script>' } });
  expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);

  // A job no worker takes yet (this file's queue has none so far): it shows as queued.
  expect((await api().app.inject({ method: 'POST', url: '/v1/jobs/bulk-buy', headers: tenant.headers, payload: { areaCode: '417', quantity: 1 } })).statusCode).toBe(202);
  const res = await api().app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toContain('text/plain');
  // The route's pattern, not the raw URL, and the status.
  expect(sample(res.body, /^twilio_pro_http_requests_total\{method="GET",route="\/v1\/jobs",status="200"\}/)).toBeGreaterThanOrEqual(2);
  expect(sample(res.body, /^twilio_pro_http_requests_total\{method="GET",route="\/v1\/jobs\/:jobId",status="400"\}/)).toBeGreaterThanOrEqual(1);
  expect(res.body).toMatch(/^twilio_pro_http_request_duration_seconds_bucket\{/m);
  // Jobs by kind and status, read from PostgreSQL at the scrape.
  expect(sample(res.body, /^twilio_pro_jobs\{kind="bulk_buy",status="queued"\}/)).toBeGreaterThanOrEqual(1);
  expect(res.body).toMatch(/^twilio_pro_api_process_resident_memory_bytes/m);
  expect(res.body).not.toContain(tenant.apiKey);
});

it('the worker serves Prometheus metrics of its Twilio calls by product, method and status', async () => {
  const port = await freePort();
  const temporalPort = await freePort();
  const worker = await startWorker(stack, taskQueue, { WORKER_METRICS_PORT: String(port), TEMPORAL_METRICS_PORT: String(temporalPort) });
  try {
    const tenant = await newTenant(api().db, 'metrics-worker');
    const search = await api().app.inject({ method: 'GET', url: '/v1/available-numbers?areaCode=417&limit=2', headers: tenant.headers });
    expect(search.statusCode).toBe(200);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(sample(text, /^twilio_pro_twilio_requests_total\{product="api",method="GET",status="200"\}/)).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^twilio_pro_twilio_request_duration_seconds_bucket\{le="[^"]+",product="api",method="GET"/m);
    expect(text).not.toContain(stack.authToken);
    // Temporal's own worker metrics, from the SDK's exporter.
    const temporal = await (await fetch(`http://127.0.0.1:${temporalPort}/metrics`)).text();
    expect(temporal).toMatch(/^temporal_\w+/m);
  } finally {
    await stopChild(worker);
  }
});

it('the request id reaches the workflow and activity log lines of the work the request started', async () => {
  const worker = await startWorker(stack, taskQueue, { LOG_LEVEL: 'debug' });
  const lines: string[] = [];
  let partial = ''; // a chunk may end mid-line: keep whole lines only
  worker.stdout?.on('data', (d) => {
    const parts = (partial + String(d)).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  try {
    const tenant = await newTenant(api().db, 'request-id');
    // Not 417: the first test's queued bulk buy of a 417 number runs once a worker takes this queue, and could be
    // buying that very number between this search and this purchase (a 409, seen once with four forks).
    const search = await api().app.inject({ method: 'GET', url: '/v1/available-numbers?areaCode=479&limit=1', headers: tenant.headers });
    const phoneNumber = search.json().data[0].phoneNumber as string;
    const bought = await api().app.inject({ method: 'POST', url: '/v1/numbers', headers: { ...tenant.headers, 'x-request-id': 'trace-buy-42' }, payload: { phoneNumber } });
    expect(bought.statusCode).toBe(201);
    const tagged = () => lines.filter((l) => l.includes('"requestId":"trace-buy-42"')).map((l) => JSON.parse(l) as { msg: string; activityType?: string; workflowType?: string });
    // The worker's log lines reach its stdout asynchronously: wait for the activity's and the workflow's own.
    await waitFor(async () => tagged().some((l) => l.activityType === 'purchaseNumber'), "the activity's log line with the request id", 30_000);
    await waitFor(async () => tagged().some((l) => l.workflowType === 'buyNumber' && !l.activityType), "the workflow's log line with the request id", 30_000);
  } finally {
    await stopChild(worker);
  }
});
