import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getApiKey, issueApiKey, LastAdminKeyError, listApiKeys, revokeApiKey } from '../../db/platform/tenants';
import { ApiKeyParams, ApiKeyView, CreateApiKeyBody, CreatedApiKey } from '../../schemas/platform/api-keys';
import { ErrorBody } from '../../schemas/kit/common';
import type { ApiDeps } from '../kit/deps';
import { auditChange } from './control-plane-audit';
import { HttpError, notFound } from '../kit/errors';

/** The tenant's API keys: issue (shown once), list (prefix and last use only), revoke (effective at once). */
export const apiKeyRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api-keys',
    {
      // A console session token can't issue keys: a stolen token must not become a credential that outlives it.
      config: { scope: 'admin', apiKeyOnly: true },
      schema: {
        tags: ['api keys'],
        summary: 'Issue an API key (admin scope); the key is in this answer only',
        description: 'A key gets the scopes it is given (read when none are named) and those they imply; with `expiresAt` it stops working then.',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, 403: ErrorBody },
      },
    },
    async (req, reply) => {
      const { apiKey, view } = await issueApiKey(deps.db, req.tenant.id, { name: req.body.name ?? null, scopes: req.body.scopes, expiresAt: req.body.expiresAt ?? null });
      await auditChange(deps.db, req, 'api_keys.create', 201, { keyId: view.id, name: view.name, prefix: view.prefix, scopes: view.scopes, expiresAt: view.expiresAt });
      return reply.code(201).send({ ...view, key: apiKey });
    },
  );

  r.get(
    '/api-keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['api keys'],
        summary: "List the tenant's API keys, revoked and expired ones included (admin scope): prefix, scopes, expiry and last use, never the key",
        response: { 200: z.object({ data: z.array(ApiKeyView) }), 403: ErrorBody },
      },
    },
    async (req) => ({ data: await listApiKeys(deps.db, req.tenant.id) }),
  );

  r.get(
    '/api-keys/current',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['api keys'],
        summary: 'The API key making this request: its scopes and expiry (any key may ask), so a client can offer only what the key may do',
        response: { 200: ApiKeyView },
      },
    },
    async (req) => (await getApiKey(deps.db, req.tenant.id, req.apiKey.id))!,
  );

  r.delete(
    '/api-keys/:keyId',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['api keys'],
        summary: 'Revoke an API key (admin scope): it stops working on the next request',
        description: 'The key making the request and the last admin key are refused (409): issue another admin key first.',
        params: ApiKeyParams,
        response: { 200: ApiKeyView, 403: ErrorBody, 409: ErrorBody },
      },
    },
    async (req) => {
      if (req.params.keyId === req.apiKey.id) throw new HttpError(409, 'own_key', 'a key cannot revoke itself; use another admin key');
      try {
        const revoked = await revokeApiKey(deps.db, req.tenant.id, req.params.keyId);
        if (!revoked) throw notFound('API key');
        await auditChange(deps.db, req, 'api_keys.revoke', 200, { keyId: revoked.id, name: revoked.name, prefix: revoked.prefix });
        return revoked;
      } catch (err) {
        if (err instanceof LastAdminKeyError) throw new HttpError(409, 'last_admin_key', err.message);
        throw err;
      }
    },
  );
};
