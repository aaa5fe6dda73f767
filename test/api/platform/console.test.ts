import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApi } from '../../helpers/stack';

/** The API serves the web console and the little it needs to know; neither is in the OpenAPI document. */
const apis: Awaited<ReturnType<typeof createTestApi>>[] = [];
afterAll(async () => {
  for (const a of apis) await a.close();
});

describe('the console, served by the API', () => {
  it('/console/config.json tells the console where the Temporal UI is, without authentication or secrets', async () => {
    const api = await createTestApi({ TEMPORAL_UI_URL: 'http://temporal-ui.internal:8080' });
    apis.push(api);
    const res = await api.app.inject({ method: 'GET', url: '/console/config.json' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ temporalUiUrl: 'http://temporal-ui.internal:8080', temporalNamespace: 'default' });
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/v1/') && !['/healthz', '/readyz'].includes(p))).toEqual([]);
  });

  it('without a build, / says how to build the console in the API’s error shape, and the API works', async () => {
    const api = await createTestApi({ WEB_DIST_DIR: await mkdtemp(path.join(tmpdir(), 'no-console-')) });
    apis.push(api);
    const res = await api.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatchObject({ code: 'console_not_built', message: expect.stringContaining('npm run build:web') });
    expect((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
