import type { Db } from '../db/kit/pool';
import type { SecretBox } from '../db/platform/secrets';
import { a2pSidSources, createA2pActivities, type A2pPolicies } from './a2p/registration';
import { messagingServiceMemberships } from './a2p/memberships';
import { createJobActivities } from './kit/jobs';
import { wrapActivities, type RetryObserver } from './kit/activity-wrappers';
import { reportingProgress } from './kit/progress';
import { createNumberActivities, type ReleaseBlocker } from './numbers/numbers';
import { membershipReleaseBlockers } from './numbers/release-blockers';
import { createMembershipRegistry } from './kit/memberships';
import { createTwilioObjectRegistry, reconcilingByListing } from './kit/twilio-objects';
import { createSipActivities } from './sip/trunk';
import { sipTrunkMemberships } from './sip/memberships';
import { createLookupActivities, type LookupPrices } from './lookups/lookups';
import { createHygieneActivities } from './number-health/health';
import { createRotationActivities } from './number-health/rotation';
import { createVoiceTrustActivities, voiceTrustSidSources, type VoiceTrustPolicies } from './voice-trust/registration';
import { trustProductMemberships } from './voice-trust/memberships';
import { createTollfreeActivities } from './tollfree/verification';
import { createTenantAccountActivities } from './platform/tenant-accounts';
import { createNumberTransferActivities } from './platform/number-transfers';
import type { TwilioClient } from './kit/twilio-client';

export interface ActivityDeps {
  db: Db;
  twilio: TwilioClient;
  /** The account's Twilio concurrency (TWILIO_MAX_CONCURRENCY); 10 when not given. */
  twilioConcurrency?: number;
  /** Decrypts write-only secrets (SIP passwords) referenced by workflow inputs. */
  secrets: SecretBox;
  /** What must be undone before a number is released; by default its trunk, its Messaging Services and its voice trust products. */
  releaseBlockers?: ReleaseBlocker[];
  /** Checked against Twilio at worker start-up (checkA2pSetup); Twilio's well-known SIDs otherwise. */
  a2pPolicies?: A2pPolicies;
  /** Checked against Twilio at worker start-up with the A2P ones; Twilio's well-known SIDs otherwise. */
  voiceTrustPolicies?: VoiceTrustPolicies;
  /** What each Lookup v2 package costs per request (LOOKUP_PRICE_*_USD); nothing recorded when not given. */
  lookupPrices?: LookupPrices;
  /** A number's monthly price (NUMBER_MONTHLY_USD): what a rotation's replacement costs against the budget. */
  numberMonthlyUsd?: number;
  /** Benchmarks only: the pre-claims way of reconciling A2P creates (see A2P_RECONCILE_BY_LISTING). */
  a2pReconcileByListing?: boolean;
  /** Told of every activity retry (the worker's twilio_pro_activity_retries_total). */
  observeRetry?: RetryObserver;
}

/** All activities, built from injected dependencies (the worker passes real ones, tests may pass others). */
export function createActivities(given: ActivityDeps) {
  // Each query an activity makes is a sign of progress for its keepalive heartbeat (activities/kit/progress.ts).
  const deps = { ...given, db: reportingProgress(given.db) };
  // The products that hold numbers: what a release must undo and what a rotation's replacement takes over.
  const memberships = createMembershipRegistry([
    sipTrunkMemberships(deps.db, deps.twilio),
    messagingServiceMemberships(deps.db, deps.twilio),
    trustProductMemberships(deps.db, deps.twilio),
  ]);
  // Every product's SID sources: what one product holds for a tenant, no product adopts for another.
  const twilioObjects = createTwilioObjectRegistry(deps.db, [...a2pSidSources, ...voiceTrustSidSources]);
  return wrapActivities({
    ...createNumberActivities({
      db: deps.db,
      twilio: deps.twilio,
      releaseBlockers: deps.releaseBlockers ?? membershipReleaseBlockers(memberships),
      twilioConcurrency: deps.twilioConcurrency ?? 10,
    }),
    ...createJobActivities({ db: deps.db }),
    ...createA2pActivities({ db: deps.db, twilio: deps.twilio, policies: deps.a2pPolicies, twilioObjects: deps.a2pReconcileByListing ? reconcilingByListing() : twilioObjects }),
    ...createSipActivities({ db: deps.db, twilio: deps.twilio, secrets: deps.secrets }),
    ...createHygieneActivities({ db: deps.db }),
    ...createRotationActivities({ db: deps.db, twilio: deps.twilio, numberMonthlyUsd: deps.numberMonthlyUsd ?? 1.15, memberships }),
    ...createVoiceTrustActivities({ db: deps.db, twilio: deps.twilio, policies: deps.voiceTrustPolicies, twilioObjects }),
    ...createTollfreeActivities({ db: deps.db, twilio: deps.twilio }),
    ...createTenantAccountActivities({ db: deps.db, twilio: deps.twilio, secrets: deps.secrets }),
    ...createNumberTransferActivities({ db: deps.db, twilio: deps.twilio, memberships }),
    ...createLookupActivities({ db: deps.db, twilio: deps.twilio, prices: deps.lookupPrices ?? { line_type_intelligence: 0, caller_name: 0, sms_pumping_risk: 0, reassigned_number: 0 } }),
  }, { observeRetry: deps.observeRetry });
}

export type Activities = ReturnType<typeof createActivities>;
