import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createSession, revokeSession } from '../../db/platform/sessions';
import { ErrorBody } from '../../schemas/kit/common';
import { CreatedSession, CreateSessionBody, RevokedSession } from '../../schemas/platform/sessions';
import type { ApiDeps } from '../kit/deps';
import { auditChange } from './control-plane-audit';
import { HttpError } from '../kit/errors';
import { OPTIONAL_BODY } from '../kit/plugins/optional-body';

/**
 * Console sessions: the web console trades the API key pasted into it for a short-lived token and keeps
 * only the token. Any key may do so (the session can do no more than the key), but only the key itself:
 * a session token can't make another session, or a key (api/kit/plugins/auth.ts `apiKeyOnly`).
 */
export const sessionRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/sessions',
    {
      // read: any key, a read-only one included, may sign in to the console.
      config: { scope: 'read', apiKeyOnly: true },
      schema: {
        tags: ['sessions'],
        summary: 'Trade the API key for a short-lived session token (the console signs in with it); the token is in this answer only',
        description:
          'The token (`tps_…`) acts as the key that made it — same tenant, the key’s scopes as they are at each request — until it expires, ' +
          'is revoked (`DELETE /v1/sessions/current`), or its key is revoked or expires. The body may be left out.',
        body: CreateSessionBody,
        [OPTIONAL_BODY]: true,
        response: { 201: CreatedSession, 403: ErrorBody },
      },
      // A request without a body (Fastify's null) means the defaults, as `{}` does.
      preValidation: async (req) => {
        req.body ??= {} as typeof req.body; // validation, next, fills in ttlMinutes' default
      },
    },
    async (req, reply) => {
      const { token, view } = await createSession(deps.db, req.tenant.id, req.apiKey.id, req.body.ttlMinutes);
      await auditChange(deps.db, req, 'sessions.create', 201, { keyId: view.keyId, expiresAt: view.expiresAt });
      return reply.code(201).send({ token, ...view });
    },
  );

  r.delete(
    '/sessions/current',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['sessions'],
        summary: 'End the session token making this request (sign out): it is refused (401) from the next request on',
        description: 'Called with an API key rather than a session token it is a 404: there is no session to end (revoke keys with `DELETE /v1/api-keys/{keyId}`).',
        response: { 200: RevokedSession, 404: ErrorBody },
      },
    },
    async (req) => {
      const revoked = req.session ? await revokeSession(deps.db, req.tenant.id, req.session.id) : null;
      if (!revoked) throw new HttpError(404, 'not_found', 'no session to end: this request was made with an API key, not a session token');
      await auditChange(deps.db, req, 'sessions.revoke', 200, { keyId: req.apiKey.id });
      return { keyId: req.apiKey.id, revokedAt: revoked.revokedAt };
    },
  );
};
