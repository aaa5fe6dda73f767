import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { PoolClient } from 'pg';
import type { Db } from '../../db/kit/pool';
import * as numbers from '../../db/numbers/numbers';
import { forgetNumber } from '../../db/kit/memberships';
import { recordJobItem } from '../../db/kit/jobs';
import type { AvailableNumber, Capabilities, NumberConfig, SearchNumbersQuery } from '../../schemas/numbers/numbers';
import type {
  ConfigureNumberInput,
  ConfigureOutcome,
  PurchaseGroupInput,
  PurchaseGroupResult,
  PurchaseInput,
  PurchaseOutcome,
  PurchaseStreamInput,
  PurchaseStreamResult,
  ReleaseBatchResult,
  ReleaseGroupInput,
  ReleaseNumberInput,
  ReleaseOutcome,
} from '../../schemas/numbers/workflow';
import { activityAttempt } from '../kit/attempt';
import { assertTenant } from '../kit/twilio-objects';
import type { TwilioClient } from '../kit/twilio-client';
import { failOnDefinitive, isAccountPaused, isDefinitiveTwilioError, twilioErrorOf, TWILIO_NOT_FOUND, TWILIO_NUMBER_UNAVAILABLE } from '../kit/twilio-errors';
import { movedSinceLastLook } from '../kit/progress';

/**
 * How far Twilio's clock may be behind ours. The intent is written before the purchase is sent, so the
 * number Twilio made for it is dated after the intent unless the clocks disagree by more than this.
 */
const CLOCK_SKEW_MS = 5_000;

/** Tries of one item inside a group before the group activity itself fails (and is retried by Temporal). */
const ITEM_ATTEMPTS = 4;

/** Something that must be undone before Twilio will release a number: a product holding it (activities/numbers/release-blockers.ts). */
export interface ReleaseBlocker {
  name: string;
  detach(ctx: { tenantId: string; phoneNumber: string; twilioSid: string; twilio: TwilioClient }): Promise<void>;
}

export interface NumberActivityDeps {
  db: Db;
  twilio: TwilioClient;
  releaseBlockers: ReleaseBlocker[];
  /** The account's Twilio concurrency (TWILIO_MAX_CONCURRENCY): how many purchases a group keeps going. */
  twilioConcurrency: number;
}

/** The SDK's config field names for our NumberConfig. */
function toTwilioConfig(c: NumberConfig) {
  return {
    friendlyName: c.friendlyName,
    voiceUrl: c.voiceUrl,
    voiceMethod: c.voiceMethod,
    voiceFallbackUrl: c.voiceFallbackUrl,
    smsUrl: c.smsUrl,
    smsMethod: c.smsMethod,
    smsFallbackUrl: c.smsFallbackUrl,
    statusCallback: c.statusCallback,
  };
}

const capabilitiesOf = (c: { voice?: boolean; sms?: boolean; mms?: boolean; fax?: boolean } | undefined): Partial<Capabilities> => ({
  voice: Boolean(c?.voice),
  sms: Boolean(c?.sms),
  mms: Boolean(c?.mms),
  fax: Boolean(c?.fax),
});

