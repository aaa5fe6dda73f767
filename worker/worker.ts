import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { createActivities } from '../activities';
import { checkA2pSetup } from './trusthub-setup';
import { createTwilioClient } from '../activities/kit/twilio-client';
import type { Config } from '../config/env';
import { migrate } from '../db/kit/migrate';
import { createPool, warmPool } from '../db/kit/pool';
import { createAuditSink } from '../activities/kit/audit';
import { feesFromConfig } from '../compliance/platform/prices';
import { lookupPricesFromConfig } from '../compliance/lookups/prices';
import { createWorkerMetrics } from './metrics';
import { startWebhookDispatcher } from './platform/webhook-dispatcher';
import { outboundPolicyFromConfig } from '../config/outbound-url';
import { requestIdActivityInterceptors } from '../activities/kit/request-id';
import { SecretBox } from '../db/platform/secrets';
import { temporalConnectionOptions } from '../config/temporal-connection';
import { temporalDataConverter } from '../config/temporal-payload-codec';
import { PgTwilioLimiter } from '../activities/kit/twilio-limiter';
import { createTenantAccounts } from '../activities/kit/tenant-accounts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
/** Carries the API request's id from workflows to their activities and children (and into their logs). */
const workflowInterceptorModules = [fileURLToPath(new URL('../workflows/kit/interceptors.ts', import.meta.url))];

/** Bundles the workflow code (webpack); tests and `npm run build:workflows` do this once ahead of time. */
export async function buildWorkflowBundle(): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: quietBundlerLogger });
  return code;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

/** Creates the worker with real dependencies: PostgreSQL, the Twilio SDK (sandbox or real) and Temporal. */
export async function createWorker(config: Config) {
  // Connections stay open while the worker is busy at all (a minute idle), and are opened before work arrives.
  const db = createPool(config.DATABASE_URL, config.TWILIO_MAX_CONCURRENCY + 10, { idleTimeoutMillis: 60_000 });
  await migrate(db);
  await warmPool(db, config.TWILIO_MAX_CONCURRENCY + 10);
  const metrics = createWorkerMetrics();
  const metricsServer = config.WORKER_METRICS_PORT ? await metrics.serve(config.WORKER_METRICS_PORT) : null;
  // TWILIO_MAX_CONCURRENCY is the account's: every worker process draws from the same slots.
  const limiter = await PgTwilioLimiter.start(db, config.DATABASE_URL, { accountSid: config.TWILIO_ACCOUNT_SID, slots: config.TWILIO_MAX_CONCURRENCY });
  const twilio = createTwilioClient({
    accountSid: config.TWILIO_ACCOUNT_SID,
    authToken: config.TWILIO_AUTH_TOKEN,
    baseUrl: config.TWILIO_BASE_URL,
    timeoutMs: config.TWILIO_HTTP_TIMEOUT_MS,
    limiter,
    concurrency: config.TWILIO_MAX_CONCURRENCY,
    audit: createAuditSink(db, feesFromConfig(config)),
    observe: metrics.observeTwilio,
    // A bound tenant's requests go to its own account (issue #24), read from PostgreSQL, never from a workflow.
    accounts: createTenantAccounts({ db, box: SecretBox.fromConfig(config, 'twilio-credential') }),
    pauseRetryMs: config.TWILIO_ACCOUNT_PAUSE_RETRY_MS,
    subaccountPools: config.TWILIO_SUBACCOUNT_POOLS,
  });
  // Policy SIDs are checked against Twilio, not trusted blindly; a wrong one stops the worker here.
  const a2p = await checkA2pSetup(twilio, config);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const bundle = config.WORKFLOW_BUNDLE_PATH
    ? { workflowBundle: { code: await readFile(config.WORKFLOW_BUNDLE_PATH, 'utf8') } }
    : { workflowsPath };
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    // Payloads are sealed before Temporal stores them, and opened here (the same key ring as the API's).
    dataConverter: temporalDataConverter(config),
    ...bundle,
    interceptors: { workflowModules: workflowInterceptorModules, activity: [requestIdActivityInterceptors] },
    activities: createActivities({ db, twilio, a2pPolicies: a2p.policies, voiceTrustPolicies: a2p.voiceTrustPolicies, a2pReconcileByListing: config.A2P_RECONCILE_BY_LISTING, secrets: SecretBox.fromConfig(config, 'sip-password'), twilioConcurrency: config.TWILIO_MAX_CONCURRENCY,
      lookupPrices: lookupPricesFromConfig(config),
      numberMonthlyUsd: config.NUMBER_MONTHLY_USD,
      observeRetry: metrics.observeActivityRetry,
    }),
    // Twilio's limit is enforced per request by the account-wide limiter, not by activity slots, so
    // PostgreSQL-only activities and activities waiting for Twilio never crowd each other out.
    maxConcurrentActivityTaskExecutions: config.WORKER_ACTIVITY_SLOTS ?? 2 * config.TWILIO_MAX_CONCURRENCY + 10,
  });
  // Tenants' signed notifications, delivered from PostgreSQL's queue by every worker.
  const stopDispatcher = startWebhookDispatcher({ db, box: SecretBox.fromConfig(config, 'webhook-secret'), policy: outboundPolicyFromConfig(config), retryBaseMs: config.WEBHOOK_RETRY_BASE_MS });
  const close = async () => {
    await stopDispatcher();
    metricsServer?.close();
    await limiter.close();
    await connection.close().catch(() => undefined);
    await db.end().catch(() => undefined);
  };
  return { worker, close, warnings: a2p.warnings };
}
