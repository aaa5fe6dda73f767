/**
 * Security headers (api/kit/plugins/security-headers.ts, @fastify/helmet) on every answer: the console, its
 * assets, JSON answers and errors; Swagger UI's looser policy at /docs only. The browser tests
 * (test/browser) prove the console and /docs work under them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWebDist } from '../../../api/platform/console';
import { createTestApi, newTenant } from '../../helpers/stack';

let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => api?.close());

type Headers = Record<string, string | string[] | number | undefined>;

/** The Content-Security-Policy as directive → sources. */
function csp(headers: Headers): Record<string, string[]> {
  const value = String(headers['content-security-policy'] ?? '');
  return Object.fromEntries(
    value
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name!, sources]),
  );
}

/** What every answer carries, whatever it is. */
function expectBaseHeaders(headers: Headers, what: string) {
  expect(headers['x-content-type-options'], what).toBe('nosniff');
  expect(headers['referrer-policy'], what).toBe('no-referrer');
  expect(headers['x-frame-options'], what).toBe('DENY');
  expect(headers['strict-transport-security'], what).toBe('max-age=31536000');
  expect(headers['x-powered-by'], what).toBeUndefined();
  const policy = csp(headers);
  expect(policy['frame-ancestors'], what).toEqual(["'none'"]);
  expect(policy['default-src'], what).toEqual(["'self'"]);
  expect(policy['script-src'], what).toEqual(["'self'"]); // no 'unsafe-inline', no 'unsafe-eval', anywhere
  expect(policy['object-src'], what).toEqual(["'none'"]);
  return policy;
}

describe('security headers', () => {
  it('the console and its assets: a strict CSP — this origin only, nothing inline, never framed', async () => {
    const page = await api.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const policy = expectBaseHeaders(page.headers, '/');
    expect(policy['style-src']).toEqual(["'self'"]);
    expect(policy['img-src']).toEqual(["'self'"]);
    expect(policy['connect-src']).toEqual(["'self'"]);
    expect(policy['base-uri']).toEqual(["'none'"]);
    expect(policy).not.toHaveProperty('upgrade-insecure-requests');

    const script = /<script[^>]* src="(\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    const asset = await api.app.inject({ method: 'GET', url: script! });
    expect(asset.statusCode).toBe(200);
    expectBaseHeaders(asset.headers, script!);
  });

  it('the built console has nothing inline for the CSP to block: every script and stylesheet is a file of this origin', async () => {
    const html = await readFile(path.join(defaultWebDist, 'index.html'), 'utf8');
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag, tag).toMatch(/ src="\/[^/]/);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    for (const href of html.match(/ href="[^"]*"/g) ?? []) expect(href).toMatch(/ href="\/[^/]/);
  });

  it('JSON answers carry them too: a /v1 answer, a 401, a 404', async () => {
    const tenant = await newTenant(api.db, 'headers');
    const ok = await api.app.inject({ method: 'GET', url: '/v1/numbers', headers: tenant.headers });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^application\/json/);
    expectBaseHeaders(ok.headers, 'GET /v1/numbers');
    const unauthorized = await api.app.inject({ method: 'GET', url: '/v1/numbers' });
    expect(unauthorized.statusCode).toBe(401);
    expectBaseHeaders(unauthorized.headers, '401');
    const missing = await api.app.inject({ method: 'GET', url: '/v1/no-such-thing', headers: tenant.headers });
    expect(missing.statusCode).toBe(404);
    expectBaseHeaders(missing.headers, '404');
    expectBaseHeaders((await api.app.inject({ method: 'GET', url: '/healthz' })).headers, '/healthz');
  });

  it('/docs alone gets Swagger UI’s looser policy (its data: icons, its logo’s one <style>); its scripts stay files of this origin', async () => {
    const docs = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    const policy = expectBaseHeaders(docs.headers, '/docs/');
    expect(policy['img-src']).toEqual(["'self'", 'data:']);
    expect(policy['style-src']).toEqual(["'self'", expect.stringMatching(/^'sha256-[\w+/]+=*'$/)]); // one style by its hash, not 'unsafe-inline'
    // Swagger UI's page loads every script from a file, so script-src 'self' is all it needs.
    const scripts = docs.body.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag, tag).toMatch(/ src="/);
    const css = await api.app.inject({ method: 'GET', url: '/docs/static/swagger-ui.css' });
    expect(csp(css.headers)['img-src']).toEqual(["'self'", 'data:']);
    // Not beyond /docs.
    expect(csp((await api.app.inject({ method: 'GET', url: '/openapi.json' })).headers)['img-src']).toEqual(["'self'"]);
    expect(csp((await api.app.inject({ method: 'GET', url: '/docsx' })).headers)['img-src']).toEqual(["'self'"]);
  });
});
