import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { RateLimit } from '../../../db/platform/rate-limit';
import { findTenantByApiKey, type Tenant } from '../../../db/platform/tenants';
import { findTenantBySessionToken, isSessionToken } from '../../../db/platform/sessions';
import { recordAuthFailure } from '../../../db/platform/auth-failures';
import type { Db } from '../../../db/kit/pool';
import { scopesGrant, type ApiKeyScope } from '../../../schemas/platform/api-keys';
import { HttpError } from '../errors';

/**
 * The scope a route needs, declared in its options (`config: { scope: 'spend' }`): one scope, or one that
 * some requests raise (a lookup is free, unless it asks for billed packages).
 */
export type RouteScope = ApiKeyScope | { scope: ApiKeyScope; raisedTo: ApiKeyScope; when: string; applies: (req: FastifyRequest) => boolean };

/** A /v1 route as registered, with the scope it declared (undefined: it forgot, and the default applies). */
export interface RouteScopeEntry {
  method: string;
  url: string;
  declared: RouteScope | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    tenant: Tenant;
    /** The API key the request came with: its id and scopes. */
    apiKey: { id: string; scopes: string[] };
    /** The console session the request came with (a `tps_` token acting as apiKey), or null for the key itself. */
    session: { id: string; expiresAt: string } | null;
  }
  interface FastifyContextConfig {
    /** What an API key needs to call this route; see RouteScope. */
    scope?: RouteScope;
    /**
     * Only an API key itself may call this route, never a console session token: the routes that mint
     * credentials, so a stolen short-lived token can't be turned into a long-lived one.
     */
    apiKeyOnly?: boolean;
  }
  interface FastifyInstance {
    /** Every /v1 route and the scope it declared, for the test that no route forgets one. */
    routeScopes?: RouteScopeEntry[];
  }
}

/**
 * A route that declares no scope is not a hole: reading needs `read`, anything else `admin`, until
 * someone decides (and a test fails meanwhile).
 */
export const defaultScope = (method: string): ApiKeyScope => (method === 'GET' || method === 'HEAD' ? 'read' : 'admin');

/** The scope this request needs: its route's declaration, raised when the request is the costly kind. */
export function neededScope(req: FastifyRequest, declared: RouteScope | undefined): ApiKeyScope {
  if (!declared) return defaultScope(req.method);
  if (typeof declared === 'string') return declared;
  return declared.applies(req) ? declared.raisedTo : declared.scope;
}

/**
 * Every /v1 call names its tenant with `Authorization: Bearer <api key>`. With a rate limit, each tenant's
 * requests (across every API process: the bucket is in PostgreSQL) beyond it are a 429 with Retry-After;
 * the key's lookup and the bucket's token are one statement. Then the key's scopes must cover what the
 * route needs — before the request is validated, so a key that may not do something learns that (403)
 * rather than how to phrase it (400).
 */
export function registerAuth(app: FastifyInstance, db: Db, limit?: RateLimit, failures?: RateLimit) {
  /** A failed authentication: 401, or 429 once the client's address is over its failures (guessing keys is slow). */
  async function refuse(req: FastifyRequest, reply: FastifyReply, message: string): Promise<never> {
    const wait = failures ? await recordAuthFailure(db, req.ip, failures) : 0;
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new HttpError(429, 'rate_limited', `too many failed authentications from this address; retry after ${wait} s`);
    }
    throw new HttpError(401, 'unauthorized', message);
  }

  app.decorateRequest('tenant', null as unknown as Tenant);
  app.decorateRequest('apiKey', null as unknown as { id: string; scopes: string[] });
  app.decorateRequest('session', null);
  app.addHook('onRoute', (route) => {
    for (const method of ([] as string[]).concat(route.method)) app.routeScopes?.push({ method, url: route.url, declared: route.config?.scope });
    documentScope(route, route.config?.scope ?? defaultScope(([] as string[]).concat(route.method)[0]!));
    if (route.config?.apiKeyOnly) documentApiKeyOnly(route);
  });
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return refuse(req, reply, 'missing Authorization: Bearer <api key> header');
    const credential = match[1]!;
    const tenant = await findCaller(db, credential, limit);
    if (!tenant) return refuse(req, reply, isSessionToken(credential) ? 'invalid, expired or revoked session token' : 'invalid API key');
    req.tenant = { id: tenant.id, name: tenant.name };
    req.apiKey = tenant.key;
    req.session = tenant.session;
    if (tenant.waitSeconds > 0 && limit) {
      reply.header('retry-after', String(tenant.waitSeconds));
      throw new HttpError(429, 'rate_limited', `this tenant is over ${limit.perSecond} requests a second (burst ${limit.burst}); retry after ${tenant.waitSeconds} s`);
    }
    if (req.session && req.routeOptions.config.apiKeyOnly) {
      throw new HttpError(403, 'api_key_required', `${req.method} ${req.routeOptions.url} needs the API key itself: a console session token cannot create sessions or API keys`);
    }
    const needed = neededScope(req, req.routeOptions.config.scope);
    // An operator suspended the tenant (POST /v1/operator/tenants/{id}/suspend): it may look, and sign in to the
    // console to look, but change nothing and spend nothing — what a read key may do (a billed lookup is not a read).
    if (tenant.suspended && needed !== 'read') {
      throw new HttpError(403, 'tenant_suspended', `this tenant is suspended by the operator: ${req.method} ${req.routeOptions.url} is refused until it is resumed; reads still work`);
    }
    if (!scopesGrant(req.apiKey.scopes, needed)) {
      throw new HttpError(
        403,
        'insufficient_scope',
        `${req.method} ${req.routeOptions.url} needs an API key with the ${needed} scope; this key has ${req.apiKey.scopes.join(', ') || 'none'}`,
      );
    }
  });
}

/** Who a bearer credential is: an API key, or a console session token (`tps_…`) acting as its key. */
async function findCaller(db: Db, credential: string, limit?: RateLimit) {
  if (isSessionToken(credential)) return findTenantBySessionToken(db, credential, limit);
  const tenant = await findTenantByApiKey(db, credential, limit);
  return tenant && { ...tenant, session: null };
}

/** A sentence of the operation's description: a session token is refused. */
function documentApiKeyOnly(route: RouteOptions) {
  const schema = route.schema as { hide?: boolean; description?: string } | undefined;
  if (!schema || schema.hide || schema.description?.includes('api_key_required')) return;
  schema.description = `${schema.description} Only an API key may call it: a console session token is refused (403 api_key_required).`;
}

/** The scope in the operation's OpenAPI entry (`x-required-scope`) and a sentence of its description. */
function documentScope(route: RouteOptions, scope: RouteScope) {
  const schema = route.schema as (Record<string, unknown> & { hide?: boolean; description?: string }) | undefined;
  // A GET's HEAD twin shares its schema: describe it once.
  if (!schema || schema.hide || 'x-required-scope' in schema) return;
  const base = typeof scope === 'string' ? scope : scope.scope;
  schema['x-required-scope'] = base;
  let sentence = `Needs an API key with the \`${base}\` scope`;
  if (typeof scope !== 'string') {
    schema['x-required-scope-raised'] = { scope: scope.raisedTo, when: scope.when };
    sentence += `, and the \`${scope.raisedTo}\` scope ${scope.when}`;
  }
  schema.description = [schema.description, `${sentence} (403 insufficient_scope otherwise).`].filter(Boolean).join(' ');
}