export function createNumberActivities({ db, twilio, releaseBlockers, twilioConcurrency }: NumberActivityDeps) {
  const account = () => twilio.api.v2010.accounts(twilio.accountSid);

  /** The account's own number with exactly this E.164, if it owns it. */
  async function findOwned(phoneNumber: string) {
    const found = await account().incomingPhoneNumbers.list({ phoneNumber, limit: 20 });
    return found.find((n) => n.phoneNumber === phoneNumber) ?? null;
  }

  /**
   * Whether the number the account owns is the one this intent bought (its answer was lost): Twilio made it
   * after the intent was written, and no other purchase of ours holds its SID. A number the account had
   * before — bought in the console, ported in, another tenant's — is never adopted by a reconcile.
   */
  async function madeByThisIntent(owned: { sid: string; dateCreated: Date }, intent: { id: string; created_at: Date }): Promise<boolean> {
    if (owned.dateCreated.getTime() < Math.floor(intent.created_at.getTime() / 1000) * 1000 - CLOCK_SKEW_MS) return false;
    const { rowCount } = await db.query('SELECT 1 FROM phone_numbers WHERE twilio_sid = $1 AND id <> $2', [owned.sid, intent.id]);
    return !rowCount;
  }

  /** A job's group of purchases or releases acts only for the job's own tenant (refused if an input names another). */
  async function assertJobOfTenant(jobId: string, tenantId: string): Promise<void> {
    const { rows } = await db.query<{ tenant_id: string }>('SELECT tenant_id FROM jobs WHERE id = $1', [jobId]);
    assertTenant(rows[0]?.tenant_id, tenantId, `job ${jobId}`);
  }

  const activities = {
    /** Seed action search_numbers: read-only, safe to retry. */
    async searchAvailableNumbers(query: SearchNumbersQuery): Promise<AvailableNumber[]> {
      const country = account().availablePhoneNumbers('US');
      const filters = {
        areaCode: query.areaCode ? Number(query.areaCode) : undefined,
        contains: query.contains,
        smsEnabled: query.smsEnabled,
        voiceEnabled: query.voiceEnabled,
        mmsEnabled: query.mmsEnabled,
        inRegion: query.inRegion,
        pageSize: query.limit,
        limit: query.limit,
      };
      const found = await (query.type === 'toll-free' ? country.tollFree.list(filters) : country.local.list(filters)).catch(
        failOnDefinitive,
      );
      return found.map((n) => ({
        phoneNumber: n.phoneNumber,
        friendlyName: n.friendlyName,
        locality: n.locality ?? null,
        region: n.region ?? null,
        postalCode: n.postalCode ?? null,
        isoCountry: n.isoCountry,
        capabilities: capabilitiesOf(n.capabilities as never) as Capabilities,
      }));
    },

    /**
     * Buys one number at most once. The intent is written to PostgreSQL first; any later attempt
     * of the same purchase (activity retry after a timeout, worker crash) asks Twilio whether the
     * account already owns the number before buying, so a committed purchase is never repeated.
     */
    async purchaseNumber(input: PurchaseInput): Promise<PurchaseOutcome> {
      const claim = await numbers.claimPurchase(db, input);
      if (claim.kind === 'held_elsewhere') {
        const error = {
          code: TWILIO_NUMBER_UNAVAILABLE,
          status: 400,
          message: `${input.phoneNumber} is already held by another purchase`,
          moreInfo: null,
        };
        if (input.jobId) {
          await recordJobItem(db, { jobId: input.jobId, itemKey: input.phoneNumber, phoneNumber: input.phoneNumber, status: 'failed', twilioSid: null, error });
        }
        return { status: 'unavailable', error };
      }
      if (claim.kind === 'existing') {
        assertTenant(claim.row.tenant_id, input.tenantId, `purchase ${input.purchaseKey}`);
        if (claim.row.status === 'active') return { status: 'purchased', number: numbers.toPhoneNumber(claim.row) };
        if (claim.row.status !== 'purchasing') {
          return {
            status: 'unavailable',
            error: { code: TWILIO_NUMBER_UNAVAILABLE, status: 400, message: `purchase of ${input.phoneNumber} already ended`, moreInfo: null },
          };
        }
      }
      const complete = (n: { sid: string; friendlyName: string; capabilities: unknown }) =>
        numbers.completePurchase(db, {
          purchaseKey: input.purchaseKey,
          twilioSid: n.sid,
          friendlyName: n.friendlyName,
          capabilities: capabilitiesOf(n.capabilities as never),
        });

      if (claim.kind === 'existing' || activityAttempt() > 1) {
        const owned = await findOwned(input.phoneNumber);
        if (owned && (await madeByThisIntent(owned, claim.row))) return { status: 'purchased', number: await complete(owned) };
        if (owned) {
          // The account owned it before this purchase began (bought elsewhere, or another tenant's): never adopt it.
          const error = { code: TWILIO_NUMBER_UNAVAILABLE, status: 400, message: `${input.phoneNumber} is not available: the account already owned it before this purchase`, moreInfo: null };
          await numbers.failPurchase(db, { purchaseKey: input.purchaseKey, error });
          return { status: 'unavailable', error };
        }
      }
      try {
        const bought = await account().incomingPhoneNumbers.create({
          phoneNumber: input.phoneNumber,
          ...toTwilioConfig(input.config),
        });
        return { status: 'purchased', number: await complete(bought) };
      } catch (err) {
        if (!isDefinitiveTwilioError(err)) throw err; // ambiguous: the retry reconciles first
        const error = twilioErrorOf(err)!;
        await numbers.failPurchase(db, { purchaseKey: input.purchaseKey, error });
        return { status: error.code === TWILIO_NUMBER_UNAVAILABLE ? 'unavailable' : 'rejected', error };
      }
    },

    /** Seed action configure_number: an update is naturally idempotent. */
    async configureNumber(input: ConfigureNumberInput): Promise<ConfigureOutcome> {
      const row = await numbers.findLiveNumber(db, input.tenantId, input.phoneNumber);
      if (!row || row.status !== 'active' || !row.twilio_sid) return { status: 'not_found' };
      if (input.detachFromTrunk && row.sip_trunk_id) {
        // The same detach a release does: off the trunk at Twilio, then in our records.
        const trunk = releaseBlockers.find((b) => b.name === 'sip_trunk');
        await trunk?.detach({ tenantId: input.tenantId, phoneNumber: input.phoneNumber, twilioSid: row.twilio_sid, twilio });
      }
      const updated = await account()
        .incomingPhoneNumbers(row.twilio_sid)
        .update(toTwilioConfig(input.config))
        .catch(failOnDefinitive);
      const saved = await numbers.saveNumberConfig(db, {
        tenantId: input.tenantId,
        phoneNumber: input.phoneNumber,
        config: input.config,
        friendlyName: updated.friendlyName ?? null,
      });
      return saved ? { status: 'configured', number: saved } : { status: 'not_found' };
    },

    /** Seed action release_number: detach what blocks a release, delete, record. 20404 on a retry means done. */
    async releaseNumber(input: ReleaseNumberInput): Promise<ReleaseOutcome> {
      const job = input.jobId ? { jobId: input.jobId } : null;
      const row = await numbers.markReleasing(db, input.tenantId, input.phoneNumber);
      if (!row || !row.twilio_sid) {
        if (job) {
          await recordJobItem(db, {
            jobId: job.jobId, itemKey: input.phoneNumber, phoneNumber: input.phoneNumber, status: 'skipped', twilioSid: null,
            error: { code: null, status: 404, message: 'number is not an active number of this tenant', moreInfo: null },
          });
        }
        return { status: 'not_found' };
      }
      try {
        for (const blocker of releaseBlockers) {
          await blocker.detach({ tenantId: input.tenantId, phoneNumber: input.phoneNumber, twilioSid: row.twilio_sid, twilio });
        }
        await account().incomingPhoneNumbers(row.twilio_sid).remove();
      } catch (err) {
        const info = twilioErrorOf(err);
        if (info?.code !== TWILIO_NOT_FOUND && info?.status !== 404) {
          if (!isDefinitiveTwilioError(err)) throw err;
          if (job) {
            await recordJobItem(db, { jobId: job.jobId, itemKey: input.phoneNumber, phoneNumber: input.phoneNumber, status: 'failed', twilioSid: row.twilio_sid, error: info });
          }
          return { status: 'rejected', error: info! };
        }
      }
      await forgetNumber(db, row.twilio_sid); // a released number belongs to nothing, whatever a product still recorded
      return { status: 'released', number: await numbers.markReleased(db, row.id, job) };
    },
  };

  return {
    ...activities,

    /**
     * A bulk job's purchases, many per activity: each is the same exactly-once purchase as above (intent
     * row first, reconcile before any repeat), run concurrently up to the account's concurrency (the
     * account-wide limiter keeps Twilio within it). Progress goes out in heartbeats, so a retried group —
     * after a timeout or a killed worker — skips what it finished and reconciles what was in flight.
     * A cancelled job stops starting purchases; those in flight finish and are recorded.
     */
    async purchaseNumbers(input: PurchaseGroupInput): Promise<PurchaseGroupResult> {
      await assertJobOfTenant(input.jobId, input.tenantId);
      const done: Record<string, PurchaseOutcome['status']> = { ...((Context.current().info.heartbeatDetails as Record<string, PurchaseOutcome['status']> | undefined) ?? {}) };
      let rejectedInARow = 0;
      let lastError: PurchaseGroupResult['lastError'];
      await inGroup(input.candidates.filter((n) => !(n in done)), input.concurrency, done, async (phoneNumber) => {
        if (rejectedInARow >= input.maxRejectionsInARow) return;
        const outcome = await activities.purchaseNumber({
          tenantId: input.tenantId,
          jobId: input.jobId,
          purchaseKey: `job-${input.jobId}:${phoneNumber}`,
          phoneNumber,
          config: input.config,
        });
        done[phoneNumber] = outcome.status;
        if (outcome.status === 'purchased') rejectedInARow = 0;
        else if (outcome.status === 'rejected') {
          rejectedInARow += 1;
          lastError = outcome.error;
        }
      });
      const statuses = Object.values(done);
      return { purchased: statuses.filter((x) => x === 'purchased').length, attempted: statuses.length, rejectedInARow, lastError };
    },

    /**
     * A bulk buy's batch as one stream: searches ahead while it buys, so Twilio's slots never idle between
     * a search and the purchases it feeds. Exactly-N holds because a purchase starts only while the job's
     * bought numbers plus purchases in flight are short of `boughtBefore + want`. Each purchase is the
     * exactly-once one above. A retried stream (timeout, killed worker) resumes from PostgreSQL: what
     * succeeded counts, nothing the job tried is tried again, and an unfinished purchase is reconciled with
     * Twilio before anything new is bought. A cancelled job stops starting purchases; those in flight finish.
     */
    async purchaseNumbersFromSearch(input: PurchaseStreamInput): Promise<PurchaseStreamResult> {
      await assertJobOfTenant(input.jobId, input.tenantId);
      const ctx = Context.current();
      // One attempt of a job's stream at a time. An attempt Temporal has given up on (its heartbeats
      // couldn't reach a restarting server) may still be finishing its purchases on a live worker: the
      // next one waits for it, so it counts them. A dead worker's lock goes with its connection.
      const lock = await db.connect();
      // Losing the lock's connection (PostgreSQL restarting) loses the lock: stop starting purchases.
      const held = { lost: null as Error | null };
      const onLost = (err: Error) => void (held.lost ??= err);
      lock.on('error', onLost);
      try {
        await takeStreamLock(lock, input.jobId, ctx);
        return await stream(input, ctx, held);
      } finally {
        await lock.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
        lock.removeListener('error', onLost);
        lock.release(held.lost ?? undefined); // a broken connection is discarded, not pooled
      }
    },

    /** A bulk release's numbers, many per activity, the same way. */
    async releaseNumbers(input: ReleaseGroupInput): Promise<ReleaseBatchResult> {
      await assertJobOfTenant(input.jobId, input.tenantId);
      const done: Record<string, ReleaseOutcome['status']> = { ...((Context.current().info.heartbeatDetails as Record<string, ReleaseOutcome['status']> | undefined) ?? {}) };
      // Heartbeats are throttled: what an earlier attempt finished after its last one is in the job's items.
      const { rows } = await db.query<{ item_key: string; status: string }>(
        `SELECT item_key, status FROM job_items WHERE job_id = $1 AND item_key = ANY($2) AND status <> 'pending'`,
        [input.jobId, input.phoneNumbers],
      );
      const asOutcome: Record<string, ReleaseOutcome['status']> = { succeeded: 'released', skipped: 'not_found', failed: 'rejected' };
      for (const r of rows) done[r.item_key] ??= asOutcome[r.status]!;
      await inGroup(input.phoneNumbers.filter((n) => !(n in done)), input.concurrency, done, async (phoneNumber) => {
        done[phoneNumber] = (await activities.releaseNumber({ tenantId: input.tenantId, phoneNumber, jobId: input.jobId })).status;
      });
      const statuses = Object.values(done);
      return {
        released: statuses.filter((x) => x === 'released').length,
        skipped: statuses.filter((x) => x === 'not_found').length,
        failed: statuses.filter((x) => x === 'rejected').length,
      };
    },
  };

  /** The stream itself (see purchaseNumbersFromSearch), run while the job's stream lock is held. */
  async function stream(input: PurchaseStreamInput, ctx: Context, held: { lost: Error | null }): Promise<PurchaseStreamResult> {
    const start = await numbers.purchaseProgress(db, input.jobId);
    const attempted = new Set(start.attempted);
    const queue = [...start.inFlight]; // an earlier attempt's unfinished purchases go first
    let purchased = start.succeeded - input.boughtBefore;
    let inFlight = 0;
    let triedHere = 0;
    let rejectedInARow = 0;
    let lastError: PurchaseStreamResult['lastError'];
    let exhausted = false;
    let failure: unknown;
    let searching: Promise<void> | undefined;
    const missing = () => input.want - purchased - inFlight;
    const lanes = Math.max(1, Math.min(input.concurrency ?? 2 * twilioConcurrency, 2 * twilioConcurrency, input.want));

    // Lanes that can't start a purchase wait for something to change: a purchase ended, a search returned.
    let wake!: () => void;
    let changed = new Promise<void>((r) => (wake = r));
    const signal = () => {
      const w = wake;
      changed = new Promise<void>((r) => (wake = r));
      w();
    };
    ctx.cancellationSignal.addEventListener('abort', signal);
    const beat = () => ctx.heartbeat({ purchased, attempted: triedHere });
    const timer = setInterval(() => movedSinceLastLook() && beat(), 1_000); // a hung stream stops heartbeating

    const search = async () => {
      // Twilio may list numbers we are buying right now (they are still available): ask for enough to see past them.
      const limit = Math.min(1000, inFlight + queue.length + 2 * Math.max(1, missing()));
      const found = await withItemRetries(ctx, () =>
        activities.searchAvailableNumbers({
          type: 'local', areaCode: input.areaCode, contains: input.contains, voiceEnabled: input.capabilities?.voice,
          smsEnabled: input.capabilities?.sms, mmsEnabled: input.capabilities?.mms, limit,
        }),
      );
      const fresh = found.map((n) => n.phoneNumber).filter((n) => !attempted.has(n));
      // Nothing new on a short page is the end of the area code's inventory; on a full page, numbers in
      // flight may be hiding the rest, unless nothing is in flight.
      if (fresh.length === 0 && (found.length < limit || inFlight === 0)) exhausted = true;
      for (const n of fresh.slice(0, Math.max(0, missing() - queue.length))) {
        attempted.add(n);
        queue.push(n);
      }
    };
    const refill = () => {
      searching ??= search()
        .catch((err) => void (failure = err))
        .finally(() => {
          searching = undefined;
          signal();
        });
    };

    const lane = async () => {
      for (;;) {
        failure ??= held.lost ?? undefined;
        if (failure || ctx.cancellationSignal.aborted || rejectedInARow >= input.maxRejectionsInARow || purchased >= input.want) return;
        if (missing() <= 0) {
          await changed; // every missing number has a purchase in flight; one may yet fail and need replacing
          continue;
        }
        if (!exhausted && queue.length < Math.min(lanes, missing())) refill();
        const phoneNumber = queue.shift();
        if (phoneNumber === undefined) {
          if (exhausted) return;
          await changed;
          continue;
        }
        inFlight += 1;
        triedHere += 1;
        let outcome: PurchaseOutcome;
        try {
          outcome = await withItemRetries(ctx, () =>
            activities.purchaseNumber({
              tenantId: input.tenantId, jobId: input.jobId, purchaseKey: `job-${input.jobId}:${phoneNumber}`, phoneNumber, config: input.config,
            }),
          );
        } finally {
          inFlight -= 1;
          signal();
        }
        if (outcome.status === 'purchased') {
          purchased += 1;
          rejectedInARow = 0;
        } else if (outcome.status === 'rejected') {
          rejectedInARow += 1;
          lastError = outcome.error;
        }
        beat();
      }
    };
    try {
      // A lane that fails stops every lane from starting purchases, and the activity fails only once
      // those in flight have ended: a retry must never run next to purchases of the attempt it replaces.
      await Promise.all(
        Array.from({ length: lanes }, () =>
          lane().catch((err) => {
            failure ??= err;
            signal();
          }),
        ),
      );
      await searching;
      if (failure) throw failure;
    } finally {
      clearInterval(timer);
      ctx.cancellationSignal.removeEventListener('abort', signal);
    }
    if (purchased >= input.want) return { purchased, attempted: triedHere, stopReason: 'completed' };
    // What finished is recorded; the workflow learns the count from PostgreSQL.
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('the job was cancelled');
    if (rejectedInARow >= input.maxRejectionsInARow) return { purchased, attempted: triedHere, stopReason: 'rejected', lastError };
    return { purchased, attempted: triedHere, stopReason: 'inventory_exhausted', lastError };
  }

  /**
   * Runs `fn` over items, `concurrency` (at most the account's) at a time, heartbeating `progress` as
   * items finish and every few seconds while they wait; stops starting items once the activity is cancelled.
   */
  async function inGroup<T>(items: string[], concurrency: number | undefined, progress: T, fn: (item: string) => Promise<void>) {
    const ctx = Context.current();
    const beat = () => ctx.heartbeat(progress);
    const timer = setInterval(() => movedSinceLastLook() && beat(), 1_000); // a hung group stops heartbeating
    // Twice the account's concurrency in lanes: while some items do their PostgreSQL bookkeeping, others
    // already wait at the account-wide limiter, so a freed Twilio slot never idles. The limiter keeps
    // Twilio at the account's concurrency; a job's own `concurrency` can only lower this.
    const lanes = Math.max(1, Math.min(concurrency ?? 2 * twilioConcurrency, 2 * twilioConcurrency, items.length));
    let next = 0;
    let failure: unknown;
    try {
      // As in a stream: the first item that keeps failing stops every lane from starting items, and the
      // group fails once the items in flight have ended, never leaving them running beside its retry.
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          while (next < items.length && !ctx.cancellationSignal.aborted && failure === undefined) {
            const item = items[next++]!;
            try {
              await withItemRetries(ctx, () => fn(item));
            } catch (err) {
              failure ??= err;
              return;
            }
            beat();
          }
        }),
      );
    } finally {
      clearInterval(timer);
    }
    if (failure !== undefined) throw failure;
    // What finished is recorded; the workflow learns the counts from PostgreSQL.
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('the job was cancelled');
  }
}

/**
 * One item of a group: a blip (5xx, lost response) is retried here, reconciled by the item's own logic,
 * rather than failing the whole group; only an item that keeps failing fails it (and Temporal retries it).
 * A paused account (issue #24) fails the group at once: no item of it can go on until the account is back.
 */
async function withItemRetries<T>(ctx: Context, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= ITEM_ATTEMPTS || ctx.cancellationSignal.aborted || isAccountPaused(err)) throw err;
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
}

/** Waits, heartbeating, for the job's stream lock (a session advisory lock on `client`); a cancel stops the wait. */
async function takeStreamLock(client: PoolClient, jobId: string, ctx: Context): Promise<void> {
  for (;;) {
    const { rows } = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtextextended('purchase-stream:' || $1, 0)) AS ok`, [jobId]);
    if (rows[0]!.ok) return;
    ctx.heartbeat();
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('the job was cancelled');
    await new Promise((r) => setTimeout(r, 250));
  }
}
