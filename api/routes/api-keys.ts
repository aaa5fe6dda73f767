import type { FastifyPluginAsync } from 'fastify';
import { requireAdmin } from '../plugins/auth';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { issueApiKey, LastAdminKeyError, listApiKeys, revokeApiKey } from '../../db/tenants';
import { ApiKeyParams, ApiKeyView, CreateApiKeyBody, CreatedApiKey } from '../../schemas/api-keys';
import { ErrorBody } from '../../schemas/common';
import type { ApiDeps } from '../app';
import { HttpError, notFound } from '../errors';


/** The tenant's API keys: issue (shown once), list (prefix and last use only), revoke (effective at once). */
export const apiKeyRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api-keys',
    {
      schema: {
        tags: ['api keys'],
        summary: 'Issue an API key (admin scope); the key is in this answer only',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, 403: ErrorBody },
      },
    },
    async (req, reply) => {
      requireAdmin(req, 'managing API keys');
      const { apiKey, view } = await issueApiKey(deps.db, req.tenant.id, { name: req.body.name ?? null, scopes: req.body.scopes });
      return reply.code(201).send({ ...view, key: apiKey });
    },
  );

  r.get(
    '/api-keys',
    {
      schema: {
        tags: ['api keys'],
        summary: "List the tenant's API keys, revoked ones included (admin scope): prefix, scopes and last use, never the key",
        response: { 200: z.object({ data: z.array(ApiKeyView) }), 403: ErrorBody },
      },
    },
    async (req) => {
      requireAdmin(req, 'managing API keys');
      return { data: await listApiKeys(deps.db, req.tenant.id) };
    },
  );

  r.delete(
    '/api-keys/:keyId',
    {
      schema: {
        tags: ['api keys'],
        summary: 'Revoke an API key (admin scope): it stops working on the next request',
        description: 'The key making the request and the last admin key are refused (409): issue another admin key first.',
        params: ApiKeyParams,
        response: { 200: ApiKeyView, 403: ErrorBody, 409: ErrorBody },
      },
    },
    async (req) => {
      requireAdmin(req, 'managing API keys');
      if (req.params.keyId === req.apiKey.id) throw new HttpError(409, 'own_key', 'a key cannot revoke itself; use another admin key');
      try {
        const revoked = await revokeApiKey(deps.db, req.tenant.id, req.params.keyId);
        if (!revoked) throw notFound('API key');
        return revoked;
      } catch (err) {
        if (err instanceof LastAdminKeyError) throw new HttpError(409, 'last_admin_key', err.message);
        throw err;
      }
    },
  );
};
