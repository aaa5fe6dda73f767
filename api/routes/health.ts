import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../app';

export const healthRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness and database check' } }, async () => {
    await deps.db.query('SELECT 1');
    return { status: 'ok' };
  });
};
