import { z } from 'zod';
import { KeyRing, keyRingProblem } from './key-ring';
import { describeTemporalConnection, temporalConnectionProblems, temporalConnectionSchema } from './temporal-connection';

/** Every setting the processes read, validated once at start-up. */
const intFrom = (def: number) => z.coerce.number().int().positive().default(def);
const keyRingSpec = z.string().superRefine((spec, ctx) => {
  const problem = keyRingProblem(spec);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const ConfigSchema = z.object({
  NODE_ENV: z.string().default('development').describe('The environment. `production` (the Docker image sets it) refuses to start without SECRETS_KEY, and serves /metrics and /readyz only to callers on the host itself unless OPS_TOKEN is set.'),
  OPS_TOKEN: z.string().min(24, 'must be at least 24 characters (openssl rand -hex 24)').optional().describe('Guards /metrics and /readyz: callers send `Authorization: Bearer <OPS_TOKEN>` (401 otherwise). Unset: open in development, and in production only to callers on the host itself (403). At least 24 characters (openssl rand -hex 24).'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino level. Every API log line carries the request’s `reqId`: the caller’s `X-Request-Id` when it sent a sane one (else a fresh UUID), echoed in the answer’s `X-Request-Id`; it travels as a Temporal header to the workflows the request starts and their activities (their lines carry `requestId`).'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL').describe('The PostgreSQL connection URL (postgres://…). `npm start` runs an embedded server (data in .data/postgres, port 5433) and sets it.'),
  // Temporal: address, TLS (TEMPORAL_TLS, _CERT, _KEY, _CA, _SERVER_NAME) and TEMPORAL_API_KEY; see config/temporal-connection.ts.
  ...temporalConnectionSchema,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default').describe('The Temporal namespace every workflow runs in.'),
  TEMPORAL_PAYLOAD_ENCRYPTION: z.enum(['true', 'false']).default('true').transform((v) => v === 'true').describe('`true`: every workflow and activity payload is sealed (AES-256-GCM, under the SECRETS_KEY ring) before Temporal stores it. `false`: new payloads are written in clear; sealed ones still open (config/temporal-payload-codec.ts).'),
  TEMPORAL_CODEC_TENANT: z.string().min(1).max(64).optional().describe('The tenant (by name) whose admin keys may use the codec endpoint /v1/codec/* (Temporal’s codec-server protocol, to read sealed histories in the Temporal CLI or UI); unset: no one may.'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('twilio-pro').describe('The task queue the API starts workflows on and the workers poll.'),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex characters').describe('The Twilio account (AC…). `npm start` generates sandbox credentials (.data/sandbox-credentials.json) unless it and TWILIO_AUTH_TOKEN are set.'),
  TWILIO_AUTH_TOKEN: z.string().min(8, 'must be the account auth token').describe('The account’s auth token.'),
  TWILIO_BASE_URL: z.url().optional().describe('The sandbox’s URL; unset: real Twilio (the SDK’s own hosts). Never set TWILIO_REGION or TWILIO_EDGE with it.'),
  TWILIO_MAX_CONCURRENCY: intFrom(10).describe('Set it to your account’s concurrency: Twilio requests in flight for the whole account, across every worker process together (the one knob: bulk jobs use it by default). Each worker also opens a PostgreSQL pool of this + 10 connections at start: size max_connections for your workers (the embedded server allows 400).'),
  WORKER_ACTIVITY_SLOTS: z.coerce.number().int().positive().optional().describe('Activities one worker runs at once (Twilio calls among them wait for the account’s slots); unset: 2 × TWILIO_MAX_CONCURRENCY + 10.'),
  TWILIO_TENANT_ACCOUNTS: z.enum(['shared', 'subaccount']).default('shared').describe('The Twilio account a tenant made by the operator API (POST /v1/operator/tenants) works in when the request names none: `shared` (the deployment’s account) or `subaccount` (a Twilio subaccount of it, made for the tenant).'),
  TWILIO_SUBACCOUNT_POOLS: z
    .enum(['shared', 'own'])
    .default('shared')
    .describe('Whether a tenant’s subaccount takes request slots from the deployment account’s TWILIO_MAX_CONCURRENCY (`shared`: Twilio does not document that subaccounts have limits of their own) or has TWILIO_MAX_CONCURRENCY of its own (`own`). A tenant’s own account (`byo`) always has its own.'),
  TWILIO_HTTP_TIMEOUT_MS: intFrom(10_000).describe('The Twilio SDK’s request timeout.'),
  TWILIO_ACCOUNT_PAUSE_RETRY_MS: intFrom(30_000).describe('How often work waiting on a tenant’s paused Twilio account (its own credentials refused with 20003, or the account suspended or closing) looks again: each look is one PostgreSQL read, no Twilio request. New credentials (PUT /v1/account/credentials) resume the work within this time; no job or registration fails meanwhile.'),
  API_HOST: z.string().default('127.0.0.1').describe('The address the API listens on.'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('The port the API listens on.'),
  BULK_MAX_QUANTITY: intFrom(5000).describe('The largest bulk job: numbers a bulk buy may ask for, or a bulk release or lookup may list.'),
  HYGIENE_MIN_INTERVAL_MINUTES: intFrom(60).describe('A hygiene policy’s `cron` or `rotationCron` due more often than this is a 400 naming the field (each pass reads every number of the tenant).'),
  // Per-tenant quotas (defaults; a tenant's own limits are set with npm run tenant:quota): what one tenant may
  // hold of what all share — the Twilio account's 100 trunks, its concurrency, its numbers.
  TENANT_MAX_TRUNKS: intFrom(10).describe('Per-tenant quota (default): SIP trunks (Twilio’s 100 per account are every tenant’s); over it: 409 quota_exceeded naming it. A tenant’s own limit: npm run tenant:quota -- --tenant acme --trunks 20 (`default` clears it; with no limit given it prints each quota’s limit and use).'),
  TENANT_MAX_ACTIVE_JOBS: intFrom(5).describe('Per-tenant quota (default): bulk jobs queued or running at once; over it: 409 quota_exceeded. A tenant’s own limit: npm run tenant:quota -- --tenant acme --active-jobs 10.'),
  TENANT_MAX_NUMBERS: intFrom(25_000).describe('Per-tenant quota (default): numbers held or being bought (running bulk buys count for what they are still to buy); over it: 409 quota_exceeded. A tenant’s own limit: npm run tenant:quota -- --tenant acme --numbers 50000.'),
  PUBLIC_BASE_URL: z.url().optional().describe('The URL Twilio reaches this API at. When set, registrations provision Event Streams and StatusCallbacks to /webhooks/twilio/events and /webhooks/twilio/status-callback, whose signatures are checked against it; unset: polling only.'),
  API_SYNC_TIMEOUT_MS: intFrom(30_000).describe('How long a single-number request waits for its workflow before answering 202.'),
  API_TEMPORAL_TIMEOUT_MS: intFrom(3_000).describe('How long a request waits for Temporal to take a start or a signal: a job, registration or trunk change is then accepted and left `queued` (the API’s sweep starts it once Temporal is back); any other call answers 503 with Retry-After.'),
  API_RATE_LIMIT_PER_SECOND: intFrom(100).describe('Requests a second each tenant may make to the API, all API processes together (a token bucket in PostgreSQL); over it: 429 rate_limited with Retry-After.'),
  API_RATE_LIMIT_BURST: intFrom(200).describe('The burst each tenant may make above API_RATE_LIMIT_PER_SECOND.'),
  AUTH_FAILURES_PER_MINUTE: intFrom(30).describe('Failed authentications (no key, a wrong, revoked or expired one) a client address may make a minute, all API processes together; past them its failures answer 429 rate_limited with Retry-After (valid keys are never slowed).'),
  AUTH_FAILURES_BURST: intFrom(60).describe('The burst of failed authentications a client address may make above AUTH_FAILURES_PER_MINUTE.'),
  WEBHOOK_RETRY_BASE_MS: intFrom(5_000).describe('A failed webhook delivery’s first retry; each next one waits twice as long, 8 attempts in all.'),
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: z.enum(['true', 'false']).default('false').transform((v) => v === 'true').describe('Webhook endpoints may be loopback, private, link-local … addresses. Off by default everywhere (an endpoint inside the deployment is an SSRF hole); `npm start` and the test stack turn it on for their local receivers.'),
  WEBHOOK_ALLOWED_PORTS: z
    .string()
    .regex(/^\s*(\*|\d{1,5}(\s*,\s*\d{1,5})*)\s*$/, 'must be * or a comma-separated list of ports, e.g. 80,443')
    .default('80,443')
    .transform((v): 'any' | number[] => (v.trim() === '*' ? 'any' : v.split(',').map(Number)))
    .refine((ports) => ports === 'any' || ports.every((p) => p >= 1 && p <= 65535), 'ports are 1 to 65535')
    .describe('The ports webhook endpoints may use: a comma-separated list, or `*` for any (`npm start` and the test stack: `*`).'),
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional().describe('The worker serves its Prometheus metrics (twilio_pro_twilio_requests_total, twilio_pro_twilio_request_duration_seconds, twilio_pro_activity_retries_total) on this port; unset: not served. The Temporal SDK’s own exporter (task slots, polls, schedule-to-start) is on TEMPORAL_METRICS_PORT, read by the worker apart from this schema.'),
  WORKFLOW_BUNDLE_PATH: z.string().optional().describe('A pre-built workflow bundle (npm run build:workflows); unset: the worker bundles the workflows at start.'),
  TEMPORAL_UI_URL: z.url().optional().describe('The Temporal Web UI, if you run one: the console links each job and registration to its workflow there, and the codec endpoint answers CORS for its origin (`npm start` sets it to the dev server’s UI).'),
  WEB_DIST_DIR: z.string().optional().describe('The built web console the API serves at /; unset: web/dist. Without a build, / answers 503 console_not_built and the API works as before.'),
  // A2P 10DLC fees (USD) used by preflight's cost estimate; defaults are Twilio's published prices.
  A2P_FEE_BRAND_USD: z.coerce.number().min(0).default(4.5).describe('A2P 10DLC brand registration fee (USD), for preflight’s cost estimate, the ledger and the budget; the defaults are Twilio’s published prices.'),
  A2P_FEE_SECONDARY_VETTING_USD: z.coerce.number().min(0).default(41).describe('A2P 10DLC secondary vetting fee (Standard brands, USD).'),
  A2P_FEE_AUTH_PLUS_USD: z.coerce.number().min(0).default(12.5).describe('A2P 10DLC Authentication+ fee (public companies, USD).'),
  A2P_FEE_CAMPAIGN_VETTING_USD: z.coerce.number().min(0).default(15).describe('A2P 10DLC campaign vetting fee (USD), charged again for each resubmission of a rejected campaign.'),
  A2P_FEE_CAMPAIGN_MONTHLY_USD: z.coerce.number().min(0).default(10).describe('A2P 10DLC campaign monthly fee (USD).'),
  A2P_FEE_LOW_VOLUME_CAMPAIGN_MONTHLY_USD: z.coerce.number().min(0).default(1.5).describe('A2P 10DLC low-volume campaign monthly fee (USD).'),
  A2P_FEE_SOLE_PROPRIETOR_CAMPAIGN_MONTHLY_USD: z.coerce.number().min(0).default(2).describe('A2P 10DLC Sole Proprietor campaign monthly fee (USD).'),
  // Lookup v2 per-request prices: Twilio's are not published in a form to rely on, so set your contract's.
  LOOKUP_PRICE_LINE_TYPE_USD: z.coerce.number().min(0).default(0.008).describe('What a Lookup v2 line_type_intelligence request costs (USD), for the ledger and the budget; Twilio’s prices are not published in a form to rely on, so set your contract’s.'),
  LOOKUP_PRICE_CALLER_NAME_USD: z.coerce.number().min(0).default(0.01).describe('What a Lookup v2 caller_name request costs (USD).'),
  LOOKUP_PRICE_SMS_PUMPING_RISK_USD: z.coerce.number().min(0).default(0.025).describe('What a Lookup v2 sms_pumping_risk request costs (USD).'),
  LOOKUP_PRICE_REASSIGNED_NUMBER_USD: z.coerce.number().min(0).default(0.01).describe('What a Lookup v2 reassigned_number request costs (USD).'),
  NUMBER_MONTHLY_USD: z.coerce.number().min(0).default(1.15).describe('A number’s monthly price (USD), for the cost ledger, the budget and preflight’s estimate.'),
  // A2P review waits: the first poll after a submission, doubling up to the maximum, and each review's deadline.
  A2P_POLL_FIRST_MS: intFrom(5 * 60_000).describe('Review polling (A2P, voice trust and toll-free): the first poll after a submission; each next waits twice as long, up to A2P_POLL_MAX_MS.'),
  A2P_POLL_MAX_MS: intFrom(6 * 3_600_000).describe('Review polling: the longest wait between two polls.'),
  A2P_DEADLINE_PROFILE_HOURS: intFrom(5 * 24).describe('A customer profile or trust product review still pending after this is shown as needs_attention.'),
  A2P_DEADLINE_BRAND_HOURS: intFrom(10 * 24).describe('A brand review still pending after this is shown as needs_attention.'),
  A2P_DEADLINE_CAMPAIGN_HOURS: intFrom(30 * 24).describe('A campaign review still pending after this is shown as needs_attention.'),
  A2P_DEADLINE_CUSTOMER_HOURS: intFrom(30 * 24).describe('A Sole Proprietor’s OTP or a public company’s Authentication+ not completed by then fails the registration.'),
  // An A2P registration left in action_required this long without corrections ends failed (abandoned).
  A2P_DEADLINE_CORRECTIONS_HOURS: intFrom(30 * 24).describe('An A2P registration left in action_required this long without corrections ends failed (abandoned), cleaned up as a cancel is.'),
  // Voice trust registrations (SHAKEN/STIR, CNAM, Voice Integrity): review polling as A2P's, and the review's deadline.
  VOICE_TRUST_DEADLINE_HOURS: intFrom(7 * 24).describe('A voice trust (SHAKEN/STIR, CNAM, Voice Integrity) review still pending after this is shown as needs_attention.'),
  // A voice trust registration left in action_required this long without corrections ends failed (abandoned).
  VOICE_TRUST_CORRECTIONS_DEADLINE_HOURS: intFrom(30 * 24).describe('A voice trust registration left in action_required this long without corrections is cleaned up and ends failed (abandoned).'),
  // Toll-free verification reviews: Twilio quotes two to three weeks.
  TOLLFREE_DEADLINE_HOURS: intFrom(21 * 24).describe('A toll-free verification review still pending after this is shown as needs_attention (Twilio quotes two to three weeks).'),
  VOICE_POLICY_SHAKEN_STIR_SID: z.string().regex(/^RN[0-9a-f]{32}$/, 'must be a Trust Hub policy SID (RN…)').default('RN7a97559effdf62d00f4298208492a5ea').describe('The SHAKEN/STIR trust product’s Trust Hub policy (Twilio’s), checked at worker start-up.'),
  VOICE_POLICY_CNAM_SID: z.string().regex(/^RN[0-9a-f]{32}$/, 'must be a Trust Hub policy SID (RN…)').default('RNf3db3cd1fe25fcfd3c3ded065c8fea53').describe('The CNAM trust product’s Trust Hub policy (Twilio’s), checked at worker start-up.'),
  VOICE_POLICY_VOICE_INTEGRITY_SID: z.string().regex(/^RN[0-9a-f]{32}$/, 'must be a Trust Hub policy SID (RN…)').default('RN5b3660f9598883b1df4e77f77acefba0').describe('The Voice Integrity trust product’s Trust Hub policy (Twilio’s), checked at worker start-up.'),
  // Trust Hub policies the ISV chain uses; the worker checks them against Twilio's Policies endpoint at start-up.
  A2P_POLICY_SECONDARY_PROFILE_SID: z.string().regex(/^RN[0-9a-f]{32}$/, 'must be a Trust Hub policy SID (RN…)').default('RNdfbf3fae0e1107f8aded0e7cead80bf5').describe('The Trust Hub policy of the ISV chain’s secondary customer profile (Twilio’s), checked against Twilio’s Policies endpoint at worker start-up.'),
  A2P_POLICY_TRUST_PRODUCT_SID: z.string().regex(/^RN[0-9a-f]{32}$/, 'must be a Trust Hub policy SID (RN…)').default('RNb0d4771c2c98518d916a3d4cd70a8f8b').describe('The Trust Hub policy of the A2P messaging trust product (Twilio’s), checked at worker start-up.'),
  A2P_POLICY_STARTER_PROFILE_SID: z.string().regex(/^RN[0-9a-f]{32}$/, 'must be a Trust Hub policy SID (RN…)').default('RN806dd6cd175f314e1f96a9727ee271f4').describe('The Trust Hub policy of a Sole Proprietor’s starter customer profile (Twilio’s), checked at worker start-up.'),
  A2P_POLICY_SOLE_PROPRIETOR_TRUST_PRODUCT_SID: z.string().regex(/^RN[0-9a-f]{32}$/, 'must be a Trust Hub policy SID (RN…)').default('RN670d5d2e282a6130ae063b234b6019c8').describe('The Trust Hub policy of a Sole Proprietor’s A2P trust product (Twilio’s), checked at worker start-up.'),
  A2P_PRIMARY_PROFILE_SID: z.string().regex(/^BU[0-9a-f]{32}$/, 'must be a customer profile SID (BU…)').optional().describe('The ISV’s approved primary customer profile (BU…); unset: found in Trust Hub.'),
  A2P_RECONCILE_BY_LISTING: z.enum(['true', 'false']).default('false').transform((v) => v === 'true').describe('Benchmarks only: reconcile every A2P create by paging through Twilio’s lists, as before the SIDs were kept (bench:a2p --prior compares).'),
  SECRETS_KEY: keyRingSpec.optional().describe('Encrypts write-only secrets (SIP passwords, webhook signing secrets) at rest and seals Temporal payloads: 32 random bytes, base64 (openssl rand -base64 32), or a key ring `id:base64,id:base64` (the first seals, all open); the same value on the API and every worker. Required when NODE_ENV=production; unset in development: derived from TWILIO_AUTH_TOKEN.'),
  SECRETS_KEYS: keyRingSpec.optional().describe('The key ring, as SECRETS_KEY’s list form (`new:<base64>,old:<base64>`); set one of the two. To rotate: deploy `old:<A>,new:<B>` everywhere, then `new:<B>,old:<A>`, then run npm run secrets -- rotate, and drop `old` once npm run secrets -- status shows nothing left under it.'),
  SIP_LIVE_READ_TIMEOUT_MS: intFrom(5_000).describe('How long GET /v1/sip/trunks/{trunkSid} waits for a live read of Twilio before showing the last stored read.'),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Parses the environment; the error names each bad variable and why. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (as docker-compose passes `${X:-}`) means unset.
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(set);
  const lines = parsed.success ? [...secretsKeyProblems(parsed.data), ...temporalConnectionProblems(parsed.data)] : parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  if (parsed.success && !lines.length) return parsed.data;
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

/**
 * Without SECRETS_KEY the secrets' key is derived from the Twilio auth token: fine on a laptop, but in
 * production rotating the token would then make every stored secret unreadable, and whoever holds the
 * token holds the key. So production refuses to start without one.
 */
function secretsKeyProblems(c: Config): string[] {
  if (c.SECRETS_KEY && c.SECRETS_KEYS) return ['  SECRETS_KEYS: set SECRETS_KEY or SECRETS_KEYS, not both'];
  if (c.NODE_ENV === 'production' && !c.SECRETS_KEY && !c.SECRETS_KEYS) {
    return ['  SECRETS_KEY: required when NODE_ENV=production (32 random bytes, base64: openssl rand -base64 32; the same value on the API and every worker)'];
  }
  return [];
}

/** Config for log output: secrets are never printed. */
export function describeConfig(c: Config): Record<string, unknown> {
  return {
    temporal: `${c.TEMPORAL_ADDRESS}/${c.TEMPORAL_NAMESPACE}`,
    // What kind of connection, never its key or API key.
    temporalConnection: describeTemporalConnection(c),
    temporalPayloads: c.TEMPORAL_PAYLOAD_ENCRYPTION ? 'encrypted' : 'clear (sealed ones still open)',
    taskQueue: c.TEMPORAL_TASK_QUEUE,
    twilio: c.TWILIO_BASE_URL ? `sandbox ${c.TWILIO_BASE_URL}` : 'api.twilio.com',
    twilioAccount: c.TWILIO_ACCOUNT_SID.slice(0, 6) + '…',
    database: c.DATABASE_URL.replace(/\/\/[^@]*@/, '//***@'),
    // Key ids only: what an operator checks before rotating (every process must list the new key).
    secretsKeyIds: KeyRing.fromConfig(c).keys.map((k) => k.id),
    // Said at start-up, so an allowance meant for development is seen when it reaches production.
    webhookPrivateAddresses: c.WEBHOOK_ALLOW_PRIVATE_ADDRESSES ? 'allowed' : 'refused',
  };
}
