import { randomUUID } from 'node:crypto';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { A2pActivities, A2pRegistrationInput, A2pState, BrandIdentity, ReviewKind, ReviewStatus } from '../../../schemas/a2p/workflow';
import { a2pStateQuery } from '../../../workflows/a2p/registration';
import { a2pRegistration } from '../../../workflows/index';
import { goodDraft } from '../../fixtures/a2p-draft';
import { beforeAll } from 'vitest';
import { timeSkippingEnvironment } from '../../helpers/time-skipping';

/**
 * Multi-week registrations in seconds: Temporal's time-skipping test server, with Twilio faked in activities.
 * Shared by the a2pRegistration workflow test files, which run side by side: each calls `a2pTimeSkipping()` at its
 * top level for a server of its own (hooks register on the file that calls, even where modules are cached across
 * files), and the helpers below use the server of the file running.
 */
let current: ReturnType<typeof timeSkippingEnvironment> | undefined;
export function a2pTimeSkipping() {
  const env = timeSkippingEnvironment();
  beforeAll(() => void (current = env));
  return env;
}
export const ts = {
  get env() {
    return current!.env;
  },
  get bundle() {
    return current!.bundle;
  },
};
export const hour = 3_600_000;
export const day = 24 * hour;

export const timings = (deadlines: Partial<Record<ReviewKind, number>> = {}): A2pRegistrationInput['timings'] => ({
  firstPollMs: hour,
  maxPollMs: 12 * hour,
  deadlines: { customer_profile: 30 * day, trust_product: 30 * day, brand: 30 * day, campaign: 60 * day, ...deadlines },
});

/** Twilio as the workflow sees it: reviews that take virtual days, with scripted rejections. */
export function fakeTwilio(script: { days: Record<ReviewKind, number>; rejectProfile?: number; rejectBrand?: number; rejectCampaign?: number; suspend?: ReviewKind }) {
  const submittedAt = new Map<string, number>();
  const left: Partial<Record<ReviewKind, number>> = { customer_profile: script.rejectProfile ?? 0, brand: script.rejectBrand ?? 0, campaign: script.rejectCampaign ?? 0 };
  const log: string[] = [];
  const records: A2pState[] = [];
  const now = async () => Number(await ts.env.currentTimeMs());
  const submit = async (sid: string) => submittedAt.set(sid, await now());
  const kindOf: Record<string, ReviewKind> = { 'BU-profile': 'customer_profile', 'BU-product': 'trust_product', 'BN-1': 'brand', 'QE-1': 'campaign' };
  /** The customer's side of an OTP or Authentication+: a test confirms it; an OTP lapses a day after sending (30752). */
  const customer = { confirmed: false, sentAt: 0, validMs: day, code: 30752 };
  const activities: A2pActivities = {
    a2pEnsureEventStreams: async () => ({ sinkSid: 'DG-1' }),
    a2pCreateCustomerProfile: async () => ({ sid: 'BU-profile' }),
    a2pCreateTrustProduct: async () => ({ sid: 'BU-product' }),
    a2pSubmitBundle: async ({ sid }) => void (await submit(sid)),
    async a2pReviewStatus({ sid }): Promise<ReviewStatus> {
      const kind = kindOf[sid]!;
      log.push(`poll ${kind}`);
      if ((await now()) - submittedAt.get(sid)! < script.days[kind] * day) return { outcome: 'pending', twilioStatus: 'IN_REVIEW', reasons: [] };
      if (script.suspend === kind) return { outcome: 'terminal', twilioStatus: 'SUSPENDED', reasons: [{ code: 30794, message: `${kind} suspended`, fields: [] }] };
      if ((left[kind] ?? 0) > 0) {
        left[kind]! -= 1;
        const code = kind === 'brand' ? 30792 : kind === 'campaign' ? 30893 : 22216;
        return { outcome: 'rejected', twilioStatus: kind === 'customer_profile' ? 'twilio-rejected' : 'FAILED', reasons: [{ code, message: `${kind} rejected`, fields: kind === 'campaign' ? ['campaign.messageSamples'] : ['business.name'] }] };
      }
      return { outcome: 'approved', twilioStatus: 'APPROVED', reasons: [] };
    },
    a2pRegisterBrand: async ({ soleProprietor }) => (log.push(`brand ${soleProprietor ? 'SOLE_PROPRIETOR' : 'STANDARD'}`), await submit('BN-1'), { sid: 'BN-1' }),
    async a2pBrandIdentity(): Promise<BrandIdentity> {
      log.push('identity');
      customer.sentAt ||= await now(); // Twilio sends the OTP or e-mail once the brand is approved
      if (customer.confirmed) return { kind: 'sole_proprietor_otp', state: 'verified', code: null, message: null };
      const lapsed = (await now()) - customer.sentAt > customer.validMs;
      return lapsed ? { kind: 'sole_proprietor_otp', state: 'expired', code: customer.code, message: 'expired' } : { kind: 'sole_proprietor_otp', state: 'pending', code: null, message: null };
    },
    async a2pResendVerification({ kind }) {
      log.push(`resend ${kind}`);
      customer.sentAt = await now();
    },
    a2pUpdateBusinessInformation: async ({ business }) => void log.push(`fix business ${JSON.stringify(business)}`),
    a2pResubmitBrand: async () => void (log.push('resubmit brand'), await submit('BN-1')),
    async a2pImportCampaignVerifyToken({ token }) {
      log.push(`vetting ${token}`);
      return token.includes('EXPIRED') ? { ok: false, code: 30713, message: 'Campaign Verify did not accept the token' } : { ok: true };
    },
    a2pEnsureMessagingService: async () => ({ sid: 'MG-1' }),
    a2pCheckUsecase: async () => ({ allowed: true, message: '' }),
    a2pCreateCampaign: async () => (await submit('QE-1'), { sid: 'QE-1' }),
    a2pUpdateCampaign: async () => void (log.push('resubmit campaign'), await submit('QE-1')),
    a2pAddNumbers: async ({ phoneNumbers }) => (log.push(`numbers ${phoneNumbers.length}`), { attached: phoneNumbers, refused: [] }),
    a2pCleanUpCancelled: async ({ sids }) => (log.push(`cleanup ${Object.values(sids).join(',')}`), []),
    a2pRecordState: async ({ state }) => void records.push(JSON.parse(JSON.stringify(state))),
  };
  return { activities, log, records, customer };
}

/** Lets virtual time pass in 6-hour steps until the registration's state matches (at most 20 days). */
export async function untilState(handle: Awaited<ReturnType<typeof start>>['handle'], match: (s: A2pState) => boolean): Promise<A2pState> {
  for (let i = 0; i < 80; i++) {
    const state = await handle.query(a2pStateQuery);
    if (match(state)) return state;
    await ts.env.sleep(6 * hour);
  }
  throw new Error(`state never matched: ${JSON.stringify(await handle.query(a2pStateQuery))}`);
}

export async function start(fake: ReturnType<typeof fakeTwilio>, t = timings(), draft: object = goodDraft(), options: Partial<WorkerOptions> = {}) {
  const taskQueue = `a2p-${randomUUID()}`;
  const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: { code: ts.bundle }, activities: fake.activities, ...options });
  const handle = await ts.env.client.workflow.start(a2pRegistration, {
    taskQueue,
    workflowId: `a2p-${randomUUID()}`,
    args: [{ tenantId: 't', registrationId: randomUUID(), draft: draft as never, timings: t }],
  });
  return { worker, handle, taskQueue };
}


export type Handle = Awaited<ReturnType<typeof start>>['handle'];
