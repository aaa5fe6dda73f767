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
  NODE_ENV: z.string().default('development'),
  /** Guards /metrics and /readyz (Authorization: Bearer <OPS_TOKEN>); unset: open in development, loopback-only in production. */
  OPS_TOKEN: z.string().min(24, 'must be at least 24 characters (openssl rand -hex 24)').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL'),
  // Temporal: address, TLS (TEMPORAL_TLS, _CERT, _KEY, _CA, _SERVER_NAME) and TEMPORAL_API_KEY; see config/temporal-connection.ts.
  ...temporalConnectionSchema,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /**
   * Seals every workflow and activity payload (AES-256-GCM, under the SECRETS_KEY ring) before Temporal stores
   * it. `false` writes new payloads in clear again; sealed ones still open (config/temporal-payload-codec.ts).
   */
  TEMPORAL_PAYLOAD_ENCRYPTION: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** The tenant (by name) whose admin keys may use the codec endpoint (/v1/codec/*); unset: no one may. */
  TEMPORAL_CODEC_TENANT: z.string().min(1).max(64).optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('twilio-pro'),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex characters'),
  TWILIO_AUTH_TOKEN: z.string().min(8, 'must be the account auth token'),
  /** Set only for the sandbox; real Twilio uses the SDK's own hosts. */
  TWILIO_BASE_URL: z.url().optional(),
  /** Set it to your account's concurrency: requests in flight to Twilio, across every worker process together. */
  TWILIO_MAX_CONCURRENCY: intFrom(10),
  /** Activities one worker runs at once (Twilio calls among them wait for the account's slots); default 2 × TWILIO_MAX_CONCURRENCY + 10. */
  WORKER_ACTIVITY_SLOTS: z.coerce.number().int().positive().optional(),
  TWILIO_HTTP_TIMEOUT_MS: intFrom(10_000),
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  BULK_MAX_QUANTITY: intFrom(5000),
  /** Hygiene passes (health, rotation) may not be scheduled more often than this (each reads every number of the tenant). */
  HYGIENE_MIN_INTERVAL_MINUTES: intFrom(60),
  // Per-tenant quotas (defaults; a tenant's own limits are set with npm run tenant:quota): what one tenant may
  // hold of what all share — the Twilio account's 100 trunks, its concurrency, its numbers.
  TENANT_MAX_TRUNKS: intFrom(10),
  TENANT_MAX_ACTIVE_JOBS: intFrom(5),
  TENANT_MAX_NUMBERS: intFrom(25_000),
  /** The URL Twilio calls this API at (webhook signatures cover it); defaults to the local listener. */
  PUBLIC_BASE_URL: z.url().optional(),
  /** How long a single-number request waits for its workflow before answering 202. */
  API_SYNC_TIMEOUT_MS: intFrom(30_000),
  /** How long a request waits for Temporal to accept a start or a signal before answering without it. */
  API_TEMPORAL_TIMEOUT_MS: intFrom(3_000),
  /** Requests a second each tenant may make to the API (all API processes together), and the burst above it. */
  API_RATE_LIMIT_PER_SECOND: intFrom(100),
  API_RATE_LIMIT_BURST: intFrom(200),
  /** Failed authentications a client address may make (a minute, and in a burst) before they are answered 429. */
  AUTH_FAILURES_PER_MINUTE: intFrom(30),
  AUTH_FAILURES_BURST: intFrom(60),
  /** First retry of a failed webhook delivery; each next one waits twice as long. */
  WEBHOOK_RETRY_BASE_MS: intFrom(5_000),
  /**
   * Webhook endpoints may be loopback, private, link-local … addresses. Off by default everywhere (an endpoint
   * inside the deployment is an SSRF hole); the dev and test stacks turn it on for their local receivers.
   */
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Ports webhook endpoints may use: a comma-separated list, or `*` for any. */
  WEBHOOK_ALLOWED_PORTS: z
    .string()
    .regex(/^\s*(\*|\d{1,5}(\s*,\s*\d{1,5})*)\s*$/, 'must be * or a comma-separated list of ports, e.g. 80,443')
    .default('80,443')
    .transform((v): 'any' | number[] => (v.trim() === '*' ? 'any' : v.split(',').map(Number)))
    .refine((ports) => ports === 'any' || ports.every((p) => p >= 1 && p <= 65535), 'ports are 1 to 65535'),
  /** The worker's Prometheus metrics (Twilio calls) on this port; unset: not served. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  /** The Temporal Web UI, if you run one: the console links each job and registration to its workflow there. */
  TEMPORAL_UI_URL: z.url().optional(),
  /** The built web console the API serves at /; default web/dist. */
  WEB_DIST_DIR: z.string().optional(),
  // A2P 10DLC fees (USD) used by preflight's cost estimate; defaults are Twilio's published prices.
  A2P_FEE_BRAND_USD: z.coerce.number().min(0).default(4.5),
  A2P_FEE_SECONDARY_VETTING_USD: z.coerce.number().min(0).default(41),
  A2P_FEE_AUTH_PLUS_USD: z.coerce.number().min(0).default(12.5),
  A2P_FEE_CAMPAIGN_VETTING_USD: z.coerce.number().min(0).default(15),
  A2P_FEE_CAMPAIGN_MONTHLY_USD: z.coerce.number().min(0).default(10),
  A2P_FEE_LOW_VOLUME_CAMPAIGN_MONTHLY_USD: z.coerce.number().min(0).default(1.5),
  A2P_FEE_SOLE_PROPRIETOR_CAMPAIGN_MONTHLY_USD: z.coerce.number().min(0).default(2),
  // Lookup v2 per-request prices: Twilio's are not published in a form to rely on, so set your contract's.
  LOOKUP_PRICE_LINE_TYPE_USD: z.coerce.number().min(0).default(0.008),
  LOOKUP_PRICE_CALLER_NAME_USD: z.coerce.number().min(0).default(0.01),
  LOOKUP_PRICE_SMS_PUMPING_RISK_USD: z.coerce.number().min(0).default(0.025),
  LOOKUP_PRICE_REASSIGNED_NUMBER_USD: z.coerce.number().min(0).default(0.01),
  NUMBER_MONTHLY_USD: z.coerce.number().min(0).default(1.15),
  // A2P review waits: the first poll after a submission, doubling up to the maximum, and each review's deadline.
  A2P_POLL_FIRST_MS: intFrom(5 * 60_000),
  A2P_POLL_MAX_MS: intFrom(6 * 3_600_000),
  A2P_DEADLINE_PROFILE_HOURS: intFrom(5 * 24),
  A2P_DEADLINE_BRAND_HOURS: intFrom(10 * 24),
  A2P_DEADLINE_CAMPAIGN_HOURS: intFrom(30 * 24),
  A2P_DEADLINE_CUSTOMER_HOURS: intFrom(30 * 24),
  // An A2P registration left in action_required this long without corrections ends failed (abandoned).
  A2P_DEADLINE_CORRECTIONS_HOURS: intFrom(30 * 24),
  // Voice trust registrations (SHAKEN/STIR, CNAM, Voice Integrity): review polling as A2P's, and the review's deadline.
  VOICE_TRUST_DEADLINE_HOURS: intFrom(7 * 24),
  // A voice trust registration left in action_required this long without corrections ends failed (abandoned).
  VOICE_TRUST_CORRECTIONS_DEADLINE_HOURS: intFrom(30 * 24),
  // Toll-free verification reviews: Twilio quotes two to three weeks.
  TOLLFREE_DEADLINE_HOURS: intFrom(21 * 24),
  VOICE_POLICY_SHAKEN_STIR_SID: z.string().regex(/^RN[0-9a-f]{32}$/, 'must be a Trust Hub policy SID (RN…)').default('RN7a97559effdf62d00f4298208492a5ea'),
  VOICE_POLICY_CNAM_SID: z.string().regex(/^RN[0-9a-f]{32}$/, 'must be a Trust Hub policy SID (RN…)').default('RNf3db3cd1fe25fcfd3c3ded065c8fea53'),
  VOICE_POLICY_VOICE_INTEGRITY_SID: z.string().regex(/^RN[0-9a-f]{32}$/, 'must be a Trust Hub policy SID (RN…)').default('RN5b3660f9598883b1df4e77f77acefba0'),
  // Trust Hub policies the ISV chain uses; the worker checks them against Twilio's Policies endpoint at start-up.
  A2P_POLICY_SECONDARY_PROFILE_SID: z.string().regex(/^RN[0-9a-f]{32}$/, 'must be a Trust Hub policy SID (RN…)').default('RNdfbf3fae0e1107f8aded0e7cead80bf5'),
  A2P_POLICY_TRUST_PRODUCT_SID: z.string().regex(/^RN[0-9a-f]{32}$/, 'must be a Trust Hub policy SID (RN…)').default('RNb0d4771c2c98518d916a3d4cd70a8f8b'),
  A2P_POLICY_STARTER_PROFILE_SID: z.string().regex(/^RN[0-9a-f]{32}$/, 'must be a Trust Hub policy SID (RN…)').default('RN806dd6cd175f314e1f96a9727ee271f4'),
  A2P_POLICY_SOLE_PROPRIETOR_TRUST_PRODUCT_SID: z.string().regex(/^RN[0-9a-f]{32}$/, 'must be a Trust Hub policy SID (RN…)').default('RN670d5d2e282a6130ae063b234b6019c8'),
  /** The ISV's approved primary customer profile; found in Trust Hub when unset. */
  A2P_PRIMARY_PROFILE_SID: z.string().regex(/^BU[0-9a-f]{32}$/, 'must be a customer profile SID (BU…)').optional(),
  /** Benchmarks only: reconcile A2P creates by paging through Twilio's lists every time, as before claims were kept (bench:a2p compares). */
  A2P_RECONCILE_BY_LISTING: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /**
   * Encrypts write-only secrets (SIP passwords, webhook signing secrets) at rest: 32 random bytes, base64, or a
   * key ring `id:base64,id:base64` (the first seals, all open). Required in production; derived from the auth
   * token when unset in development.
   */
  SECRETS_KEY: keyRingSpec.optional(),
  /** The key ring, as SECRETS_KEY's list form; set one of the two. */
  SECRETS_KEYS: keyRingSpec.optional(),
  /** How long GET /v1/sip/trunks/{trunkSid} waits for a live read of Twilio before showing the stored one. */
  SIP_LIVE_READ_TIMEOUT_MS: intFrom(5_000),
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
