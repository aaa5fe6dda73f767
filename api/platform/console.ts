import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { ApiDeps } from '../kit/deps';

/** Where `npm run build:web` puts the console (WEB_DIST_DIR overrides it). */
export const defaultWebDist = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * The web console, served from the API's own origin (so it needs no CORS and no second server): its static
 * files at /, and /console/config.json, which tells it where the Temporal UI is. Neither is part of the
 * API's OpenAPI document. Without a build the API still runs and / says how to build it.
 */
export const consoleRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.get('/console/config.json', { schema: { hide: true } }, async () => ({
    temporalUiUrl: deps.config.TEMPORAL_UI_URL ?? null,
    temporalNamespace: deps.config.TEMPORAL_NAMESPACE,
  }));
  const root = path.resolve(deps.config.WEB_DIST_DIR ?? defaultWebDist);
  if (!existsSync(path.join(root, 'index.html'))) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.code(503).send({ error: { code: 'console_not_built', message: 'The web console is not built: run `npm run build:web` (npm start does it).' } }),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: ['index.html'],
    wildcard: false,
    // Hashed assets never change; index.html must be re-read so a new build is picked up.
    setHeaders: (res, file) => res.header('cache-control', file.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable'),
  });
};
