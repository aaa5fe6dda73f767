import { createHash } from 'node:crypto';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

type Directives = Record<string, string[]>;

/**
 * The console's policy, and every other answer's: scripts, styles and requests from this origin only, nothing
 * inline (the Vite build emits none, and React sets `style` props through the CSSOM, which CSP allows), no
 * plugins, and no page may frame it (clickjacking). No `upgrade-insecure-requests`: everything is same-origin,
 * and on http://127.0.0.1 it would only get in the way.
 */
export const consoleCsp: Directives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/** A CSP source that allows one inline <style> element with exactly this text. */
const styleHash = (css: string) => `'sha256-${createHash('sha256').update(css).digest('base64')}'`;

/**
 * Swagger UI at /docs, and only there, needs two things more: its stylesheet draws its icons as `data:` SVG
 * images, and its logo is an SVG with an inline <style> — allowed by that text's hash, not 'unsafe-inline'
 * (a Swagger UI upgrade that changes it fails test/browser/headers.spec.ts, which names the new hash). Its
 * scripts are files of its own (swagger-initializer.js included), so scripts stay 'self'.
 */
export const docsCsp: Directives = {
  ...consoleCsp,
  'img-src': ["'self'", 'data:'],
  'style-src': ["'self'", styleHash('.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}')],
};

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

const headers: FastifyHelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: consoleCsp },
  // Nothing in the console needs to tell another site where the user came from (its URLs name tabs, numbers, ids).
  referrerPolicy: { policy: 'no-referrer' },
  // The pre-CSP-2 twin of frame-ancestors 'none'.
  frameguard: { action: 'deny' },
  // Browsers honour HSTS only over https (behind the operator's TLS proxy) and ignore it on http://127.0.0.1.
  // No includeSubDomains: the API's host name says nothing about the operator's other hosts.
  strictTransportSecurity: { maxAge: ONE_YEAR_SECONDS, includeSubDomains: false },
};

const isDocs = (url: string) => url === '/docs' || url.startsWith('/docs/');

/**
 * Security headers on every answer (@fastify/helmet): the console, the JSON API, errors and 404s alike —
 * nosniff, the CSP above with frame-ancestors 'none', no referrer, HSTS. Swagger UI's routes get their
 * looser policy; register this before @fastify/swagger-ui, so its routes pass through the onRoute hook.
 */
export async function registerSecurityHeaders(app: FastifyInstance) {
  await app.register(helmet, headers);
  app.addHook('onRoute', (route) => {
    if (!isDocs(route.url)) return;
    route.config = { ...route.config, helmet: { contentSecurityPolicy: { useDefaults: false, directives: docsCsp } } } as typeof route.config;
  });
}
