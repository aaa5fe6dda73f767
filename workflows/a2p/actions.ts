import { ApplicationFailure, patched, workflowInfo } from '@temporalio/workflow';
import type {
  AssignNumbersInput,
  CreateBusinessProfileInput,
  CreateCampaignInput,
  RefreshStatusInput,
  RegisterBrandInput,
  SubmitBusinessProfileInput,
} from '../../schemas/a2p/actions';
import type { NumbersOutcome, ReviewStatus } from '../../schemas/a2p/workflow';
import { a2p } from './activities';
import { TENANT_SCOPED_NAMES } from '../kit/patches';

/** Whose objects these are and how they are named: after the tenant and this workflow, never the caller's key alone. */
function ownerOf(i: { tenantId: string; key: string }) {
  const scoped = patched(TENANT_SCOPED_NAMES) ? { nameScope: workflowInfo().workflowId } : {};
  return { tenantId: i.tenantId, registrationId: null, key: i.key, ...scoped };
}

/**
 * The seed's single A2P actions as short workflows over the registration's activities: the same
 * reconcile-before-create idempotency, retries and Twilio error mapping, one step at a time.
 */

export async function a2pCreateBusinessProfile(i: CreateBusinessProfileInput): Promise<{ sid: string }> {
  const owner = ownerOf(i);
  if (i.kind === 'customer_profile') return a2p.a2pCreateCustomerProfile({ ...owner, draft: i.draft });
  return a2p.a2pCreateTrustProduct({ ...owner, draft: i.draft, customerProfileSid: i.customerProfileSid });
}

/** Evaluates and submits the bundle for Twilio's review; returns the status right after. */
export async function a2pSubmitBusinessProfile(i: SubmitBusinessProfileInput): Promise<ReviewStatus> {
  await a2p.a2pSubmitBundle(i);
  return a2p.a2pReviewStatus(i);
}

export async function a2pRegisterBrandAction(i: RegisterBrandInput): Promise<{ sid: string }> {
  return a2p.a2pRegisterBrand({ ...i, ...ownerOf(i) });
}

/** Reads a resource's status from Twilio and stores it (get_brand_status and friends). */
export async function a2pRefreshStatus(i: RefreshStatusInput): Promise<ReviewStatus> {
  return a2p.a2pReviewStatus(i);
}

/** A campaign gets its own Messaging Service (Twilio allows one campaign per service). */
export async function a2pCreateCampaignAction(i: CreateCampaignInput): Promise<{ sid: string; messagingServiceSid: string }> {
  const owner = ownerOf(i);
  const service = await a2p.a2pEnsureMessagingService({ ...owner, friendlyName: i.friendlyName });
  const usecase = await a2p.a2pCheckUsecase({ serviceSid: service.sid, brandSid: i.brandSid, usecase: i.campaign.usecase });
  if (!usecase.allowed) throw ApplicationFailure.nonRetryable(usecase.message, 'UsecaseNotAllowed');
  const campaign = await a2p.a2pCreateCampaign({ ...owner, serviceSid: service.sid, brandSid: i.brandSid, campaign: i.campaign });
  return { sid: campaign.sid, messagingServiceSid: service.sid };
}

export async function a2pAssignNumbers(i: AssignNumbersInput): Promise<NumbersOutcome> {
  return a2p.a2pAddNumbers(i);
}
